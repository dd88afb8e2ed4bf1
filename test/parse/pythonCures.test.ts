// The cures for Pre-LN dilution (issue 11), each recognised from fixtures written in the style of its
// public code, with its parameters; and never reported for a block that is one of the known placements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { DILUTION_CURES } from '../../src/core/ir/model';
import type { BlockIR, FileReport } from '../../src/core/ir/model';
import { analyzeFixture, analyzeSource, lineContaining } from './pythonFixtures';

/** A block class's source with a model that stacks four of it, so the analyzer reads it as a block. */
function stacked(blockSource: string): Promise<FileReport> {
  return analyzeSource(`${blockSource}
class Model(nn.Module):
    def __init__(self, d=64, n=4):
        super().__init__()
        self.blocks = nn.ModuleList([Block(d) for _ in range(n)])
    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x
`);
}

async function block(fixture: string, name: string): Promise<BlockIR> {
  const report = await analyzeFixture(fixture);
  const found = report.blocks.find((b) => b.name === name);
  assert.ok(found, `${fixture}: no block ${name} in ${report.blocks.map((b) => `${b.name}:${b.placement}`).join(', ')}`);
  return found;
}

test('LayerNorm Scaling: a norm output times 1/sqrt(layer_idx + 1) set in __init__', async () => {
  const b = await block('cure_layernorm_scaling.py', 'ScaledDecoderLayer');
  assert.equal(b.placement, 'layernorm-scaling');
  assert.deepEqual(b.variant?.scale, { expression: '1.0 / math.sqrt(layer_idx + 1)', layerDependent: true });
  assert.equal(b.variant?.span?.line, lineContaining('cure_layernorm_scaling.py', 'self.input_norm(x) * self.depth_scale'));
  assert.equal(b.norm, 'rmsnorm');
  // Sublayers come from the placement pass (which may leave a scaled norm input unread); those it reports carry the cure.
  assert.ok(b.sublayers.every((s) => s.placement === 'layernorm-scaling'), b.sublayers.map((s) => s.placement).join());
});

test('LayerNorm Scaling needs the layer index: a norm output times a constant is not it', async () => {
  const report = await stacked(`
import math
import torch.nn as nn
class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, 4)
        self.scale = 1.0 / math.sqrt(d)
    def forward(self, x):
        return x + self.attn(self.ln_1(x) * self.scale)
`);
  assert.ok(report.blocks.every((b) => b.placement !== 'layernorm-scaling'), report.blocks.map((b) => b.placement).join());
});

test('nGPT: unit(h + alpha * (unit(F(h)) - h)) with unit() dividing by the L2 norm', async () => {
  const b = await block('cure_ngpt.py', 'NormalizedBlock');
  assert.equal(b.placement, 'ngpt');
  assert.equal(b.variant?.alpha, 'self.alpha_attn');
  assert.equal(b.norm, 'other');
});

test('nGPT written with torch.lerp between normalised tensors', async () => {
  const report = await stacked(`
import torch
import torch.nn as nn
import torch.nn.functional as F
class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, 4)
        self.alpha = nn.Parameter(torch.ones(d) * 0.05)
    def forward(self, x):
        y = F.normalize(self.attn(x, x, x)[0], dim=-1)
        return F.normalize(torch.lerp(x, y, self.alpha), dim=-1)
`);
  const b = report.blocks.find((x) => x.name === 'Block');
  assert.equal(b?.placement, 'ngpt');
  assert.equal(b?.variant?.alpha, 'self.alpha');
});

test('Admin: Post-LN with the residual scaled by a learned omega; DeepNorm keeps its (2L)^(1/4)', async () => {
  const admin = await block('cure_admin.py', 'AdminEncoderLayer');
  assert.equal(admin.placement, 'admin');
  assert.equal(admin.variant?.omega, 'learned');
  assert.equal(admin.deepnormAlpha, null);
  const deep = await block('deepnorm.py', 'DeepNormLayer');
  assert.equal(deep.placement, 'deepnorm');
  assert.equal(deep.deepnormAlpha, '(2 * num_layers) ** 0.25');
  assert.equal(deep.variant ?? null, null);
});

