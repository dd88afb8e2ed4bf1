// Loss and theory chart models: domains that include every line, gaps at non-finite values, markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLossModel, buildTheoryModel, predictionsFor } from '../../webview/views/lineModel';
import { predict } from '../../src/core/theory/predict';
import type { LayerPrediction } from '../../webview/views/lineModel';
import { buildComparison, labelRuns } from '../../webview/views/compare';
import { fakeRun } from './fakeRuns';

/** The y of a plot value, read back from the ticks (linear scale): used to check where lines sit. */
function yOf(ticks: { y: number; label: string }[], value: number): number {
  const [a, b] = ticks;
  const slope = (b.y - a.y) / (Number(b.label) - Number(a.label));
  return a.y + (value - Number(a.label)) * slope;
}

test('loss: one line per run, the shared optimum dashed once, inside the y range', () => {
  const runs = labelRuns([
    fakeRun({ placement: 'pre', layers: 4, steps: 100, recordEvery: 10, seed: 1 }),
    fakeRun({ placement: 'post', layers: 4, steps: 100, recordEvery: 10, seed: 1 }),
  ]);
  const model = buildLossModel(runs);
  assert.deepEqual(model.lines.map((l) => [l.label, l.style]), [['Pre-LN', 'solid'], ['Post-LN', 'solid'], ['optimal loss 1.2', 'dashed']]);
  assert.equal(model.lines[2].colorClass, 'ns-cfg');
  const optimalY = Number(/,([\d.]+)H/.exec(model.lines[2].d)![1]);
  assert.ok(Math.abs(optimalY - yOf(model.yTicks, 1.2)) < 0.05, 'the dashed line sits at 1.2 on the axis');
  assert.ok(optimalY <= model.plot.y + model.plot.height && optimalY >= model.plot.y);
  // Eleven recorded points: one moveto, ten linetos.
  assert.equal((model.lines[0].d.match(/L/g) ?? []).length, 10);
  assert.deepEqual(model.markers, []);
});

test('loss: a diverged run breaks its line at the first NaN and gets a marker at that step', () => {
  const runs = labelRuns([fakeRun({ placement: 'post', layers: 4, steps: 100, recordEvery: 10, seed: 2, divergeAt: 60 })]);
  const model = buildLossModel(runs);
  assert.equal((model.lines[0].d.match(/L/g) ?? []).length, 5, 'steps 0..50 drawn, the rest undefined');
  assert.equal(model.markers.length, 1);
  assert.equal(model.markers[0].label, 'Post-LN diverged at step 60');
  const x60 = model.plot.x + (60 / 100) * model.plot.width;
  assert.ok(Math.abs(model.markers[0].x - x60) < 0.01);
});

test('theory: measured init norms per layer over a predicted band, one colour per run', () => {
  const run = fakeRun({ placement: 'pre', layers: 12, steps: 10, recordEvery: 10, seed: 3 });
  const layers = Array.from({ length: 13 }, (_, l) => l);
  const band: LayerPrediction = {
    label: 'Xiong band', layers,
    lower: layers.map((l) => Math.sqrt(1 + l / 2)), upper: layers.map((l) => Math.sqrt(1 + (3 * l) / 2)),
  };
  const model = buildTheoryModel(labelRuns([run]), [[band]]);
  assert.equal(model.bands.length, 1);
  assert.equal(model.bands[0].label, 'Pre-LN: Xiong band');
  assert.deepEqual(model.lines.map((l) => l.label), ['Pre-LN: measured']);
  assert.equal(model.yLog, false);
  assert.equal((model.lines[0].d.match(/L/g) ?? []).length, 12);
  // The top of the y axis reaches the band's largest value, √19.
  const top = Math.max(...model.yTicks.map((t) => Number(t.label)));
  assert.ok(top >= Math.sqrt(19) - 0.5);
  assert.deepEqual(model.xTicks.map((t) => t.label), ['0', '2', '4', '6', '8', '10', '12']);
});

