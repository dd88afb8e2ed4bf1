// Flags that only switch an optional sublayer on or off (issue 9, held-out set B: levanter's Whisper
// layer): not a placement switch; and a flag under which one reading is unknown is never a confident
// conditional.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, blockRows as rows } from './pythonFixtures';

test('an optional cross-attention with its own (optional) norm leaves the block pre, not conditional on its presence', async () => {
  const report = await analyzeFixture('optional_cross_attention.py');
  assert.deepEqual(rows(report), [
    ['DecoderLayer', 'pre', 'attention:self_attn:pre mlp:ff:pre', 'layernorm', null],
    ['FieldsLayer', 'pre', 'attention:attn:pre mlp:ffn:pre', 'layernorm', 'low'],
  ]);
  assert.equal(report.blocks[1].flag, null);
  assert.match(report.blocks[1].reason, /xattn only adds attention:xattn \(pre either way\)/);
});

test('a flag that adds a norm, or an optional sublayer placed unlike the rest, still matters; an unreadable optional arm makes the block unknown, not a confident conditional', async () => {
  const report = await analyzeFixture('optional_sublayer_negative.py');
  assert.deepEqual(rows(report), [
    ['PostNormSwitchLayer', 'conditional', 'attention:attn:conditional mlp:ff:conditional', 'layernorm', null],
    ['PostCrossLayer', 'unknown', 'attention:attn:pre mlp:ffn:conditional', 'layernorm', 'low'],
    ['UnreadArmLayer', 'pre', 'attention:attn:pre mlp:ff:pre', 'layernorm', null],
  ]);
  assert.deepEqual(report.blocks[0].flag?.placements, { True: 'post', False: 'pre' });
  assert.match(report.blocks[1].reason, /depends on xattn .*unknown when true, pre when false/);
  assert.match(report.blocks[2].reason, /with exotic true the forward could not be followed/);
});
