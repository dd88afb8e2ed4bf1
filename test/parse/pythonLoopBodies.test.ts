// Blocks written as the body of a layer loop, with no block class (Haiku, Flax `nn.compact`, functional
// JAX): reported under the enclosing class or function, depth from the loop bound, and the norm of the
// loop's result read as the final norm, not as a Post-LN norm on the last block's sum (issue 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, analyzeSource, assertBlock, onlyBlock } from './pythonFixtures';

test('a Haiku stack whose loop body is the block: Pre-LN, dropout with the tensor last, final norm through the same helper', async () => {
  const block = onlyBlock(await analyzeFixture('loop_body_haiku.py'));
  assertBlock(block, {
    name: 'Decoder', placement: 'pre', norm: 'layernorm', layers: 6, dModel: 256, finalNorm: true,
    sublayers: [['attention', 'MultiHeadAttention', 'pre'], ['mlp', 'Linear', 'pre']],
  });
});

test('a Flax nn.compact stack: `x += y` counts as a residual add, the LayerNorm after the loop is the final norm', async () => {
  const block = onlyBlock(await analyzeFixture('loop_body_flax.py'));
  assertBlock(block, {
    name: 'Encoder', placement: 'pre', norm: 'layernorm', layers: 12, dModel: null, finalNorm: true,
    sublayers: [['attention', 'MultiHeadDotProductAttention', 'pre'], ['mlp', 'Dense', 'pre']],
  });
});

test('a functional JAX stack: the function is the block, depth from its default parameter, RMSNorm of the result is the final norm', async () => {
  const block = onlyBlock(await analyzeFixture('loop_body_functional.py'));
  assertBlock(block, {
    name: 'transformer', placement: 'pre', norm: 'rmsnorm', layers: 8, dModel: null, finalNorm: true,
    sublayers: [['attention', 'attention', 'pre'], ['mlp', 'mlp', 'pre']],
  });
});

test('a loop body that normalises each residual sum stays Post-LN, with no final norm', async () => {
  const block = onlyBlock(await analyzeFixture('loop_body_post.py'));
  assertBlock(block, {
    name: 'PostEncoder', placement: 'post', norm: 'layernorm', layers: 4, dModel: 128, finalNorm: false,
    sublayers: [['attention', 'SelfAttention', 'post'], ['mlp', 'Dense', 'post']],
  });
});

test('a residual loop of convolutions is no block, and a forward whose loop calls a block function is the stack, not a second block', async () => {
  const report = await analyzeFixture('loop_body_negatives.py');
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement]), [['block', 'pre']]);
});

test('a norm inside the loop body on the carried stream, with the same helper used after the loop, is read by value, not by name', async () => {
  // The helper `_ln` normalises both the sums inside the loop (Post-LN) and, after it, an unrelated tensor.
  const report = await analyzeSource([
    'import haiku as hk',
    'def _ln(x):',
    '    return hk.LayerNorm(axis=-1, create_scale=True, create_offset=True)(x)',
    'class Stack(hk.Module):',
    '    def __call__(self, h, memory):',
    '        for _ in range(3):',
    '            h = _ln(h + hk.MultiHeadAttention(num_heads=2, key_size=8, model_size=16)(h, h, h))',
    '            h = _ln(h + hk.Linear(16)(h))',
    '        summary = _ln(memory)',
    '        return h',
  ].join('\n'));
  assertBlock(onlyBlock(report), {
    name: 'Stack', placement: 'post', norm: 'layernorm', layers: 3, dModel: null, finalNorm: false,
    sublayers: [['attention', 'MultiHeadAttention', 'post'], ['mlp', 'Linear', 'post']],
  });
});

test('a functional stack that takes its parameter tree first: the stream is the argument its layer loop adds to', async () => {
  const block = onlyBlock(await analyzeFixture('loop_body_params_first.py'));
  assertBlock(block, {
    name: 'stack', placement: 'pre', norm: 'layernorm', layers: 6, dModel: null, finalNorm: true,
    sublayers: [['attention', 'causal_attention', 'pre'], ['mlp', 'mlp_block', 'pre']],
  });
  assert.match(block.sublayers[0].reason, /the residual stream is the argument `x`/);
});

test('a Sequential built into a local of the loop body is named by its variable, so an MLP written `dense_block = hk.Sequential(...)` is an MLP', async () => {
  const report = await analyzeSource([
    'import haiku as hk',
    'import jax',
    'class Stack(hk.Module):',
    '    def __call__(self, h):',
    '        for _ in range(2):',
    '            attn_block = hk.MultiHeadAttention(num_heads=2, key_size=8, model_size=16)',
    '            n = hk.LayerNorm(axis=-1, create_scale=True, create_offset=True)(h)',
    '            h = h + attn_block(n, n, n)',
    '            dense_block = hk.Sequential([hk.Linear(64), jax.nn.gelu, hk.Linear(16)])',
    '            h = h + dense_block(hk.LayerNorm(axis=-1, create_scale=True, create_offset=True)(h))',
    '        return h',
  ].join('\n'));
  assertBlock(onlyBlock(report), {
    name: 'Stack', placement: 'pre', norm: 'layernorm', layers: 2, dModel: null, finalNorm: false,
    sublayers: [['attention', 'MultiHeadAttention', 'pre'], ['mlp', 'dense_block', 'pre']],
  });
});
