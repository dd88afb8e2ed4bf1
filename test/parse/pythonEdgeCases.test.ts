import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, analyzeSource, assertBlock, lineContaining } from './pythonFixtures';

test('names that lie: pre_norm after the add is post; post_attention_layernorm before the MLP is pre', async () => {
  const report = await analyzeFixture('names_that_lie.py');
  assert.deepEqual(report.blocks.map((b) => b.name), ['PostNormBlock', 'PreNormBlock']);
  const [postBlock, preBlock] = report.blocks;
  assertBlock(postBlock, {
    name: 'PostNormBlock', placement: 'post', norm: 'layernorm', layers: null, dModel: 512, heads: 8, finalNorm: null,
    sublayers: [['attention', 'attention', 'post'], ['mlp', 'feed_forward', 'post']],
  });
  assert.deepEqual(postBlock.normUses.map((u) => [u.name, u.role]), [['pre_norm', 'residual-sum'], ['pre_mlp_norm', 'residual-sum']]);
  assertBlock(preBlock, {
    name: 'PreNormBlock', placement: 'pre', norm: 'layernorm', layers: null, dModel: 512, heads: 8, finalNorm: null,
    sublayers: [['attention', 'attention', 'pre'], ['mlp', 'feed_forward', 'pre']],
  });
  assert.deepEqual(preBlock.sublayers.map((s) => s.norms), [['post_norm'], ['post_attention_layernorm']]);
});

test('wrappers: Residual(PreNorm(dim, fn)) with an nn.Sequential MLP, stacked by nn.Sequential(*[...])', async () => {
  const report = await analyzeFixture('wrappers_prenorm.py');
  assert.equal(report.blocks.length, 1, report.blocks.map((b) => b.name).join(', '));
  assertBlock(report.blocks[0], {
    name: 'TransformerBlock', placement: 'pre', norm: 'layernorm', layers: 6, dModel: 384, heads: 6, finalNorm: true,
    sublayers: [['attention', 'Attention', 'pre'], ['mlp', 'FeedForward', 'pre']],
  });
  assert.equal(report.blocks[0].normUses[0].span.line, lineContaining('wrappers_prenorm.py', 'return self.fn(self.norm(x), **kwargs)'));
  assert.deepEqual(report.blocks[0].sublayers.map((s) => s.line), [
    lineContaining('wrappers_prenorm.py', 'x = self.attn(x)'),
    lineContaining('wrappers_prenorm.py', 'x = self.ff(x)'),
  ]);
});

test('a model whose loop body is the block (for attn, ff in self.layers) is read as one layer', async () => {
  const report = await analyzeFixture('vit_loop_body.py');
  assert.equal(report.blocks.length, 1);
  assertBlock(report.blocks[0], {
    name: 'Transformer', placement: 'pre', norm: 'layernorm', layers: 6, dModel: 512, heads: 8, finalNorm: true,
    sublayers: [['attention', 'Attention', 'pre'], ['mlp', 'FeedForward', 'pre']],
  });
  assert.deepEqual(report.blocks[0].normUses.map((u) => [u.role, u.span.line]), [
    ['sublayer-input', lineContaining('vit_loop_body.py', 'return self.fn(self.norm(x), **kwargs)')],
    ['final', lineContaining('vit_loop_body.py', 'return self.norm(x)')],
  ]);
});

test('functional norms: F.rms_norm before each sublayer is pre with rmsnorm; F.layer_norm after the loop is final', async () => {
  const report = await analyzeFixture('functional_norms.py');
  assert.equal(report.blocks.length, 1);
  assertBlock(report.blocks[0], {
    name: 'Block', placement: 'pre', norm: 'rmsnorm', layers: 10, dModel: 640, heads: 10, finalNorm: true,
    sublayers: [['attention', 'attn', 'pre'], ['mlp', 'mlp', 'pre']],
  });
  assert.deepEqual(report.blocks[0].normDefinitions.map((d) => [d.name, d.className, d.span.line]), [
    ['F.rms_norm', 'F.rms_norm', lineContaining('functional_norms.py', 'h = F.rms_norm(x, (self.dim,))')],
    ['F.rms_norm', 'F.rms_norm', lineContaining('functional_norms.py', 'x = x + self.mlp(F.rms_norm(x, (self.dim,)))')],
  ]);
});

test('a ResNet with BatchNorm has no transformer block and says so', async () => {
  const report = await analyzeFixture('resnet.py');
  assert.deepEqual(report.blocks, []);
  assert.equal(report.diagnostics.length, 1);
  const [diagnostic] = report.diagnostics;
  assert.equal(diagnostic.code, 'no-transformer');
  assert.equal(diagnostic.severity, 'info');
  assert.match(diagnostic.message, /^no transformer block found/);
  assert.match(diagnostic.message, /BatchNorm2d/);
});

test('syntax errors: each reported with its line, and the block is still classified', async () => {
  const report = await analyzeFixture('syntax_errors.py');
  const errors = report.diagnostics.filter((d) => d.code === 'syntax-error');
  assert.deepEqual(errors.map((d) => [d.severity, d.line]), [
    ['error', lineContaining('syntax_errors.py', 'def broken_helper(x:')],
    ['error', lineContaining('syntax_errors.py', 'scale = (1 + 2')],
  ]);
  // The line is the diagnostic's own field; the message says what went wrong, not where.
  assert.match(errors[0].message, /^Syntax error: could not parse 'def broken_helper\(x:'/);
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement]), [['Block', 'pre']]);
});

