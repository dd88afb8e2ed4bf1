import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, assertBlock, lineContaining, onlyBlock } from './pythonFixtures';

test('Gemma 2: norms on both sides of each sublayer are sandwich', async () => {
  const block = onlyBlock(await analyzeFixture('gemma2_sandwich.py'));
  assertBlock(block, {
    name: 'Gemma2DecoderLayer', placement: 'sandwich', norm: 'rmsnorm', layers: 26, dModel: 2304, heads: 8, finalNorm: true,
    sublayers: [['attention', 'self_attn', 'sandwich'], ['mlp', 'mlp', 'sandwich']],
  });
  // post_attention_layernorm is the attention's output norm here, as its dataflow says.
  assert.deepEqual(block.normUses.map((u) => [u.name, u.role]), [
    ['input_layernorm', 'sublayer-input'], ['post_attention_layernorm', 'sublayer-output'],
    ['pre_feedforward_layernorm', 'sublayer-input'], ['post_feedforward_layernorm', 'sublayer-output'],
  ]);
});

test('OLMo 2: x + norm(f(x)) is post-sublayer; QK-norm inside attention is not on the stream', async () => {
  const block = onlyBlock(await analyzeFixture('olmo2_post_sublayer.py'));
  assertBlock(block, {
    name: 'Olmo2DecoderLayer', placement: 'post-sublayer', norm: 'rmsnorm', layers: 16, dModel: 2048, heads: 16, finalNorm: true,
    sublayers: [['attention', 'self_attn', 'post-sublayer'], ['mlp', 'mlp', 'post-sublayer']],
  });
  assert.deepEqual(block.normUses.map((u) => u.role), ['sublayer-output', 'sublayer-output']);
  // Layers come from an append loop: `for _ in range(config.num_hidden_layers): self.layers.append(...)`.
  assert.equal(block.model?.name, 'Olmo2Model');
});

test('DeepNorm: norm(x * alpha + f(x)) reports alpha as written', async () => {
  const block = onlyBlock(await analyzeFixture('deepnorm.py'));
  assertBlock(block, {
    name: 'DeepNormLayer', placement: 'deepnorm', norm: 'layernorm', layers: 18, dModel: 512, heads: 8, finalNorm: false,
    sublayers: [['attention', 'self_attn', 'deepnorm'], ['mlp', 'ffn', 'deepnorm']],
  });
  assert.equal(block.deepnormAlpha, '(2 * num_layers) ** 0.25');
  assert.deepEqual(block.normUses.map((u) => [u.role, u.span.line]), [
    ['residual-sum', lineContaining('deepnorm.py', 'x = self.attn_norm(x * self.alpha')],
    ['residual-sum', lineContaining('deepnorm.py', 'x = self.ffn_norm(x * self.alpha')],
  ]);
});

test('GPT-J: attention and MLP on one normalised input in one sum are parallel-pre', async () => {
  const block = onlyBlock(await analyzeFixture('gptj_parallel.py'));
  assertBlock(block, {
    name: 'GPTJBlock', placement: 'parallel-pre', norm: 'layernorm', layers: 28, dModel: 4096, heads: 16, finalNorm: true,
    sublayers: [['attention', 'attn', 'parallel-pre'], ['mlp', 'mlp', 'parallel-pre']],
  });
  assert.deepEqual(block.sublayers.map((s) => s.norms), [['ln_1'], ['ln_1']]);
});

test('GPT-NeoX: use_parallel_residual is a flag, parallel-pre when true (the default) and pre when false', async () => {
  const block = onlyBlock(await analyzeFixture('gptneox_flag.py'));
  assertBlock(block, {
    name: 'GPTNeoXLayer', placement: 'conditional', norm: 'layernorm', layers: 44, dModel: 6144, heads: 64, finalNorm: true,
    sublayers: [['attention', 'attention', 'conditional'], ['mlp', 'mlp', 'conditional']],
  });
  assert.deepEqual(block.flag, { name: 'use_parallel_residual', default: true, placements: { True: 'parallel-pre', False: 'pre' } });
});

test('ReZero: no norm, branches scaled by a zero-initialised scalar, is none', async () => {
  const block = onlyBlock(await analyzeFixture('rezero.py'));
  assertBlock(block, {
    name: 'ReZeroLayer', placement: 'none', norm: null, layers: 6, dModel: 256, heads: 4, finalNorm: false,
    sublayers: [['attention', 'self_attn', 'none'], ['mlp', 'linear1', 'none']],
  });
  assert.match(block.sublayers[0].reason, /zero at initialisation/);
  assert.deepEqual(block.normDefinitions, []);
});

