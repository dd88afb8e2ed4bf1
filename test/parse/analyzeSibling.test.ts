// A config.json beside a .py file fills what the code leaves to a config object, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeFile } from '../../src/core/parse/analyze';
import { resolveWithConfig } from '../../src/core/parse/analyzeSibling';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import { readGrammarBinaries } from '../../src/node/grammars';
import type { BlockIR, FileReport, Placement } from '../../src/core/ir/model';

const span = { line: 10, column: 0, endLine: 30, endColumn: 0, offset: 0, endOffset: 0 };

function block(fields: Partial<BlockIR>): BlockIR {
  return {
    name: 'Block', line: 10, span, placement: 'pre', reason: 'ln before attn and mlp', norm: 'layernorm', finalNorm: true,
    layers: null, dModel: null, heads: null, flag: null, normDefinitions: [], normUses: [],
    sublayers: [
      { kind: 'attention', name: 'attn', placement: fields.placement ?? 'pre', line: 12, span, norms: [], reason: '' },
      { kind: 'mlp', name: 'mlp', placement: fields.placement ?? 'pre', line: 14, span, norms: [], reason: '' },
    ],
    ...fields,
  };
}

function report(...blocks: BlockIR[]): FileReport {
  return { file: 'model.py', language: 'python', blocks, diagnostics: [] };
}

const NEOX = '{\n  "hidden_size": 768,\n  "model_type": "gpt_neox",\n  "num_attention_heads": 12,\n  "num_hidden_layers": 12,\n  "use_parallel_residual": false\n}\n';

test('depth, width and heads come from the config where the code left them null, with the key lines', () => {
  const result = resolveWithConfig(report(block({ dModel: 512 })), 'config.json', NEOX);
  const [resolved] = result.blocks;
  assert.deepEqual([resolved.layers, resolved.dModel, resolved.heads], [12, 512, 12]);
  assert.match(resolved.reason, /config\.json: layers = 12 from num_hidden_layers \(line 5\), heads = 12 from num_attention_heads \(line 4\)/);
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line]), [['sibling-config', 10]]);
  assert.ok(resolved.configKeys!.every((entry) => entry.file === 'config.json'));
});

test('a conditional block is decided by the config value of its flag', () => {
  const placements: Record<string, Placement> = { True: 'parallel-pre', False: 'pre' };
  const conditional = block({ placement: 'conditional', flag: { name: 'config.use_parallel_residual', default: null, placements } });
  const [resolved] = resolveWithConfig(report(conditional), 'config.json', NEOX).blocks;
  assert.equal(resolved.placement, 'pre');
  assert.deepEqual(resolved.sublayers.map((sub) => sub.placement), ['pre', 'pre']);
  assert.match(resolved.reason, /config\.json sets use_parallel_residual = false \(line 6\), so pre/);
  assert.deepEqual(resolved.flag?.placements, placements, 'both readings stay visible');
});

test('a disagreement between code and config family is reported, and the code keeps its reading', () => {
  const result = resolveWithConfig(report(block({ placement: 'post', layers: 6, dModel: 8, heads: 2 })), 'config.json', '{"model_type": "llama"}');
  assert.equal(result.blocks[0].placement, 'post');
  assert.deepEqual(result.diagnostics.map((d) => d.code), ['config-disagrees']);
});

test('a sibling that is not a model config is named and ignored', () => {
  const result = resolveWithConfig(report(block({})), 'config.json', '{"name": "app", "version": "1.0.0"}');
  assert.equal(result.blocks[0].layers, null);
  assert.match(result.diagnostics[0].message, /config\.json beside this file was not used: not a Hugging Face model config/);
});

test('end to end: the config.json beside a GPT-NeoX-style file decides its flag and fills its sizes', async () => {
  const parser = await createPythonParser(readGrammarBinaries(process.cwd()));
  const source = readFileSync('test/fixtures/sibling/modeling_tiny.py');
  const alone = analyzeFile('modeling_tiny.py', source, parser);
  assert.equal(alone.blocks[0].placement, 'conditional', 'without the config the flag stays open');
  assert.deepEqual([alone.blocks[0].layers, alone.blocks[0].dModel], [null, null]);
  const config = { file: 'config.json', bytes: readFileSync('test/fixtures/sibling/config.json') };
  const [block] = analyzeFile('modeling_tiny.py', source, parser, { siblingConfig: config }).blocks;
  assert.deepEqual(
    { placement: block.placement, layers: block.layers, dModel: block.dModel, heads: block.heads, sublayers: block.sublayers.map((sub) => sub.placement) },
    { placement: 'pre', layers: 6, dModel: 512, heads: 8, sublayers: ['pre', 'pre'] },
  );
  assert.equal(block.flag?.name, 'use_parallel_residual');
});
