// config.json fixtures of each family against the report a reader of the transformers code expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeHfConfig } from '../../src/core/parse/hfConfig';
import type { FileReport, Placement } from '../../src/core/ir/model';

const FIXTURES = join(process.cwd(), 'test/fixtures/config');

function inspect(name: string): FileReport {
  return analyzeHfConfig(`${name}.json`, readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
}

interface Expected {
  name: string;
  placement: Placement;
  norm: 'layernorm' | 'rmsnorm' | null;
  finalNorm: boolean | null;
  layers: number | null;
  dModel: number | null;
  heads: number | null;
  flag?: { name: string; placements: Record<string, Placement> } | null;
}

const EXPECTED: Record<string, Expected> = {
  'bert-base-uncased': { name: 'bert', placement: 'post', norm: 'layernorm', finalNorm: false, layers: 12, dModel: 768, heads: 12 },
  'roberta-base': { name: 'roberta', placement: 'post', norm: 'layernorm', finalNorm: false, layers: 12, dModel: 768, heads: 12 },
  'electra-small-discriminator': { name: 'electra', placement: 'post', norm: 'layernorm', finalNorm: false, layers: 12, dModel: 256, heads: 4 },
  'bart-large': { name: 'bart', placement: 'post', norm: 'layernorm', finalNorm: false, layers: 12, dModel: 1024, heads: 16 },
  'marian-en-de': { name: 'marian', placement: 'post', norm: 'layernorm', finalNorm: false, layers: 6, dModel: 512, heads: 8 },
  gpt2: { name: 'gpt2', placement: 'pre', norm: 'layernorm', finalNorm: true, layers: 12, dModel: 768, heads: 12 },
  'opt-125m': { name: 'opt', placement: 'pre', norm: 'layernorm', finalNorm: true, layers: 12, dModel: 768, heads: 12,
    flag: { name: 'do_layer_norm_before', placements: { true: 'pre', false: 'post' } } },
  'opt-350m': { name: 'opt', placement: 'post', norm: 'layernorm', finalNorm: false, layers: 24, dModel: 1024, heads: 16,
    flag: { name: 'do_layer_norm_before', placements: { true: 'pre', false: 'post' } } },
  'bloom-560m': { name: 'bloom', placement: 'pre', norm: 'layernorm', finalNorm: true, layers: 24, dModel: 1024, heads: 16,
    flag: { name: 'apply_residual_connection_post_layernorm', placements: { true: 'post', false: 'pre' } } },
  'llama-3-8b': { name: 'llama', placement: 'pre', norm: 'rmsnorm', finalNorm: true, layers: 32, dModel: 4096, heads: 32 },
  'mistral-7b': { name: 'mistral', placement: 'pre', norm: 'rmsnorm', finalNorm: true, layers: 32, dModel: 4096, heads: 32 },
  'qwen2-7b': { name: 'qwen2', placement: 'pre', norm: 'rmsnorm', finalNorm: true, layers: 28, dModel: 3584, heads: 28 },
  'qwen3-8b': { name: 'qwen3', placement: 'pre', norm: 'rmsnorm', finalNorm: true, layers: 36, dModel: 4096, heads: 32 },
  'phi3-mini': { name: 'phi3', placement: 'pre', norm: 'rmsnorm', finalNorm: true, layers: 32, dModel: 3072, heads: 32 },
  'deepseek-v3': { name: 'deepseek_v3', placement: 'pre', norm: 'rmsnorm', finalNorm: true, layers: 61, dModel: 7168, heads: 128 },
  't5-base': { name: 't5', placement: 'pre', norm: 'rmsnorm', finalNorm: true, layers: 12, dModel: 768, heads: 12 },
  'modernbert-base': { name: 'modernbert', placement: 'pre', norm: 'layernorm', finalNorm: true, layers: 22, dModel: 768, heads: 12 },
  'esm2-t12-35m': { name: 'esm', placement: 'pre', norm: 'layernorm', finalNorm: true, layers: 12, dModel: 480, heads: 20 },
  'vit-base': { name: 'vit', placement: 'pre', norm: 'layernorm', finalNorm: true, layers: 12, dModel: 768, heads: 12 },
  'gemma-2b': { name: 'gemma', placement: 'pre', norm: 'rmsnorm', finalNorm: true, layers: 18, dModel: 2048, heads: 8 },
  'gemma2-9b': { name: 'gemma2', placement: 'sandwich', norm: 'rmsnorm', finalNorm: true, layers: 42, dModel: 3584, heads: 16 },
  'gemma3-4b-it': { name: 'gemma3', placement: 'sandwich', norm: 'rmsnorm', finalNorm: true, layers: 34, dModel: 2560, heads: null },
  'olmo2-7b': { name: 'olmo2', placement: 'post-sublayer', norm: 'rmsnorm', finalNorm: true, layers: 32, dModel: 4096, heads: 32 },
  'gptj-6b': { name: 'gptj', placement: 'parallel-pre', norm: 'layernorm', finalNorm: true, layers: 28, dModel: 4096, heads: 16 },
  'phi-2': { name: 'phi', placement: 'parallel-pre', norm: 'layernorm', finalNorm: true, layers: 32, dModel: 2560, heads: 32 },
  'cohere-command-r': { name: 'cohere', placement: 'parallel-pre', norm: 'layernorm', finalNorm: true, layers: 40, dModel: 8192, heads: 64 },
  'pythia-160m': { name: 'gpt_neox', placement: 'parallel-pre', norm: 'layernorm', finalNorm: true, layers: 12, dModel: 768, heads: 12,
    flag: { name: 'use_parallel_residual', placements: { true: 'parallel-pre', false: 'pre' } } },
  'gpt-neox-sequential': { name: 'gpt_neox', placement: 'pre', norm: 'layernorm', finalNorm: true, layers: 24, dModel: 2048, heads: 16,
    flag: { name: 'use_parallel_residual', placements: { true: 'parallel-pre', false: 'pre' } } },
  'falcon-7b': { name: 'falcon', placement: 'parallel-pre', norm: 'layernorm', finalNorm: true, layers: 32, dModel: 4544, heads: 71,
    flag: { name: 'parallel_attn', placements: { true: 'parallel-pre', false: 'pre' } } },
  'falcon-40b': { name: 'falcon', placement: 'parallel-pre', norm: 'layernorm', finalNorm: true, layers: 60, dModel: 8192, heads: 128,
    flag: { name: 'new_decoder_architecture', placements: { true: 'parallel-pre', false: 'parallel-pre' } } },
  'falcon-sequential': { name: 'falcon', placement: 'pre', norm: 'layernorm', finalNorm: true, layers: 24, dModel: 1024, heads: 32,
    flag: { name: 'new_decoder_architecture', placements: { true: 'parallel-pre', false: 'pre' } } },
  'fairseq-style-unregistered': { name: 'my_speech_encoder', placement: 'pre', norm: null, finalNorm: null, layers: 12, dModel: 256, heads: 4,
    flag: { name: 'normalize_before', placements: { true: 'pre', false: 'post' } } },
  'mamba-130m': { name: 'mamba', placement: 'unknown', norm: null, finalNorm: null, layers: 24, dModel: 768, heads: null, flag: null },
  'no-model-type': { name: 'config', placement: 'unknown', norm: null, finalNorm: null, layers: 6, dModel: 512, heads: 8, flag: null },
};

for (const [fixture, expected] of Object.entries(EXPECTED)) {
  test(`config ${fixture}: ${expected.placement}`, () => {
    const report = inspect(fixture);
    assert.equal(report.language, 'json');
    assert.equal(report.blocks.length, 1, JSON.stringify(report.diagnostics));
    const [block] = report.blocks;
    const { flag, ...fields } = expected;
    assert.deepEqual(
      { name: block.name, placement: block.placement, norm: block.norm, finalNorm: block.finalNorm, layers: block.layers, dModel: block.dModel, heads: block.heads },
      fields,
    );
    if (flag !== undefined) assert.deepEqual(block.flag && { name: block.flag.name, placements: block.flag.placements }, flag);
    else assert.equal(block.flag, null);
    assert.ok(block.reason.length > 20, 'a reason is given');
    assert.ok(block.sublayers.length >= 2 && block.sublayers.every((sub) => sub.placement === block.placement));
    assert.ok(block.line > 0 || fixture === 'no-model-type', 'the block points at its model_type key');
    assert.ok(!report.diagnostics.some((d) => d.severity === 'error'));
  });
}

test('the block and each key used carry the line they sit on', () => {
  const text = readFileSync(join(FIXTURES, 'llama-3-8b.json'), 'utf8');
  const lineOf = (key: string): number => text.split('\n').findIndex((line) => line.includes(`"${key}"`)) + 1;
  const [block] = analyzeHfConfig('llama-3-8b.json', text).blocks;
  assert.equal(block.line, lineOf('model_type'));
  const keys = Object.fromEntries((block.configKeys ?? []).map((entry) => [entry.key, entry]));
  assert.deepEqual(keys.num_hidden_layers, { key: 'num_hidden_layers', value: 32, line: lineOf('num_hidden_layers') });
  assert.equal(keys.hidden_size.line, lineOf('hidden_size'));
  assert.match(block.reason, new RegExp(`layers from num_hidden_layers \\(line ${lineOf('num_hidden_layers')}\\)`));
});

test('names that lie: post_attention_layernorm is a pre-MLP norm in LLaMA, an output norm in Gemma 2 and OLMo 2', () => {
  const mlpNorms = (fixture: string): string[] => inspect(fixture).blocks[0].sublayers.find((sub) => sub.kind === 'mlp')!.norms;
  const attentionNorms = (fixture: string): string[] => inspect(fixture).blocks[0].sublayers.find((sub) => sub.kind === 'attention')!.norms;
  assert.deepEqual(mlpNorms('llama-3-8b'), ['post_attention_layernorm']);
  assert.deepEqual(attentionNorms('gemma2-9b'), ['input_layernorm', 'post_attention_layernorm']);
  assert.deepEqual(attentionNorms('olmo2-7b'), ['post_attention_layernorm']);
  assert.match(inspect('gemma2-9b').blocks[0].reason, /output norm/);
});

test('gemma3 reads its language model through text_config', () => {
  const [block] = inspect('gemma3-4b-it').blocks;
  assert.ok(block.configKeys!.some((entry) => entry.key === 'text_config.num_hidden_layers'));
});

test('an encoder-decoder family lists the decoder cross-attention and its decoder depth', () => {
  const [block] = inspect('t5-base').blocks;
  assert.deepEqual(block.sublayers.map((sub) => sub.kind), ['attention', 'attention', 'mlp']);
});

test('an unregistered model_type is unknown with a reason, not a guess', () => {
  const report = inspect('mamba-130m');
  assert.match(report.blocks[0].reason, /model_type "mamba" is not in NormScope's registry/);
  assert.ok(report.diagnostics.some((d) => d.code === 'unknown-model-type' && d.severity === 'warning' && d.line === report.blocks[0].line));
});

test('package.json and tsconfig.json are not model configs', () => {
  for (const [fixture, looksLike] of [['package', /npm package\.json/], ['tsconfig', /tsconfig\.json/], ['array', /an array/]] as const) {
    const report = inspect(fixture);
    assert.deepEqual(report.blocks, []);
    assert.equal(report.diagnostics.length, 1);
    assert.equal(report.diagnostics[0].code, 'not-a-model-config');
    assert.match(report.diagnostics[0].message, looksLike);
    assert.match(report.diagnostics[0].message, /expected a JSON object with "model_type"/);
  }
});

test('invalid JSON names the line and column of the error', () => {
  const report = inspect('invalid-missing-comma');
  assert.deepEqual(report.blocks, []);
  assert.equal(report.diagnostics.length, 1);
  const [diagnostic] = report.diagnostics;
  assert.equal(diagnostic.code, 'invalid-json');
  assert.equal(diagnostic.severity, 'error');
  assert.equal(diagnostic.line, 5);
  assert.match(diagnostic.message, /line 5, column 3: expected ',' or '}' after the value of "num_hidden_layers"/);
});

test('truncated, empty-object and odd JSON never throw', () => {
  for (const text of ['', '{', '{"model_type": "llama"', '{"a": "\\x"}', '"just a string"', '{}', '{"model_type": 7}', 'nul', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[']) {
    const report = analyzeHfConfig('x.json', text);
    assert.ok(report.diagnostics.length > 0, `a diagnostic for ${JSON.stringify(text.slice(0, 20))}`);
  }
  assert.equal(analyzeHfConfig('x.json', '{"model_type": "llama"').diagnostics[0].code, 'invalid-json');
});

test('a flag with a non-boolean value falls back to the default and says so', () => {
  const report = analyzeHfConfig('c.json', '{\n  "model_type": "gpt_neox",\n  "use_parallel_residual": "yes"\n}');
  assert.equal(report.blocks[0].placement, 'parallel-pre');
  assert.ok(report.diagnostics.some((d) => d.code === 'config-flag-type' && d.line === 3));
});

test('comments are tolerated in a model config but flagged, since transformers rejects them', () => {
  const report = analyzeHfConfig('c.json', '{\n  // tiny\n  "model_type": "llama",\n  "num_hidden_layers": 2,\n}');
  assert.equal(report.blocks[0].placement, 'pre');
  assert.ok(report.diagnostics.some((d) => d.code === 'json-non-standard' && d.line === 2));
});

test('a generic flag that the family code ignores is named, and does not change the placement', () => {
  const report = analyzeHfConfig('c.json', '{\n  "model_type": "bart",\n  "normalize_before": true\n}');
  assert.equal(report.blocks[0].placement, 'post');
  assert.deepEqual(report.diagnostics.map((d) => [d.code, d.line]), [['config-flag-ignored', 3]]);
  assert.deepEqual(inspect('bart-large').diagnostics, [], 'a consistent value says nothing');
});
