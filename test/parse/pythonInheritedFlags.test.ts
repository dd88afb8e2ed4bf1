// Fixtures in the styles of fairseq's legacy layers and NormFormer (issue 9): subclasses that convert
// their arguments before calling the base constructor, and residual streams scaled by a learned gain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, analyzeSource, blockRows as rows } from './pythonFixtures';

const SWITCH = { True: 'pre', False: 'post' };

test('a subclass that converts its config before super().__init__ keeps the flags the base reads from it', async () => {
  const report = await analyzeFixture('subclass_converted_config.py');
  assert.deepEqual(rows(report), [
    ['EncoderLayerBase', 'conditional', 'attention:attention:conditional mlp:ffn_in:conditional', 'layernorm', null],
    ['LegacyEncoderLayer', 'conditional', 'attention:attention:conditional mlp:ffn_in:conditional', 'layernorm', null],
    ['DecoderLayerBase', 'conditional', 'attention:self_attention:conditional mlp:fc1:conditional', 'layernorm', null],
    ['LegacyDecoderLayer', 'conditional', 'attention:self_attention:conditional mlp:fc1:conditional', 'layernorm', null],
    // Converts the same way, then fixes the switch itself: the subclass's value wins.
    ['PinnedPreLayer', 'pre', 'attention:attention:pre mlp:ffn_in:pre', 'layernorm', null],
  ]);
  const [base, legacy, decoderBase, legacyDecoder] = report.blocks;
  // The flag is the base's, under its own name and default (the config lives in another module).
  assert.deepEqual(base.flag, { name: 'pre_norm', default: null, placements: SWITCH });
  assert.deepEqual(legacy.flag, base.flag);
  assert.deepEqual(decoderBase.flag, { name: 'normalize_first', default: null, placements: SWITCH });
  assert.deepEqual(legacyDecoder.flag, decoderBase.flag);
});

test('the converted config passed by keyword, through an older super(Cls, self) call, reaches the base the same way', async () => {
  const report = await analyzeSource(`
import torch.nn as nn
from options import convert

class Base(nn.Module):
    def __init__(self, dim=512, config=None):
        super().__init__()
        self.norm_first = config.norm_first
        self.attn = nn.MultiheadAttention(dim, 8)
        self.attn_norm = nn.LayerNorm(dim)
        self.ffn = nn.Linear(dim, dim)
        self.ffn_norm = nn.LayerNorm(dim)

    def forward(self, x):
        if self.norm_first:
            h = self.attn_norm(x)
            x = x + self.attn(h, h, h)[0]
            return x + self.ffn(self.ffn_norm(x))
        x = self.attn_norm(x + self.attn(x, x, x)[0])
        return self.ffn_norm(x + self.ffn(x))

class Keyword(Base):
    def __init__(self, args):
        super(Keyword, self).__init__(dim=args.dim, config=convert(args))
`);
  const keyword = report.blocks.find((b) => b.name === 'Keyword');
  assert.equal(keyword?.placement, 'conditional', keyword?.reason);
  assert.deepEqual(keyword?.flag, { name: 'norm_first', default: null, placements: SWITCH });
});

test('a residual times a learned gain of ones is still the stream; other factors are not', async () => {
  const report = await analyzeFixture('residual_gain.py');
  assert.deepEqual(rows(report), [
    // The optional gain is off unless the config turns it on (getattr's fallback is False).
    ['SwitchableGainLayer', 'conditional', 'attention:attn:conditional mlp:fc1:conditional', 'layernorm', null],
    ['PreGainBlock', 'pre', 'attention:attn:pre mlp:mlp:pre', 'layernorm', null],
    // A gain learned from zeros empties the stream at initialisation: no placement describes it.
    ['ZeroGainPreBlock', 'unknown', 'attention:attn:unknown mlp:mlp:unknown', 'layernorm', null],
  ]);
  const [switchable, pre, zero] = report.blocks;
  assert.deepEqual(switchable.flag, { name: 'pre_norm', default: null, placements: SWITCH });
  assert.match(pre.sublayers[1].reason, /multiplied by the learned gain nn\.Parameter\(torch\.ones\(dim\)\) \(ones at initialisation\)/);
  assert.match(zero.reason, /scaled by self\.carry = nn\.Parameter\(torch\.zeros\(dim\)\) with no norm on the sum/);
  // A mask given to forward is no gain: the block is never read as Post-LN or DeepNorm.
  assert.ok(!report.blocks.some((b) => b.name === 'MaskedPostBlock' && b.placement !== 'unknown'));
});

test('a learned gain of ones switched on by the config: Pre-LN stays pre, the Post-LN reading is not guessed (the block is unknown, naming both readings)', async () => {
  const report = await analyzeSource(`
import torch
import torch.nn as nn

class GainLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.normalize_before = cfg.normalize_before
        self.attn = nn.MultiheadAttention(cfg.dim, cfg.heads)
        self.attn_ln = nn.LayerNorm(cfg.dim)
        self.fc1 = nn.Linear(cfg.dim, cfg.hidden)
        self.fc2 = nn.Linear(cfg.hidden, cfg.dim)
        self.fc_ln = nn.LayerNorm(cfg.dim)
        self.resid_gain = nn.Parameter(torch.ones(cfg.dim))

    def forward(self, x):
        residual = x
        if self.normalize_before:
            x = self.attn_ln(x)
        x, _ = self.attn(x, x, x)
        x = residual + x
        if not self.normalize_before:
            x = self.attn_ln(x)
        residual = x
        if self.normalize_before:
            x = self.fc_ln(x)
        x = self.fc2(torch.relu(self.fc1(x)))
        if self.resid_gain is not None:
            residual = torch.mul(self.resid_gain, residual)
        x = residual + x
        if not self.normalize_before:
            x = self.fc_ln(x)
        return x
`);
  const [block] = report.blocks;
  // One value unread: never a confident conditional (report.ts); the readings stay on the flag and in the reason.
  assert.equal(block.placement, 'unknown');
  assert.deepEqual(block.flag, { name: 'normalize_before', default: null, placements: { True: 'pre', False: 'unknown' } });
  assert.match(block.reason, /normalize_before .*pre when true, unknown when false/);
});
