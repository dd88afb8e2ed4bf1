// Residual adds fused into Megatron's bias-dropout-add helper (defined here, or imported and read by its
// naming convention), tensor-parallel reductions on the residual branch, and block outputs computed two
// ways under a runtime condition: classified where the file shows the residual, unknown where it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture } from './pythonFixtures';

test('a bias-dropout-add defined in the file, called positionally, carries the residual: Pre-LN', async () => {
  const report = await analyzeFixture('fused_residual_defined.py');
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.norm, b.layers, b.finalNorm]), [['TransformerLayer', 'pre', 'layernorm', 8, true]], report.blocks[0]?.reason);
  assert.deepEqual(report.blocks[0].sublayers.map((s) => [s.kind, s.name, s.placement]), [['attention', 'attention', 'pre'], ['mlp', 'mlp', 'pre']]);
});

test('an imported bias_dropout_fn with residual= and a tensor-parallel reduce: conditional on the parallel-residual flag', async () => {
  const report = await analyzeFixture('fused_residual_imported.py');
  assert.equal(report.blocks.length, 1);
  const [layer] = report.blocks;
  assert.equal(layer.name, 'Layer');
  assert.equal(layer.placement, 'conditional', layer.reason);
  assert.equal(layer.flag?.name, 'parallel_residual');
  assert.equal(layer.flag?.default, false);
  assert.deepEqual(layer.flag?.placements, { True: 'parallel-pre', False: 'pre' });
  assert.equal(layer.finalNorm, true);
});

test('look-alike helpers that gate, get no residual, or have another name leave their layers unknown', async () => {
  const report = await analyzeFixture('fused_residual_negative.py');
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement]), [['GateLayer', 'unknown'], ['NoResidualLayer', 'unknown'], ['OtherNameLayer', 'unknown']]);
  assert.match(report.blocks[0].reason, /bias_dropout_add/);
  assert.match(report.blocks[2].reason, /fused_residual_op/);
});

test('a runtime condition whose two ways read the same does not make the block unknown; one whose ways differ does', async () => {
  const report = await analyzeFixture('runtime_condition.py');
  const rows = report.blocks.map((b) => [b.name, b.placement, b.sublayers.map((s) => `${s.kind}:${s.placement}`).join(' ')]);
  assert.deepEqual(rows, [['FastPathBlock', 'pre', 'attention:pre mlp:pre'], ['SwitchingBlock', 'unknown', '']]);
  assert.match(report.blocks[1].reason, /depends on the condition `x\.size\(1\) > 1`/);
});
