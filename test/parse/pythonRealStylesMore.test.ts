// More fixtures in the styles of public model code (issue 9): sublayers and blocks that return dicts
// (pipeline-parallel code), blocks whose constructor guards its injected parts with raises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, blockRows as rows } from './pythonFixtures';

test('dict-returning sublayers and blocks: the tensor is picked by its key; a side entry is never read as the output', async () => {
  const report = await analyzeFixture('dict_outputs.py');
  assert.deepEqual(rows(report), [
    ['DecoderLayer', 'pre', 'attention:attention:pre mlp:mlp:pre', 'rmsnorm', null],
    ['NormAfterLayer', 'post-sublayer', 'attention:attention:post-sublayer mlp:mlp:post-sublayer', 'rmsnorm', null],
    ['ScoresLayer', 'unknown', '', null, null],
  ]);
  const [layer, , scores] = report.blocks;
  // Stacked through the wrapper's module_builder / module_kwargs; the wrapped norm after the loop is the final norm.
  assert.deepEqual([layer.layers, layer.finalNorm, layer.model?.name], [24, true, 'Decoder']);
  assert.match(scores.reason, /goes through `out\["sequence_mask"\]`, which the analyzer does not follow/);
});

test('a constructor guard that raises on a guessed reading is not taken; the skip path of cross-attention is no block', async () => {
  const report = await analyzeFixture('guarded_cross_attention.py');
  assert.deepEqual(rows(report), [
    ['SelfAttentionLayer', 'pre', 'attention:attn:pre mlp:mlp:pre', 'other', 'low'],
    ['CrossAttentionLayer', 'pre', 'attention:attn:pre mlp:mlp:pre', 'other', 'low'],
    ['OutputNormedCrossLayer', 'post-sublayer', 'attention:attn:post-sublayer mlp:mlp:post-sublayer', 'other', 'low'],
  ]);
  // The norms are what the caller passes in: said, not hidden.
  assert.match(report.blocks[1].reason, /ca_norm defaults to None \(an identity\) but is the norm the caller passes in/);
});
