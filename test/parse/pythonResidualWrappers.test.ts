// Blocks that return only F(N(x)) and get their residual from a wrapper module the file puts around them
// (lucidrains style): read as the composition when the wrapper adds the input, unknown with the reason
// when it does not, and unknown when wrapped nowhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, analyzeSource, lineContaining } from './pythonFixtures';

test('Residual(PreNorm(dim, Mixer)) in a ModuleList reads as parallel-pre; the wrappers are not blocks', async () => {
  const report = await analyzeFixture('residual_wrappers.py');
  const mixer = report.blocks.find((b) => b.name === 'ParallelMixer');
  assert.ok(mixer, report.blocks.map((b) => b.name).join(', '));
  assert.equal(mixer.placement, 'parallel-pre', mixer.reason);
  assert.deepEqual(mixer.sublayers.map((s) => [s.kind, s.name, s.placement]), [['attention', 'attn', 'parallel-pre'], ['mlp', 'ff', 'parallel-pre']]);
  assert.equal(mixer.norm, 'layernorm');
  assert.equal(mixer.layers, 4);
  assert.equal(mixer.finalNorm, true);
  assert.match(mixer.reason, new RegExp(`added by Residual\\(PreNorm\\(…\\)\\) around ParallelMixer at line ${lineContaining('residual_wrappers.py', 'Residual(PreNorm(dim, ParallelMixer(dim)))')}`));
  assert.ok(!report.blocks.some((b) => ['Residual', 'PreNorm', 'PostNorm'].includes(b.name)));
});

test('PostNorm(dim, Residual(block)) through a local name in a builder loop reads as post, depth from the default', async () => {
  const report = await analyzeFixture('residual_wrappers.py');
  const block = report.blocks.find((b) => b.name === 'ConvFreeBlock');
  assert.ok(block);
  assert.equal(block.placement, 'post', block.reason);
  assert.equal(block.norm, 'layernorm');
  assert.equal(block.layers, 6);
  assert.match(block.reason, /added by PostNorm\(Residual\(…\)\) around ConvFreeBlock/);
});

test('wrappers that gate or project instead of adding the input leave their blocks unknown, naming the wrapper', async () => {
  const report = await analyzeFixture('wrapper_without_residual.py');
  const rows = report.blocks.map((b) => [b.name, b.placement]);
  assert.deepEqual(rows, [['GatedBlock', 'unknown'], ['ShortcutBlock', 'unknown'], ['LonelyBlock', 'unknown']]);
  const [gated, shortcut, lonely] = report.blocks;
  assert.match(gated.reason, /no term of the sum at line \d+ carries the block input unchanged; it is wrapped by Gated\(…\)/);
  assert.match(shortcut.reason, /it is wrapped by ProjectedShortcut\(…\)/);
  // Wrapped nowhere: its own reason only.
  assert.match(lonely.reason, /no term of the sum at line \d+ carries the block input unchanged$/);
});

test('a block wrapped two ways that read differently is unknown, with both readings', async () => {
  const report = await analyzeSource([
    'from torch import nn',
    'class Residual(nn.Module):',
    '    def __init__(self, fn):',
    '        super().__init__()',
    '        self.fn = fn',
    '    def forward(self, x):',
    '        return self.fn(x) + x',
    'class PostNorm(nn.Module):',
    '    def __init__(self, dim, fn):',
    '        super().__init__()',
    '        self.fn = fn',
    '        self.norm = nn.LayerNorm(dim)',
    '    def forward(self, x):',
    '        return self.norm(self.fn(x))',
    'class Block(nn.Module):',
    '    def __init__(self, dim):',
    '        super().__init__()',
    '        self.norm = nn.LayerNorm(dim)',
    '        self.attn = nn.MultiheadAttention(dim, 4)',
    '        self.mlp = nn.Linear(dim, dim)',
    '    def forward(self, x):',
    '        return self.mlp(self.attn(self.norm(x)))',
    'def pre_stack(dim, depth):',
    '    return nn.Sequential(*[Residual(Block(dim)) for _ in range(depth)])',
    'def post_stack(dim, depth):',
    '    return nn.Sequential(*[PostNorm(dim, Residual(Block(dim))) for _ in range(depth)])',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement]), [['Block', 'unknown']]);
  assert.match(report.blocks[0].reason, /wrapped differently in different places/);
  assert.match(report.blocks[0].reason, /Residual\(…\) at line 24 reads pre/);
  assert.match(report.blocks[0].reason, /PostNorm\(Residual\(…\)\) at line 26 reads unknown/);
});

test('a scale inside an inlined attention (q * self.scale between two projections) moves no norm', async () => {
  const report = await analyzeSource([
    'import torch',
    'from torch import nn',
    'class Block(nn.Module):',
    '    def __init__(self, dim, dim_head=64):',
    '        super().__init__()',
    '        self.norm = nn.LayerNorm(dim)',
    '        self.scale = dim_head ** -0.5',
    '        self.to_qkv = nn.Linear(dim, dim * 3)',
    '        self.attn_out = nn.Linear(dim, dim)',
    '        self.mlp = nn.Linear(dim, dim)',
    '    def forward(self, x):',
    '        q, k, v = self.to_qkv(self.norm(x)).chunk(3, dim=-1)',
    '        q = q * self.scale',
    '        x = x + self.attn_out(torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ v)',
    '        return x + self.mlp(self.norm(x))',
    'class Net(nn.Module):',
    '    def __init__(self, dim=64, depth=2):',
    '        super().__init__()',
    '        self.blocks = nn.ModuleList([Block(dim) for _ in range(depth)])',
    '    def forward(self, x):',
    '        for block in self.blocks:',
    '            x = block(x)',
    '        return x',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement]), [['Block', 'pre']], report.blocks[0]?.reason);
});
