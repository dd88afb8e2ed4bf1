// The depth sweep: the plan, the numbers read from a run, the arguments, and the table the CLI prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastThirdShare, planSweep, preLnLastContribution, summariseRun } from '../../src/core/probe/sweep';
import { parseSweepArgs, DEFAULT_SWEEP_STEPS } from '../../src/cli/sweepArgs';
import { formatSweepTable, sweepProgressLine } from '../../src/cli/sweepOutput';
import { fakeRun } from '../views/fakeRuns';
import { fixtureSweep } from './sweepFixtures';

test('plan: trainable placements × depths ascending, untrainable ones listed with why, duplicates dropped', () => {
  const plan = planSweep(['pre', 'layernorm-scaling', 'conditional', 'pre'], [24, 6, 12, 6]);
  assert.deepEqual(plan.runs.map((r) => `${r.placement}@${r.layers}`), ['pre@6', 'pre@12', 'pre@24', 'layernorm-scaling@6', 'layernorm-scaling@12', 'layernorm-scaling@24']);
  assert.deepEqual(plan.skipped.map((s) => s.placement), ['conditional']);
  assert.match(plan.skipped[0].reason, /cannot train it yet/);
});

test('last third\'s share: Σ⁺ over the last ⌊L/3⌋ blocks ÷ Σ⁺ over all; negatives count as 0', () => {
  // L = 6: the last 2 blocks hold 0.1 + 0 (−0.2 clipped) of 0.4 + 0.3 + 5 + 5 + 0.1.
  assert.ok(Math.abs(lastThirdShare([0.4, 0.3, 5, 5, 0.1, -0.2])! - 0.1 / 10.8) < 1e-15);
  assert.equal(lastThirdShare([1, 1, 1, 1]), 1 / 4, 'L = 4: ⌊4/3⌋ = 1 block');
  assert.equal(lastThirdShare([2, 2, 2, 2, 2, 2, 2, 2, 2]), 1 / 3, 'every block alike: ⅓');
  assert.equal(lastThirdShare([3, 1, 0, 0]), 0);
  assert.equal(lastThirdShare([0, 0, 0]), null, 'no block raised the loss');
  assert.equal(lastThirdShare([1, 2]), null, 'no thirds below L = 3');
});

test('a run\'s sweep numbers are its last recorded column; block L\'s contribution at init and trained', () => {
  const run = fakeRun({ placement: 'pre', layers: 6, steps: 50, recordEvery: 10, seed: 3 });
  const point = summariseRun(run, 2.5);
  assert.equal(point.finalLoss, run.metrics.loss.at(-1));
  assert.equal(point.lastContributionInit, run.metrics.contribution[5][0]);
  assert.equal(point.lastContributionFinal, run.metrics.contribution[5].at(-1));
  assert.equal(point.layerImportance, null, 'no layerImportance recorded: none invented');
  assert.equal(point.lastThirdShare, null);
  const withImportance = summariseRun({ ...run, layerImportance: [0.5, 0.4, 0.3, 0.2, 0.1, 0.0] } as typeof run, 1);
  assert.ok(Math.abs(withImportance.lastThirdShare! - 0.1 / 1.5) < 1e-15);
  assert.equal(withImportance.lastImportance, 0);
  const diverged = summariseRun(fakeRun({ placement: 'post', layers: 6, steps: 50, recordEvery: 10, seed: 3, divergeAt: 30 }), 1);
  assert.equal(diverged.finalLoss, null);
  assert.equal(diverged.lastContributionFinal, null);
  assert.ok(diverged.lastContributionInit !== null && Number.isFinite(diverged.lastContributionInit));
});

test('Pre-LN\'s predicted last contribution: √(δ/(1 + Lδ)) for δ = ½ and 3/2, falling like 1/√L', () => {
  const at = preLnLastContribution(12);
  assert.equal(at.lower, Math.sqrt(0.5 / 7));
  assert.equal(at.upper, Math.sqrt(1.5 / 19));
  const ratio = preLnLastContribution(48).lower / preLnLastContribution(12).lower;
  assert.ok(Math.abs(ratio - Math.sqrt(7 / 25)) < 1e-12);
});