test('ResiDual: a Post-LN stream and a dual stream of the same sublayer outputs', async () => {
  const b = await block('cure_resi_dual.py', 'ResiDualLayer');
  assert.equal(b.placement, 'residual');
  assert.match(b.reason, /Post-LN stream \(x\) and a dual stream \(dual\)/);
});

test('hyper-connections: n streams from the wrapper default (a module constant), dynamic', async () => {
  const b = await block('cure_hyper_connections.py', 'HyperBlock');
  assert.equal(b.placement, 'hyper-connections');
  assert.equal(b.variant?.streams, 4);
  assert.equal(b.variant?.dynamic, true);
  assert.equal(b.model?.name, 'HyperTransformer');
});

test('DenseFormer: tensordot of per-block weights with the stacked history, in the model loop', async () => {
  const b = await block('cure_denseformer.py', 'Block');
  assert.equal(b.placement, 'denseformer');
  assert.equal(b.variant?.alpha, 'self.dwa_weights');
  assert.equal(b.norm, 'layernorm');
});

test('Attention Residuals: a softmax over the stacked earlier outputs with a learned pseudo-query', async () => {
  const b = await block('cure_attention_residuals.py', 'AttnResLayer');
  assert.equal(b.placement, 'attention-residuals');
  assert.equal(b.variant?.groups, null);
});

test('every other fixture keeps its placement: no cure is reported outside the cure fixtures', async () => {
  const cures = new Set<string>(DILUTION_CURES);
  const names = readdirSync('test/fixtures/python').filter((n) => n.endsWith('.py') && !n.startsWith('cure_'));
  assert.ok(names.length >= 20);
  for (const name of names) {
    const report = await analyzeFixture(name);
    for (const b of report.blocks) assert.ok(!cures.has(b.placement), `${name}: ${b.name} reported as ${b.placement}`);
  }
});

test('Block Attention Residuals: softmax over block summaries in the model loop, N from the signature', async () => {
  const b = await block('cure_block_attention_residuals.py', 'Layer');
  assert.equal(b.placement, 'attention-residuals');
  assert.equal(b.variant?.groups, 6);
});

test('a cure under a flag is conditional: the cure when the flag holds, the old placement otherwise', async () => {
  const report = await stacked(`
import math
import torch.nn as nn
class Block(nn.Module):
    def __init__(self, d, layer_id=0, use_scaling=False):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, 4)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Linear(d, d)
        self.use_scaling = use_scaling
        self.scale = 1.0 / math.sqrt(layer_id + 1)
    def forward(self, x):
        if self.use_scaling:
            h = self.ln_1(x) * self.scale
        else:
            h = self.ln_1(x)
        x = x + self.attn(h, h, h)[0]
        return x + self.mlp(self.ln_2(x))
`);
  const b = report.blocks.find((x) => x.name === 'Block');
  assert.equal(b?.placement, 'conditional');
  assert.deepEqual(b?.flag, { name: 'use_scaling', default: false, placements: { True: 'layernorm-scaling', False: 'pre' } });
  assert.equal(b?.variant?.scale?.expression, '1.0 / math.sqrt(layer_id + 1)');
});

test('a norm class built in the DenseFormer loop is not reported as a block (a false positive seen on public code)', async () => {
  const source = readFileSync('test/fixtures/python/cure_denseformer.py', 'utf8')
    .replace('class CausalSelfAttention', 'class LayerNorm(nn.Module):\n    def __init__(self, dim):\n        super().__init__()\n        self.weight = nn.Parameter(torch.ones(dim))\n\n    def forward(self, x):\n        return F.layer_norm(x, x.shape[-1:], self.weight)\n\n\nclass CausalSelfAttention')
    .replaceAll('nn.LayerNorm(dim)', 'LayerNorm(dim)');
  const report = await analyzeSource(source);
  assert.deepEqual(report.blocks.map((b) => `${b.name}:${b.placement}`), ['Block:denseformer']);
});
