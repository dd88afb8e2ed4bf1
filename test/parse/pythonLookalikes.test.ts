// Nothing in a file reads as a block, yet a class holds a norm, an attention and an MLP: it is reported as
// unknown with the reason its forward gives, never left out (issue 9: "every block class reported").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, analyzeSource } from './pythonFixtures';

test('a block whose residual is added by a Residual wrapper in a builder function is read as the composition', async () => {
  const report = await analyzeFixture('residual_outside_block.py');
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.norm, b.finalNorm]), [['ParallelBlock', 'parallel-pre', 'layernorm', true]]);
  assert.match(report.blocks[0].reason, /the residual is added by Residual\(…\) around ParallelBlock at line \d+/);
  assert.ok(!report.diagnostics.some((d) => d.code === 'unknown-placement' || d.code === 'no-transformer'));
});

test('a file of parts alone (an attention module, an MLP) reports no block', async () => {
  const report = await analyzeSource([
    'import torch',
    'from torch import nn',
    'class CausalSelfAttention(nn.Module):',
    '    def __init__(self, d):',
    '        super().__init__()',
    '        self.c_attn = nn.Linear(d, 3 * d)',
    '        self.c_proj = nn.Linear(d, d)',
    '        self.attn_dropout = nn.Dropout(0.1)',
    '        self.ln = nn.LayerNorm(d)',
    '    def forward(self, x):',
    '        q, k, v = self.c_attn(self.ln(x)).chunk(3, dim=-1)',
    '        return self.c_proj(torch.softmax(q @ k.transpose(-1, -2), -1) @ v)',
    'class MLP(nn.Module):',
    '    def __init__(self, d):',
    '        super().__init__()',
    '        self.fc = nn.Linear(d, 4 * d)',
    '        self.proj = nn.Linear(4 * d, d)',
    '    def forward(self, x):',
    '        return self.proj(torch.relu(self.fc(x)))',
  ].join('\n'));
  assert.deepEqual(report.blocks, []);
  assert.ok(report.diagnostics.some((d) => d.code === 'no-transformer'));
});

test('a model holding a block-like class is not reported beside it: the innermost class only', async () => {
  const report = await analyzeSource([
    'from torch import nn',
    'class Layer(nn.Module):',
    '    def __init__(self, d):',
    '        super().__init__()',
    '        self.norm = nn.LayerNorm(d)',
    '        self.attn = nn.MultiheadAttention(d, 4)',
    '        self.mlp = nn.Linear(d, d)',
    '    def forward(self, x):',
    '        return fused_residual_add(self.attn(self.norm(x)), self.mlp(self.norm(x)), x)',
    'class Net(nn.Module):',
    '    def __init__(self, d):',
    '        super().__init__()',
    '        self.layer = Layer(d)',
    '        self.final_norm = nn.LayerNorm(d)',
    '        self.head_fc = nn.Linear(d, 10)',
    '    def forward(self, x):',
    '        return self.head_fc(self.final_norm(self.layer(x)))',
  ].join('\n'));
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement]), [['Layer', 'unknown']]);
});
