// More fixtures in the styles of public model code (issue 9): sublayers and blocks that return dicts
// (pipeline-parallel code), blocks whose constructor guards its injected parts with raises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, analyzeSource, blockRows as rows } from './pythonFixtures';

test('dict-returning sublayers and blocks: the tensor is picked by its key; a side entry is never read as the output', async () => {
  const report = await analyzeFixture('dict_outputs.py');
  assert.deepEqual(rows(report), [
    ['DecoderLayer', 'pre', 'attention:attention:pre mlp:mlp:pre', 'rmsnorm', null],
    ['NormAfterLayer', 'post-sublayer', 'attention:attention:post-sublayer mlp:mlp:post-sublayer', 'rmsnorm', null],
    ['ScoresLayer', 'unknown', '', null, null],
    // A helper that adds and normalises inside, returning a dict: read through its stream entry.
    ['PostNormDictLayer', 'post', 'attention:attention:post mlp:nn.Linear:post', 'layernorm', null],
  ]);
  const [layer, , scores] = report.blocks;
  // Stacked through the wrapper's module_builder / module_kwargs; the wrapped norm after the loop is the final norm.
  assert.deepEqual([layer.layers, layer.finalNorm, layer.model?.name], [24, true, 'Decoder']);
  assert.match(scores.reason, /goes through `out\["sequence_mask"\]`, which the analyzer does not follow/);
});

test('a constructor guard that raises on a guessed reading is not taken; the skip path of cross-attention is no block', async () => {
  const report = await analyzeFixture('guarded_cross_attention.py');
  assert.deepEqual(rows(report), [
    // The caller's norms: their type is not decided by this file.
    ['SelfAttentionLayer', 'pre', 'attention:attn:pre mlp:mlp:pre', null, 'low'],
    ['CrossAttentionLayer', 'pre', 'attention:attn:pre mlp:mlp:pre', null, 'low'],
    ['OutputNormedCrossLayer', 'post-sublayer', 'attention:attn:post-sublayer mlp:mlp:post-sublayer', null, 'low'],
  ]);
  // The norms are what the caller passes in: said, not hidden.
  assert.match(report.blocks[1].reason, /ca_norm defaults to None \(an identity\) but is the norm the caller passes in/);
});

test('norms built under config flags, two flags joined in one condition: conditional with each flag and its readings', async () => {
  const report = await analyzeFixture('config_built_variants.py');
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.norm, b.finalNorm]), [['WideDecoderLayer', 'conditional', 'layernorm', true]]);
  const [layer] = report.blocks;
  // Forcing two_norm_layout builds norm_attn / norm_mlp as the constructor does under it: parallel-pre, not `none`.
  assert.deepEqual(layer.flag, { name: 'two_norm_layout', default: null, placements: { True: 'parallel-pre', False: 'pre' } });
  assert.deepEqual(layer.flags?.map((f) => [f.name, f.default, f.placements.True, f.placements.False]), [
    ['two_norm_layout', null, 'parallel-pre', 'pre'],
    ['parallel_branches', null, 'parallel-pre', 'pre'],
  ]);
});

test('a sublayer-named attribute no constructor sets, whose name says norm, is never read as a sublayer with no norm', async () => {
  const report = await analyzeSource([
    'import torch.nn as nn',
    'class Layer(nn.Module):',
    '    def __init__(self, d):',
    '        super().__init__()',
    '        self.attn = nn.MultiheadAttention(d, 8)',
    '        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))',
    '    def forward(self, x):',
    '        x = x + self.attn(self.norm_attn(x))',
    '        return x + self.mlp(self.norm_mlp(x))',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => b.placement), ['unknown']);
  assert.match(report.blocks[0].reason, /goes through `norm_attn\(…\)`, which the analyzer could not resolve \(it may be a norm\)/);
});

test('hyper-connections from a library helper: the norm type is read from the branch modules, when they agree', async () => {
  const report = await analyzeFixture('cure_hyper_library_branches.py');
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.norm]), [
    ['StreamEncoder', 'hyper-connections', 'rmsnorm'],
    // A LayerNorm branch beside an RMSNorm branch: no single type, so none is claimed.
    ['MixedNormEncoder', 'hyper-connections', null],
  ]);
});

test('a hybrid block: the path a @property getter picks, and an expert branch on the block input beside a sequential dense path', async () => {
  const report = await analyzeFixture('hybrid_moe_property.py');
  assert.deepEqual(rows(report), [
    ['HybridBlock', 'pre', 'attention:attention:pre mlp:mlp:pre mlp:moe:pre', 'rmsnorm', null],
    ['HybridOutputNormBlock', 'post-sublayer', 'attention:attention:post-sublayer mlp:mlp:post-sublayer mlp:moe:post-sublayer', 'rmsnorm', null],
  ]);
  // The expert branch reads x, not h = x + attn(N(x)): said, and not read as parallel to the MLP.
  assert.match(report.blocks[0].sublayers[2].reason, /reads the stream from before an earlier step/);
  assert.deepEqual([report.blocks[0].layers, report.blocks[0].finalNorm], [12, true]);
});

test('a model loop that branches on `self.gradient_checkpointing and self.training` still applies the blocks before its final norm', async () => {
  const report = await analyzeSource([
    'import torch.nn as nn',
    'class Layer(nn.Module):',
    '    def __init__(self, d):',
    '        super().__init__()',
    '        self.ln_1 = nn.LayerNorm(d)',
    '        self.attn = nn.MultiheadAttention(d, 8)',
    '        self.ln_2 = nn.LayerNorm(d)',
    '        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))',
    '    def forward(self, x):',
    '        h = self.ln_1(x)',
    '        x = x + self.attn(h, h, h)[0]',
    '        return x + self.mlp(self.ln_2(x))',
    'class Model(nn.Module):',
    '    def __init__(self, d=256, n=4):',
    '        super().__init__()',
    '        self.embed = nn.Embedding(1000, d)',
    '        self.layers = nn.ModuleList([Layer(d) for _ in range(n)])',
    '        self.norm = nn.LayerNorm(d)',
    '        self.gradient_checkpointing = False',
    '    def forward(self, ids=None, embeds=None):',
    '        if (ids is None) ^ (embeds is not None):',
    '            raise ValueError("give exactly one of ids and embeds")',
    '        x = self.embed(ids) if embeds is None else embeds',
    '        for layer in self.layers:',
    '            if self.gradient_checkpointing and self.training:',
    '                x = self._checkpointed(layer.__call__, x)',
    '            else:',
    '                x = layer(x)',
    '        return self.norm(x)',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.layers, b.finalNorm]), [['Layer', 'pre', 4, true]]);
});