test('torch built-ins: post by default, pre with norm_first=True, conditional when passed through', async () => {
  const report = await analyzeFixture('torch_builtin.py');
  const f = 'torch_builtin.py';
  assert.deepEqual(report.blocks.map((b) => [b.name, b.line, b.placement, b.layers, b.dModel, b.heads, b.finalNorm, b.flag]), [
    ['nn.TransformerEncoderLayer', lineContaining(f, 'layer = nn.TransformerEncoderLayer(d_model=d_model'), 'post', 6, 512, 8, false, null],
    ['nn.TransformerEncoderLayer', lineContaining(f, 'batch_first=True, norm_first=True'), 'pre', 8, 256, 4, true, null],
    ['nn.TransformerDecoderLayer', lineContaining(f, 'nn.TransformerDecoderLayer('), 'conditional', 4, 384, 6, false,
      { name: 'norm_first', default: false, placements: { True: 'pre', False: 'post' } }],
  ]);
  assert.deepEqual(report.blocks[2].sublayers.map((s) => [s.kind, s.name]), [['attention', 'self_attn'], ['attention', 'multihead_attn'], ['mlp', 'linear2']]);
});

test('Flax: @nn.compact __call__ with inline nn.LayerNorm()(x) is pre; depth from the loop in the encoder', async () => {
  const block = onlyBlock(await analyzeFixture('flax_vit.py'));
  assertBlock(block, {
    name: 'Encoder1DBlock', placement: 'pre', norm: 'layernorm', layers: 12, dModel: 768, heads: 12, finalNorm: true,
    sublayers: [['attention', 'MultiHeadDotProductAttention', 'pre'], ['mlp', 'MlpBlock', 'pre']],
  });
  assert.equal(block.model?.name, 'Encoder');
});

test('fairseq: normalize_before read from args is conditional with no default; final norm unknown', async () => {
  const block = onlyBlock(await analyzeFixture('fairseq_flag.py'));
  assertBlock(block, {
    name: 'TransformerEncoderLayer', placement: 'conditional', norm: 'layernorm', layers: null, dModel: null, heads: null, finalNorm: null,
    sublayers: [['attention', 'self_attn', 'conditional'], ['mlp', 'fc1', 'conditional']],
  });
  assert.deepEqual(block.flag, { name: 'normalize_before', default: null, placements: { True: 'pre', False: 'post' } });
});

test('Mix-LN: post for blocks whose index is below n_layer * ratio, pre after', async () => {
  const block = onlyBlock(await analyzeFixture('mixln.py'));
  assertBlock(block, {
    name: 'MixBlock', placement: 'mixed', norm: 'layernorm', layers: 24, dModel: 1024, heads: 16, finalNorm: true,
    sublayers: [['attention', 'attn', 'mixed'], ['mlp', 'mlp', 'mixed']],
  });
  assert.deepEqual(block.mixed, { postBlocks: 6, expression: 'layer_idx < int(config.n_layer * config.post_ln_ratio)' });
  assert.equal(block.flag, null);
});

test('T5: residual sublayer classes held in a ModuleList and indexed layer[0], layer[-1] are pre', async () => {
  const block = onlyBlock(await analyzeFixture('t5_layers.py'));
  assertBlock(block, {
    name: 'T5Block', placement: 'pre', norm: 'rmsnorm', layers: 6, dModel: 512, heads: 8, finalNorm: true,
    sublayers: [['attention', 'SelfAttention', 'pre'], ['mlp', 'DenseReluDense', 'pre']],
  });
  assert.deepEqual(block.sublayers.map((s) => s.line), [
    lineContaining('t5_layers.py', 'self_attention_outputs = self.layer[0]('),
    lineContaining('t5_layers.py', 'hidden_states = self.layer[-1](hidden_states)'),
  ]);
  // The block index only switches the relative-attention bias on for block 0: no per-layer placement.
  assert.equal(block.mixed, null);
});

test('lecture-style GPT: module-level hyperparameters, heads stacked inside attention, nn.Sequential(*blocks)', async () => {
  const block = onlyBlock(await analyzeFixture('lecture_gpt.py'));
  assertBlock(block, {
    name: 'Block', placement: 'pre', norm: 'layernorm', layers: 6, dModel: 384, heads: 6, finalNorm: true,
    sublayers: [['attention', 'MultiHeadAttention', 'pre'], ['mlp', 'ffwd', 'pre']],
  });
  assert.equal(block.model?.name, 'GPTLanguageModel');
});