test('arguments: depths and placements as lists, defaults, and messages that name the flag', () => {
  const parsed = parseSweepArgs(['m.py', '--layers', '24, 6,12', '--compare', 'post,layernorm-scaling', '--jobs', '3', '--steps', '20', '--json', '--out', 's.html']);
  assert.ok(!('error' in parsed) && !('help' in parsed));
  assert.deepEqual(parsed.layers, [6, 12, 24]);
  assert.deepEqual(parsed.compare, ['post', 'layernorm-scaling']);
  assert.equal(parsed.jobs, 3);
  assert.deepEqual(parsed.overrides, { steps: 20 });
  assert.equal(parsed.out, 's.html');
  const defaults = parseSweepArgs(['m.py']);
  assert.ok(!('error' in defaults) && !('help' in defaults));
  assert.deepEqual(defaults.layers, [6, 12, 24, 48]);
  assert.equal(defaults.overrides.steps, DEFAULT_SWEEP_STEPS);
  assert.equal(defaults.compare, null);
  assert.deepEqual(parseSweepArgs(['m.py', '--layers', '6,x']), { error: "--layers expects depths 1–128 separated by commas (6,12,24), got 'x' in '6,x'" });
  assert.deepEqual(parseSweepArgs(['m.py', '--layers', '6,,12']), { error: "--layers expects depths 1–128 separated by commas (6,12,24), got '' in '6,,12'" });
  assert.match((parseSweepArgs(['m.py', '--compare', 'post,prenorm']) as { error: string }).error, /^--compare: 'prenorm' is not a placement; expected any of pre, post, .*ngpt$/);
  assert.deepEqual(parseSweepArgs(['m.py', '--jobs', '0']), { error: "--jobs expects an integer ≥ 1, got '0'" });
  assert.deepEqual(parseSweepArgs(['m.py', '--out', 's.png']), { error: "--out expects an .html file name, got 's.png'" });
  assert.deepEqual(parseSweepArgs([]), { error: 'give a model FILE, or --placement to sweep a placement on its own' });
  assert.deepEqual(parseSweepArgs(['--help']), { help: true });
});

test('the table: a row per probed placement and depth column, the prediction under Pre-LN, skipped and diverged said', () => {
  const text = formatSweepTable(fixtureSweep(true));
  const lines = text.split('\n');
  const row = (label: string, after: string): string => lines.slice(lines.findIndex((l) => l.startsWith(after))).find((l) => l.trim().startsWith(label))!;
  assert.deepEqual(row('pre', 'final loss').trim().split(/\s+/), ['pre', '1.80', '1.70', '1.65', '1.60']);
  assert.deepEqual(row('post', 'final loss').trim().split(/\s+/), ['post', '1.75', '1.72', '1.90', 'div@40']);
  assert.match(row('Pre-LN predicted', 'last block'), /0\.27–0\.28\s+0\.20–0\.20/);
  assert.match(text, /not probed: layernorm-scaling \(LayerNorm Scaling\): the probe engine cannot train it yet/);
  assert.match(text, /div@s diverged at step s/);
  // Post-LN's flat importance gives ⅓ at every depth; Pre-LN's falling ramp less.
  assert.match(row('post', 'layer importance'), /^\s+post\s+0\.33\s+0\.33\s+0\.33\s+div@40$/);
  assert.match(row('pre', 'layer importance'), /^\s+pre\s+0\.17\s+/);
  assert.match(formatSweepTable(fixtureSweep(false)), /layer importance: not recorded by this build's probe engine/);
});

test('progress line: fraction of all steps, runs done, the latest run', () => {
  assert.equal(sweepProgressLine({ done: 3, total: 8, steps: 200, totalSteps: 800, latest: 'pre L=24 step 40/100' }, 8),
    '[##------]  25%  3/8 runs  pre L=24 step 40/100');
});
