// Fixtures in the style of minGPT (issue 9): sublayers, norms and add-and-norm steps written as lambdas
// held by the block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, analyzeSource, blockRows as rows } from './pythonFixtures';

test('a lambda attribute is read: a sublayer over ModuleDict members, an add-and-norm, a functional norm', async () => {
  const report = await analyzeFixture('lambda_sublayers.py');
  assert.deepEqual(rows(report), [
    ['TinyBlock', 'pre', 'attention:attention:pre mlp:ff_forward:pre', 'layernorm', null],
    ['LambdaPostBlock', 'post', 'attention:attn:post mlp:mlp:post', 'layernorm', null],
    ['LambdaNormBlock', 'pre', 'attention:attn:pre mlp:mlp:pre', 'layernorm', null],
    // A lambda used only for weight init is no sublayer: the block is what its forward says.
    ['InitOnlyBlock', 'post', 'attention:attn:post mlp:mlp:post', 'layernorm', null],
  ]);
  const [tiny, post, functional] = report.blocks;
  assert.deepEqual([tiny.model?.name, tiny.finalNorm], ['TinyGPT', true]);
  // The norms are the modules the lambda was given, and F.layer_norm inside the lambda.
  assert.deepEqual(post.sublayers.map((s) => s.norms), [['ln1'], ['ln2']]);
  assert.deepEqual(functional.normDefinitions.map((n) => n.className), ['F.layer_norm']);
});

test('a lambda that calls itself, or one the file never calls with a tensor, never hangs the analyzer', async () => {
  const report = await analyzeSource(`
import torch.nn as nn

class Loop(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, 4)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Linear(dim, dim)
        self.again = lambda t: self.again(t)
        self.scale = lambda: 2.0

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h)[0] * self.scale()
        return x + self.again(self.mlp(self.ln2(x)))
`);
  const [block] = report.blocks;
  assert.equal(block.name, 'Loop');
  assert.equal(block.sublayers[0].placement, 'pre');
});

test('a lambda whose defaults bind modules (`lambda t, fc=self.fc: ...`) reads them where it was written', async () => {
  const report = await analyzeSource(`
import torch.nn as nn
import torch.nn.functional as F

class BoundDefaults(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, 4)
        self.ln2 = nn.LayerNorm(dim)
        self.fc_in = nn.Linear(dim, 4 * dim)
        self.fc_out = nn.Linear(4 * dim, dim)
        self.out_norm = nn.LayerNorm(dim)
        self.ffn = lambda t, up=self.fc_in, down=self.fc_out, norm=self.out_norm: norm(down(F.gelu(up(t))))

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h)[0]
        return x + self.ffn(self.ln2(x))
`);
  // The norm bound as a default normalises the MLP's output too: sandwich, not pre.
  assert.deepEqual(rows(report), [['BoundDefaults', 'unknown', 'attention:attn:pre mlp:fc_in:sandwich', 'layernorm', null]]);
});
