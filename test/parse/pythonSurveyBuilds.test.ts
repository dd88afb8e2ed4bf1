// A model's final-norm reading starts from a copy of the survey's construction of the model only where
// that is the same computation. Each case below breaks one condition; the reading must be the one a
// fresh construction gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSource } from './pythonFixtures';

const BLOCK = [
  'class Block(nn.Module):',
  '    def __init__(self, d):',
  '        super().__init__()',
  '        self.attn = nn.MultiheadAttention(d, 4)',
  '        self.mlp = nn.Linear(d, d)',
  '        self.ln1 = nn.LayerNorm(d)',
  '        self.ln2 = nn.LayerNorm(d)',
  '    def forward(self, x):',
  '        x = x + self.attn(self.ln1(x))',
  '        return x + self.mlp(self.ln2(x))',
];

test('a final norm built under a constructor flag with no default is unknown (flags met while constructing count)', async () => {
  const report = await analyzeSource(['import torch.nn as nn', ...BLOCK,
    'class Model(nn.Module):',
    '    def __init__(self, d=64, final_norm=None):',
    '        super().__init__()',
    '        self.blocks = nn.ModuleList([Block(d) for _ in range(4)])',
    '        if final_norm:',
    '            self.ln_f = nn.LayerNorm(d)',
    '        else:',
    '            self.ln_f = None',
    '    def forward(self, x):',
    '        for b in self.blocks:',
    '            x = b(x)',
    '        if self.ln_f is not None:',
    '            x = self.ln_f(x)',
    '        return x',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.finalNorm, b.layers]), [['Block', 'pre', null, 4]]);
});

test('a model whose constructor applies a block reads it as a block (not as the survey applied it)', async () => {
  const report = await analyzeSource(['import torch', 'import torch.nn as nn', ...BLOCK,
    'class Model(nn.Module):',
    '    def __init__(self, d=32):',
    '        super().__init__()',
    '        self.layers = nn.ModuleList([Block(d) for _ in range(6)])',
    '        self.warm = self.layers[0](torch.zeros(1, d))',
    '        self.norm = nn.LayerNorm(d)',
    '    def forward(self, x):',
    '        for layer in self.layers:',
    '            x = layer(x)',
    '        return self.norm(self.warm)',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.finalNorm, b.layers]), [['Block', 'pre', true, 6]]);
});

test('flags met while filling a config for the model are not the model\'s own flags', async () => {
  // The config's constructor branches six times; were those counted as the model's, its own final-norm
  // flag (the seventh) would never be tried and the final norm would read as absent, not unknown.
  const report = await analyzeSource(['import torch.nn as nn', ...BLOCK,
    'class Model(nn.Module):',
    '    def __init__(self, config, final_norm=None):',
    '        super().__init__()',
    '        self.blocks = nn.ModuleList([Block(config.d) for _ in range(config.n)])',
    '        self.final_norm = final_norm',
    '        self.ln_f = nn.LayerNorm(config.d)',
    '    def forward(self, x):',
    '        for b in self.blocks:',
    '            x = b(x)',
    '        if self.final_norm:',
    '            x = self.ln_f(x)',
    '        return x',
    'class ModelConfig:',
    '    def __init__(self, a=None, b=None, c=None, e=None, f=None, g=None):',
    '        self.d = 64',
    '        self.n = 3',
    '        if a:',
    '            self.d = 64',
    '        if b:',
    '            self.d = 64',
    '        if c:',
    '            self.d = 64',
    '        if e:',
    '            self.d = 64',
    '        if f:',
    '            self.d = 64',
    '        if g:',
    '            self.d = 64',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.finalNorm, b.layers, b.dModel]), [['Block', 'pre', null, 3, 64]]);
});

test('a Flax model whose survey call changed it is constructed afresh for its final-norm reading', async () => {
  // The survey runs __call__ (it stacks there), which sets `seen`; a fresh model has it False.
  const report = await analyzeSource([
    'import flax.linen as nn',
    '',
    'class Block(nn.Module):',
    '    d: int = 64',
    '    @nn.compact',
    '    def __call__(self, x):',
    '        x = x + nn.SelfAttention(num_heads=4)(nn.LayerNorm()(x))',
    '        return x + nn.Dense(self.d)(nn.LayerNorm()(x))',
    '',
    'class Model(nn.Module):',
    '    depth: int = 4',
    '    def setup(self):',
    '        self.seen = False',
    '        self.norm = nn.LayerNorm()',
    '    def __call__(self, x):',
    '        for _ in range(self.depth):',
    '            x = Block()(x)',
    '        if self.seen:',
    '            x = self.norm(x)',
    '        self.seen = True',
    '        return x',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.finalNorm, b.layers]), [['Block', 'pre', false, 4]]);
});

test('what block forwards set on their instances is not in the model the final-norm reading starts from', async () => {
  // Block.forward sets ln_out on the survey's blocks; a freshly built model's blocks have none.
  const report = await analyzeSource([
    'import torch.nn as nn',
    '',
    'class Block(nn.Module):',
    '    def __init__(self, d):',
    '        super().__init__()',
    '        self.attn = nn.MultiheadAttention(d, 4)',
    '        self.mlp = nn.Linear(d, d)',
    '        self.ln1 = nn.LayerNorm(d)',
    '        self.ln2 = nn.LayerNorm(d)',
    '    def forward(self, x):',
    '        self.ln_out = self.ln2',
    '        x = x + self.attn(self.ln1(x))',
    '        return x + self.mlp(self.ln2(x))',
    '',
    'class Model(nn.Module):',
    '    def __init__(self, d=64):',
    '        super().__init__()',
    '        self.blocks = nn.ModuleList([Block(d) for _ in range(3)])',
    '    def forward(self, x):',
    '        for b in self.blocks:',
    '            x = b(x)',
    '        return self.blocks[-1].ln_out(x)',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.finalNorm, b.layers]), [['Block', 'pre', false, 3]]);
});

test('a module-level module renamed by each constructor that stores it keeps the name a fresh construction gives', async () => {
  // Constructing M again (for its final norm) renames PROJ to ffn before B is read; A was read before.
  const report = await analyzeSource([
    'import torch.nn as nn',
    'PROJ = nn.Linear(64, 64)',
    '',
    'class A(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.attn = nn.MultiheadAttention(64, 4)',
    '        self.mlp = PROJ',
    '        self.ln1 = nn.LayerNorm(64)',
    '        self.ln2 = nn.LayerNorm(64)',
    '    def forward(self, x):',
    '        x = x + self.attn(self.ln1(x))',
    '        return x + self.mlp(self.ln2(x))',
    '',
    'class M(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.layers = nn.ModuleList([A() for _ in range(2)])',
    '        self.ffn = PROJ',
    '    def forward(self, x):',
    '        for layer in self.layers:',
    '            x = layer(x)',
    '        return x',
    '',
    'class C(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.fc_c = PROJ',
    '',
    'class B(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.attn = nn.MultiheadAttention(64, 4)',
    '        self.ln1 = nn.LayerNorm(64)',
    '        self.ln2 = nn.LayerNorm(64)',
    '    def forward(self, x):',
    '        x = x + self.attn(self.ln1(x))',
    '        return x + PROJ(self.ln2(x))',
    '',
    'class N(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.layers = nn.ModuleList([B() for _ in range(2)])',
    '    def forward(self, x):',
    '        for layer in self.layers:',
    '            x = layer(x)',
    '        return x',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.sublayers.map((s) => s.name)]), [['A', ['attn', 'fc_c']], ['B', ['attn', 'ffn']]]);
});