test('dataflow it cannot follow is unknown with a reason, never a guess', async () => {
  const report = await analyzeSource([
    'import torch.nn as nn',
    'class Block(nn.Module):',
    '    def __init__(self, d=64):',
    '        super().__init__()',
    '        self.ln = nn.LayerNorm(d)',
    '        self.attn = nn.MultiheadAttention(d, 4)',
    '        self.mlp = nn.Linear(d, d)',
    '    def forward(self, x):',
    '        x = x + self.attn(self.ln(x), x, x)[0]',
    '        x = x + self.mlp(x)',
    '        return x',
  ].join('\n'));
  assert.equal(report.blocks.length, 1);
  const [block] = report.blocks;
  assert.equal(block.placement, 'unknown');
  assert.match(block.reason, /reads the stream through different paths/);
  assert.ok(report.diagnostics.some((d) => d.code === 'unknown-placement' && d.line === 2));
});

test('the analyzer never throws: empty, binary-looking and unbalanced sources give reports', async () => {
  for (const source of ['', '\u0000\u0001\u0002garbage\uFFFD', 'class A(:\n  def forward(self x):\n    return x +', 'x = ' + '('.repeat(500)]) {
    const report = await analyzeSource(source);
    assert.equal(report.language, 'python');
    assert.ok(Array.isArray(report.blocks));
  }
});

test('positions are UTF-16: a non-ASCII comment before a norm shifts offsets by code units', async () => {
  const report = await analyzeSource([
    'import torch.nn as nn',
    'class Block(nn.Module):  # déjà vu 🚀',
    '    def __init__(self, d=32):',
    '        super().__init__()',
    '        self.ln_1 = nn.LayerNorm(d); self.attn = nn.MultiheadAttention(d, 2)',
    '        self.ln_2 = nn.LayerNorm(d); self.mlp = nn.Linear(d, d)',
    '    def forward(self, x):',
    '        x = x + self.attn(self.ln_1(x), self.ln_1(x), self.ln_1(x))[0]',
    '        x = x + self.mlp(self.ln_2(x))  # é',
    '        return x',
  ].join('\n'));
  const source = report.blocks[0];
  assert.equal(source.placement, 'pre');
  const use = source.normUses.find((u) => u.name === 'ln_2')!;
  assert.equal(use.span.line, 9);
  assert.equal(use.span.column, '        x = x + self.mlp('.length);
});

test('exponential code (each class building two of the previous) stops at the per-file step bound', async () => {
  const lines = ['import torch.nn as nn', 'class C0(nn.Module):', '    def forward(self, x):', '        return x'];
  for (let i = 1; i <= 40; i++) {
    lines.push(`class C${i}(nn.Module):`, '    def __init__(self):', `        self.a = C${i - 1}()`, `        self.b = C${i - 1}()`,
      '    def forward(self, x):', '        return self.a(x) + self.b(x)');
  }
  const report = await analyzeSource(lines.join('\n'));
  assert.equal(report.language, 'python');
  assert.ok(report.blocks.every((b) => b.placement === 'unknown' || b.placement === 'none'), JSON.stringify(report.blocks.map((b) => b.placement)));
});

test('Mix-LN decided by the model (Block(d, post_ln=(i < n_post))) counts the post-norm blocks', async () => {
  const report = await analyzeSource([
    'import torch.nn as nn',
    'class Block(nn.Module):',
    '    def __init__(self, d, post_ln):',
    '        super().__init__()',
    '        self.post_ln = post_ln',
    '        self.ln1 = nn.LayerNorm(d); self.ln2 = nn.LayerNorm(d)',
    '        self.attn = nn.MultiheadAttention(d, 4); self.mlp = nn.Linear(d, d)',
    '    def forward(self, x):',
    '        if self.post_ln:',
    '            x = self.ln1(x + self.attn(x, x, x)[0])',
    '            x = self.ln2(x + self.mlp(x))',
    '        else:',
    '            x = x + self.attn(self.ln1(x), self.ln1(x), self.ln1(x))[0]',
    '            x = x + self.mlp(self.ln2(x))',
    '        return x',
    'class Model(nn.Module):',
    '    def __init__(self, d=256, n_layers=16, ratio=0.25):',
    '        super().__init__()',
    '        n_post = int(n_layers * ratio)',
    '        self.layers = nn.ModuleList([Block(d, post_ln=(i < n_post)) for i in range(n_layers)])',
    '        self.norm = nn.LayerNorm(d)',
    '    def forward(self, x):',
    '        for layer in self.layers:',
    '            x = layer(x)',
    '        return self.norm(x)',
  ].join('\n'));
  assert.equal(report.blocks.length, 1);
  const [block] = report.blocks;
  assert.equal(block.placement, 'mixed', block.reason);
  assert.deepEqual(block.mixed, { postBlocks: 4, expression: 'i < n_post' });
  assert.equal(block.layers, 16);
  assert.equal(block.finalNorm, true);
});

test('a pathologically nested class does not stop the rest of the file from being classified', async () => {
  const { readFileSync } = await import('node:fs');
  const nanogpt = readFileSync('test/fixtures/python/nanogpt_pre.py', 'utf8');
  const deep = ['class Deep(nn.Module):', '    def __init__(self):', `        self.x = ${'('.repeat(30000)}1${')'.repeat(30000)}`,
    '    def forward(self, x):', '        return x + self.x'].join('\n');
  const report = await analyzeSource(`${nanogpt}\n${deep}\n`, 'deep.py');
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.layers]), [['Block', 'pre', 12]]);
});
