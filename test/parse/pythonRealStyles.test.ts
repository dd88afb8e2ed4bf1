// Fixtures written in the styles of public model code (issue 9): norms injected, built or looked up,
// residual branches through drop-path and layer scale, families of blocks in one file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture } from './pythonFixtures';

type Row = [name: string, placement: string, sublayers: string, norm: string | null, confidence: string | null];

function rows(report: Awaited<ReturnType<typeof analyzeFixture>>): Row[] {
  return report.blocks.map((b) => [b.name, b.placement, b.sublayers.map((s) => `${s.kind}:${s.name}:${s.placement}`).join(' '), b.norm, b.confidence ?? null]);
}

test('norm_layer arguments, partial(nn.LayerNorm), drop-path, layer scale: every block of the family, each its own placement', async () => {
  const report = await analyzeFixture('injected_norm_layer.py');
  assert.deepEqual(rows(report), [
    ['Block', 'pre', 'attention:attn:pre mlp:mlp:pre', 'layernorm', null],
    ['ResPostBlock', 'post-sublayer', 'attention:attn:post-sublayer mlp:mlp:post-sublayer', 'layernorm', null],
    ['ParallelBlock', 'pre', 'attention:Attention:pre mlp:Mlp:pre', 'layernorm', null],
  ]);
  const [block] = report.blocks;
  // The stacked Block reads its depth and width off the model, and `self.norm = norm_layer(embed_dim)` is the final norm.
  assert.deepEqual([block.layers, block.dModel, block.finalNorm, block.model?.name], [12, 768, true, 'VisionTransformer']);
  // The parallel attentions built in a loop are parts of ParallelBlock, not a stack of two blocks.
  assert.equal(report.blocks[2].layers, null);
});

test('norms from a class method, a helper, a config object, a chosen class, a registry or the caller', async () => {
  const report = await analyzeFixture('built_norms.py');
  assert.deepEqual(rows(report), [
    ['ConfigBuiltBlock', 'pre', 'attention:attn:pre mlp:ff:pre', 'layernorm', null],
    ['HelperBuiltBlock', 'post', 'attention:self_attn:post mlp:mlp:post', 'other', 'low'],
    ['ConfigObjectBlock', 'pre', 'attention:attention:pre mlp:feed_forward:pre', 'other', 'low'],
    ['ChosenClassBlock', 'post-sublayer', 'attention:attn:post-sublayer mlp:mlp:post-sublayer', 'layernorm', null],
    ['RegistryBlock', 'pre', 'attention:attn:pre mlp:ffn:pre', 'other', 'low'],
    ['PassedInBlock', 'pre', 'attention:attn:pre mlp:mlp:pre', 'other', 'low'],
    ['HiddenStepBlock', 'unknown', '', null, null],
  ]);
  const byName = new Map(report.blocks.map((b) => [b.name, b]));
  // Lower confidence says what it rests on, once per reason.
  assert.match(byName.get('HelperBuiltBlock')!.reason, /lower confidence: get_norm is not in this file; its name says it builds a norm$/);
  assert.match(byName.get('PassedInBlock')!.reason, /sa_norm defaults to None \(an identity\) but is the norm the caller passes in/);
  // An unresolved call on an un-normalised branch is never read as "no norm".
  assert.match(byName.get('HiddenStepBlock')!.reason, /goes through `prepare\(…\)`, which the analyzer could not resolve \(it may be a norm\)/);
});