test('theory: a prediction with lower = upper is a dotted line; an exploding stream gets a log axis', () => {
  const run = fakeRun({ placement: 'none', layers: 8, steps: 10, recordEvery: 10, seed: 4 });
  run.metrics.residualNorm = run.metrics.residualNorm.map((row, l) => row.map(() => 2 ** (l * 1.5)));
  const flat: LayerPrediction = { label: 'Post-LN: 1', layers: [0, 8], lower: [1, 1], upper: [1, 1] };
  const model = buildTheoryModel(labelRuns([run]), [[flat]]);
  assert.equal(model.bands.length, 0);
  assert.deepEqual(model.lines.map((l) => l.style), ['dotted', 'solid']);
  assert.equal(model.yLog, true);
  assert.ok(model.yTicks.every((t) => /^1(e\d+|0*)$/.test(t.label)), `log ticks at powers of ten: ${model.yTicks.map((t) => t.label)}`);
});

test('theory from src/core/theory: Pre-LN gets the Xiong band on residualNorm and the dilution band on contribution', () => {
  const run = fakeRun({ placement: 'pre', layers: 12, steps: 10, recordEvery: 10, seed: 5 });
  const theory = predict(run.config);
  const residual = predictionsFor(theory, 'residualNorm');
  assert.equal(residual.length, 1);
  assert.deepEqual(residual[0].layers, Array.from({ length: 13 }, (_, l) => l));
  assert.ok(Math.abs(residual[0].upper[12] - Math.sqrt(1 + 1.5 * 12)) < 1e-12);
  const contribution = predictionsFor(theory, 'contribution');
  assert.equal(contribution.length, 1);
  const model = buildTheoryModel(labelRuns([run]), [contribution], 'contribution');
  assert.equal(model.kind, 'theory-contribution');
  assert.equal(model.bands.length, 1);
  // Contribution rows start at block 1: the measured line's first point sits at layer 1, not 0.
  const firstX = Number(/^M([\d.]+),/.exec(model.lines[0].d)![1]);
  assert.ok(Math.abs(firstX - (model.plot.x + model.plot.width / 12)) < 0.01);
  const post = predictionsFor(predict({ ...run.config, placement: 'post' }), 'residualNorm');
  assert.ok(post.every((p) => p.lower.every((v) => v === 1)), 'Post-LN: 1 after the norm, a line');
});

test('sumNorm overlay: Post-LN\'s sum before the norm against Xiong\'s √(3/2); runs without it draw no measured line', () => {
  const pre = fakeRun({ placement: 'pre', layers: 6, steps: 10, recordEvery: 10, seed: 6 });
  const post = fakeRun({ placement: 'post', layers: 6, steps: 10, recordEvery: 10, seed: 6 });
  post.metrics.sumNorm = post.metrics.residualNorm.map((row, l) => row.map(() => (l === 0 ? null : 1.11)));
  const comparison = buildComparison([pre, post]);
  const model = comparison.sumNormTheory!;
  assert.equal(model.kind, 'theory-sumNorm');
  assert.deepEqual(model.lines.filter((l) => l.style === 'solid').map((l) => l.label), ['Post-LN: measured']);
  const paper = model.lines.find((l) => /Xiong's √\(3\/2\)/.test(l.label))!;
  assert.ok(paper, 'the paper\'s line is drawn');
  const paperY = Number(/^M[\d.]+,([\d.]+)/.exec(paper.d)![1]);
  assert.ok(Math.abs(paperY - yOf(model.yTicks, Math.sqrt(1.5))) < 0.05);
  // The measured line starts at layer 1: row 0 (the embedding) has no sum.
  const measured = model.lines.find((l) => l.label === 'Post-LN: measured')!;
  const firstX = Number(/^M([\d.]+),/.exec(measured.d)![1]);
  assert.ok(Math.abs(firstX - (model.plot.x + model.plot.width / 6)) < 0.01);
  assert.equal(buildComparison([pre]).sumNormTheory, null, 'no run records a sum: no chart');
});
