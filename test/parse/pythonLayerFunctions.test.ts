// Layers written as function calls (TF1's `tf.layers.dense(x, units)`, torch's `F.linear(x, w)`): a
// sublayer applied to its input, so a TF1 encoder function whose loop body adds them to the stream
// is a block (issue 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture } from './pythonFixtures';

test('a TF1 encoder function with tf.layers.dense sublayers and a renamed residual variable reads as Post-LN', async () => {
  const report = await analyzeFixture('tf1_layer_functions.py');
  const block = report.blocks.find((b) => b.name === 'encoder_stack');
  assert.ok(block, `encoder_stack is reported (got ${report.blocks.map((b) => b.name).join(', ') || 'none'})`);
  assert.equal(block.placement, 'post', block.reason);
  assert.equal(block.norm, 'layernorm');
  assert.deepEqual(block.sublayers.map((s) => s.placement), ['post', 'post']);
});

test('dense calls with no residual sum are no block', async () => {
  const report = await analyzeFixture('tf1_layer_functions.py');
  assert.ok(!report.blocks.some((b) => b.name === 'classifier_head'));
});
