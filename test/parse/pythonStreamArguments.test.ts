// Stacked blocks whose residual stream is a later argument (a class-attention block adding to its class
// token, a cross-attention block `forward(memory, x)`): the stream is the argument residual-added and
// returned; two such arguments leave the block unknown with both named (issue 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, analyzeSource, assertBlock } from './pythonFixtures';

test('a class-token block: the stream is its second argument, and the norm over cat(cls_tok, tokens) is Pre-LN', async () => {
  const report = await analyzeFixture('stream_arguments.py');
  const block = report.blocks.find((b) => b.name === 'ClassTokenBlock');
  assert.ok(block, report.blocks.map((b) => b.name).join(', '));
  assertBlock(block, {
    name: 'ClassTokenBlock', placement: 'pre', norm: 'layernorm', layers: 2, dModel: 192, finalNorm: true,
    sublayers: [['attention', 'attn', 'pre'], ['mlp', 'mlp', 'pre']],
  });
  assert.match(block.sublayers[0].reason, /the residual stream is the argument `cls_tok`/);
});

test('a cross-attention block with the stream second and a norm on each sum is Post-LN', async () => {
  const report = await analyzeFixture('stream_arguments.py');
  const block = report.blocks.find((b) => b.name === 'CrossPostBlock');
  assert.ok(block);
  assert.equal(block.placement, 'post', block.reason);
  assert.deepEqual(block.sublayers.map((s) => [s.kind, s.name, s.placement]), [['attention', 'cross_attn', 'post'], ['mlp', 'ffn', 'post']]);
  assert.equal(block.layers, 4);
});

test('a block that updates two arguments and returns both is unknown, naming both; a read-out head nobody stacks is no block', async () => {
  const report = await analyzeFixture('stream_arguments.py');
  assert.deepEqual(report.blocks.map((b) => b.name), ['ClassTokenBlock', 'CrossPostBlock', 'TwoStreamBlock']);
  const twoStream = report.blocks.find((b) => b.name === 'TwoStreamBlock')!;
  assert.equal(twoStream.placement, 'unknown');
  assert.match(twoStream.reason, /`text` and `image` are each carried through residual adds/);
});

test('a stacked block whose extra argument is a mask keeps its first argument as the stream', async () => {
  const report = await analyzeSource([
    'import torch',
    'from torch import nn',
    'class Block(nn.Module):',
    '    def __init__(self, d=64):',
    '        super().__init__()',
    '        self.norm = nn.LayerNorm(d)',
    '        self.attn = nn.MultiheadAttention(d, 4)',
    '        self.mlp = nn.Linear(d, d)',
    '    def forward(self, x, mask):',
    '        x = self.norm(x + self.attn(x, x, x, attn_mask=mask)[0])',
    '        return self.norm(x + self.mlp(x))',
    'class Net(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.blocks = nn.ModuleList([Block() for _ in range(3)])',
    '    def forward(self, x, mask):',
    '        for b in self.blocks:',
    '            x = b(x, mask)',
    '        return x',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.layers]), [['Block', 'post', 3]]);
  assert.doesNotMatch(report.blocks[0].reason, /not the first/);
});
