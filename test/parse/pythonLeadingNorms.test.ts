// Sublayer modules whose forward normalises their input before all else (`x = self.norm(x)` first in
// an attention): the block `x = attn(x) + x` is Pre-LN, the norm read inside the sublayer (issue 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture } from './pythonFixtures';

test('a sublayer that normalises its own input first reads as Pre-LN, attention and MLP alike', async () => {
  const report = await analyzeFixture('sublayer_leading_norm.py');
  const layer = report.blocks.find((b) => b.name === 'Layer');
  assert.ok(layer, 'Layer is reported');
  assert.equal(layer.placement, 'pre', layer.reason);
  assert.equal(layer.norm, 'layernorm');
  assert.deepEqual(layer.sublayers.map((s) => s.placement), ['pre', 'pre']);
});

test('a norm the raw input bypasses, or a norm of projected queries, is not read as the branch norm', async () => {
  const report = await analyzeFixture('sublayer_leading_norm.py');
  for (const name of ['GatedLayer', 'QKNormLayer']) {
    const block = report.blocks.find((b) => b.name === name);
    assert.ok(block, `${name} is reported`);
    assert.notEqual(block.placement, 'pre', `${name}: ${block.reason}`);
    assert.equal(block.sublayers.find((s) => s.kind === 'attention')?.placement ?? 'none', 'none', `${name}'s attention has no branch norm`);
  }
});
