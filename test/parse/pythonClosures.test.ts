// Residual branches computed by functions defined inside forward, and lambdas (dinov2's
// attn_residual_func style), and a forward that dispatches on the input's type (issue 9, blind set A).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, blockRows as rows } from './pythonFixtures';

test('a branch written as a def or lambda inside forward is read through; a training / drop-rate condition reads the same both ways', async () => {
  const report = await analyzeFixture('closure_branches.py');
  assert.deepEqual(rows(report).find((r) => r[0] === 'ClosureBlock'), ['ClosureBlock', 'pre', 'attention:attn:pre mlp:ffn:pre', 'layernorm', null]);
  const block = report.blocks.find((b) => b.name === 'ClosureBlock')!;
  // A closure defined and never applied to the stream adds nothing: out_norm is defined, not used.
  assert.deepEqual(block.normUses.map((u) => u.name), ['pre_attn_norm', 'pre_ffn_norm']);
  assert.equal(block.flag, null);
  assert.deepEqual([block.layers, block.finalNorm], [12, true]);
});

test('a closure that adds and normalises (norm, branch passed in) reads as post-norm, not pre', async () => {
  const report = await analyzeFixture('closure_branches.py');
  assert.deepEqual(rows(report).find((r) => r[0] === 'PostClosureBlock'), ['PostClosureBlock', 'post', 'attention:attn:post mlp:ffn:post', 'layernorm', null]);
});

test('a forward that dispatches on isinstance(x, Tensor) to the base forward reads as the base block; the list arm is not taken', async () => {
  const report = await analyzeFixture('closure_branches.py');
  assert.deepEqual(rows(report).find((r) => r[0] === 'ListOrTensorBlock'), ['ListOrTensorBlock', 'pre', 'attention:attn:pre mlp:ffn:pre', 'layernorm', null]);
  assert.equal(report.blocks.find((b) => b.name === 'ListOrTensorBlock')!.flag, null);
});

test('closures handed to a module-level helper that adds them to the stream are read through', async () => {
  const report = await analyzeFixture('closure_branches.py');
  assert.deepEqual(rows(report).find((r) => r[0] === 'HelperClosureBlock'), ['HelperClosureBlock', 'pre', 'attention:attn:pre mlp:ffn:pre', 'layernorm', null]);
});

test("Megatron's make_viewless_tensor(inp=...) around the block output changes memory layout only", async () => {
  const report = await analyzeFixture('closure_branches.py');
  assert.deepEqual(rows(report).find((r) => r[0] === 'ViewlessOutputBlock'), ['ViewlessOutputBlock', 'pre', 'attention:self_attention:pre mlp:mlp:pre', 'layernorm', null]);
});
