// Constructor options that build a norm or leave it out (issue 9, blind set A: open_clip's
// ModernTextBlock with norm_placement "pre" / "sandwich"), and string options compared in the forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, blockRows as rows, lineContaining } from './pythonFixtures';

const FIXTURE = 'option_placement.py';

test('a string option that builds output norms or identities is conditional, keyed by its values as written', async () => {
  const report = await analyzeFixture('option_placement.py');
  const block = report.blocks.find((b) => b.name === 'OptionBlock')!;
  assert.equal(block.placement, 'conditional');
  // Keys and default unquoted, as the option's values are written (`'pre'` reads `pre`).
  assert.deepEqual(block.flag, { name: 'norm_style', default: 'pre', placements: { pre: 'pre', sandwich: 'sandwich' } });
  assert.equal(block.reason, `depends on norm_style (line ${lineContaining(FIXTURE, "norm_style: str = 'pre'")}, default pre): pre when pre, sandwich when sandwich`);
  // A subclass that keeps the constructor and forward has the same option and readings.
  assert.deepEqual(report.blocks.find((b) => b.name === 'InheritingOptionBlock')!.flag, block.flag);
  assert.equal(block.norm, 'layernorm');
});

test('a boolean named for the placement that adds branch-output norms is conditional with both readings', async () => {
  const report = await analyzeFixture('option_placement.py');
  const block = report.blocks.find((b) => b.name === 'BranchNormBlock')!;
  assert.deepEqual(block.flag, { name: 'post_branch_norm', default: false, placements: { False: 'pre', True: 'sandwich' } });
  assert.deepEqual(rows(report).find((r) => r[0] === 'BranchNormBlock'), ['BranchNormBlock', 'conditional', 'attention:attn:conditional mlp:ffn:conditional', 'layernorm', null]);
});

test('an option not named for the placement keeps the reading of its default and says what it adds; an activation option moves nothing', async () => {
  const report = await analyzeFixture('option_placement.py');
  const block = report.blocks.find((b) => b.name === 'ExtraNormBlock')!;
  assert.equal(block.placement, 'pre');
  assert.equal(block.flag, null);
  assert.ok(block.reason.includes(`at its default False, scale_attention (line ${lineContaining(FIXTURE, 'scale_attention: bool = False')}) leaves out a norm it builds otherwise`), block.reason);
  assert.doesNotMatch(block.reason, /activation/);
});

test('a string option compared in the forward is a flag, not a guess at one branch', async () => {
  const report = await analyzeFixture('option_placement.py');
  const block = report.blocks.find((b) => b.name === 'ModeBlock')!;
  assert.equal(block.placement, 'conditional');
  assert.deepEqual(block.flag, { name: "self.order == 'post'", default: false, placements: { True: 'post', False: 'pre' } });
  // Every block of the file is reported, the model's final norm seen.
  assert.deepEqual(report.blocks.slice(0, 5).map((b) => [b.name, b.finalNorm, b.layers]), [
    ['OptionBlock', true, 4], ['InheritingOptionBlock', true, 4], ['BranchNormBlock', true, 4], ['ExtraNormBlock', true, 4], ['ModeBlock', true, 4],
  ]);
});

test('a norm built under an argument or config field the file gives no default is never guessed absent', async () => {
  const report = await analyzeFixture('option_placement.py');
  const byName = (name: string) => report.blocks.find((b) => b.name === name)!;
  // Named for the placement: both readings, no default.
  assert.equal(byName('ArgsBlock').placement, 'conditional');
  assert.deepEqual(byName('ArgsBlock').flag, { name: 'post_branch_norm', default: null, placements: { True: 'sandwich', False: 'pre' } });
  // Not named for the placement, and the file does not decide it: unknown, naming the norm and the condition.
  assert.equal(byName('GatedArgsBlock').placement, 'unknown');
  assert.ok(byName('GatedArgsBlock').reason.startsWith(`self.gate_norm is a norm only when \`gated\` (line ${lineContaining(FIXTURE, 'if gated else')}), which this file does not decide`), byName('GatedArgsBlock').reason);
  // The same norm under a field the file's settings class defaults to False: read at that default.
  assert.deepEqual(rows(report).find((r) => r[0] === 'SettledBlock'), ['SettledBlock', 'pre', 'attention:attn:pre mlp:ffn:pre', 'layernorm', null]);
});
