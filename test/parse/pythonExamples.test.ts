import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzePython } from '../../src/core/parse/python/analyzePython';
import { pythonParser } from './pythonFixtures';

// The bundled examples are what the README's main job inspects and the probe demo trains: each must
// classify as its docstring says, with depth and width resolved.
const EXPECTED: Record<string, [string, string, number, number, boolean, string]> = {
  'examples/gpt_pre_ln.py': ['Block', 'pre', 8, 512, true, 'layernorm'],
  'examples/bert_post_ln.py': ['EncoderLayer', 'post', 6, 512, false, 'layernorm'],
  'examples/gemma_sandwich.py': ['DecoderLayer', 'sandwich', 8, 512, true, 'rmsnorm'],
  'examples/deepnet_deepnorm.py': ['DeepNormLayer', 'deepnorm', 12, 512, false, 'layernorm'],
  'examples/gptj_parallel.py': ['ParallelBlock', 'parallel-pre', 8, 512, true, 'layernorm'],
};

for (const [file, [name, placement, layers, dModel, finalNorm, norm]] of Object.entries(EXPECTED)) {
  test(`example ${file} is ${placement}`, async () => {
    const report = analyzePython(file, readFileSync(file, 'utf8'), await pythonParser());
    assert.deepEqual(report.diagnostics, []);
    assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.layers, b.dModel, b.heads, b.finalNorm, b.norm]), [[name, placement, layers, dModel, 8, finalNorm, norm]]);
    assert.deepEqual(report.blocks[0].sublayers.map((s) => [s.kind, s.placement]), [['attention', placement], ['mlp', placement]]);
  });
}

test('the DeepNet example reports alpha as written', async () => {
  const file = 'examples/deepnet_deepnorm.py';
  const report = analyzePython(file, readFileSync(file, 'utf8'), await pythonParser());
  assert.equal(report.blocks[0].deepnormAlpha, '(2 * num_layers) ** 0.25');
});
