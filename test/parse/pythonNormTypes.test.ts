// Norm TYPES of norms recognised by name (issue 9, held-out set B): a builder named like LayerNorm that
// builds an RMSNorm is resolved from its definition or a field annotation; a name that is not a class's
// (an attribute, an argument, a builder elsewhere) never states the type as fact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, blockRows as rows } from './pythonFixtures';

test('a config builder named make_LayerNorm that returns an RMSNorm reads as rmsnorm, by its definition or the field annotation', async () => {
  const report = await analyzeFixture('builder_norm_types.py');
  assert.deepEqual(rows(report), [
    ['ConfigBuiltBlock', 'pre', 'attention:attn:pre mlp:mlp:pre', 'rmsnorm', 'low'],
    ['FieldTypedLayer', 'post-sublayer', 'attention:attn:post-sublayer mlp:mlp:post-sublayer', 'rmsnorm', 'low'],
  ]);
});

test('a builder or attribute the file cannot resolve keeps its placement but leaves the norm type undecided, with the reason', async () => {
  const report = await analyzeFixture('builder_norm_unresolved.py');
  assert.deepEqual(rows(report), [
    ['UnresolvedBuilderBlock', 'pre', 'attention:attn:pre mlp:ffn:pre', null, 'low'],
    ['BaseSetLayer', 'pre', 'attention:self_attn:pre mlp:mlp:pre', null, 'low'],
  ]);
  assert.match(report.blocks[0].reason, /norm type not decided: make_layer_norm is not a class name/);
  assert.match(report.blocks[1].reason, /norm type not decided: input_layernorm is not a class name/);
});
