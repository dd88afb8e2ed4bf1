// Heatmap view models: shared domains, colour levels, cells covering the plot, non-finite marking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHeatmapModel, cellAt, colorLevel, formatValue, sharedColorScale } from '../../webview/views/heatmapModel';
import { buildComparison } from '../../webview/views/compare';
import { fakeRun } from './fakeRuns';

/** Sum of the rectangle areas in a path made of `M x,y h w v h h -w z` pieces. */
function area(d: string): number {
  let total = 0;
  for (const m of d.matchAll(/M[-\d.]+,[-\d.]+h([-\d.]+)v([-\d.]+)h[-\d.]+z/g)) total += Number(m[1]) * Number(m[2]);
  return total;
}

test('the shared scale spans every run and ignores NaN, ±∞ and unrecorded cells', () => {
  const scale = sharedColorScale([[[1, 2, Number.NaN]], [[0.5, Infinity, null], [3, -Infinity, 2.5]]]);
  assert.equal(scale.kind, 'linear');
  assert.deepEqual(scale.domain, [0.5, 3]);
  assert.equal(scale.colors.length, 64);
});

test('a positive range wider than 100× goes to a log scale; a flat one is padded', () => {
  const log = sharedColorScale([[[0.01, 0.1, 1, 10]]]);
  assert.equal(log.kind, 'log');
  assert.equal(colorLevel(log, 0.01), 0);
  assert.equal(colorLevel(log, 10), 63);
  // 0.1 is one third of the way in log space: level ⌊64/3⌋.
  assert.equal(colorLevel(log, 0.1), Math.floor(64 / 3));
  const flat = sharedColorScale([[[2, 2]]]);
  assert.deepEqual(flat.domain, [1.9, 2.1]);
  assert.equal(colorLevel(flat, 2), 32);
  assert.deepEqual(sharedColorScale([[[Number.NaN]]]).domain, [0, 1]);
});

test('colour levels: linear position, clamped ends, −1 for non-finite, −2 for unrecorded', () => {
  const scale = sharedColorScale([[[0, 64]]]);
  assert.equal(colorLevel(scale, 0), 0);
  assert.equal(colorLevel(scale, 10.5), 10);
  assert.equal(colorLevel(scale, 64), 63);
  assert.equal(colorLevel(scale, 1000), 63);
  assert.equal(colorLevel(scale, Number.NaN), -1);
  assert.equal(colorLevel(scale, -Infinity), -1);
  assert.equal(colorLevel(scale, null), -2);
});

test('the cells of a full run tile the plot exactly: rows × cols levels, merged paths, no gaps', () => {
  const run = fakeRun({ placement: 'pre', layers: 12, steps: 200, recordEvery: 10, seed: 1 });
  const scale = sharedColorScale([run.metrics.residualNorm]);
  const model = buildHeatmapModel('residualNorm', run.metrics.residualNorm, run.metrics.steps, scale);
  assert.equal(model.rows, 13);
  assert.equal(model.cols, 21);
  assert.equal(model.levels.length, 13 * 21);
  assert.equal(model.firstLayer, 0);
  const covered = model.paths.reduce((sum, p) => sum + area(p.d), 0);
  assert.ok(Math.abs(covered - model.plot.width * model.plot.height) < 0.5, `cells cover ${covered} of ${model.plot.width * model.plot.height}`);
  assert.equal(model.nonFiniteCount, 0);
  assert.equal(model.nonFinitePath, '');
  // Each path holds exactly the cells of its level.
  for (const path of model.paths) assert.ok(model.levels.includes(path.level));
  assert.deepEqual(model.yTicks.map((t) => t.label), ['0', '2', '4', '6', '8', '10', '12']);
  assert.deepEqual(model.xTicks.map((t) => t.label), ['0', '50', '100', '150', '200']);
});

test('a diverged run marks its non-finite cells and still draws the finite ones', () => {
  const run = fakeRun({ placement: 'post', layers: 6, steps: 100, recordEvery: 10, seed: 2, divergeAt: 70 });
  const scale = sharedColorScale([run.metrics.gradNorm]);
  const model = buildHeatmapModel('gradNorm', run.metrics.gradNorm, run.metrics.steps, scale);
  assert.equal(model.nonFiniteCount, 6 * 4, 'steps 70, 80, 90, 100 in each of 6 layers');
  const finiteArea = model.paths.reduce((sum, p) => sum + area(p.d), 0);
  const nanArea = area(model.nonFinitePath);
  assert.ok(Math.abs(nanArea / (finiteArea + nanArea) - 4 / 11) < 1e-3);
  assert.ok(Number.isFinite(scale.domain[0]) && Number.isFinite(scale.domain[1]));
});

test('a run still filling in keeps its x extent at the configured last step', () => {
  const run = fakeRun({ placement: 'pre', layers: 4, steps: 100, recordEvery: 10, seed: 3 });
  const partialSteps = run.metrics.steps.slice(0, 3);
  const partial = run.metrics.contribution.map((row) => row.slice(0, 3));
  const scale = sharedColorScale([partial]);
  const model = buildHeatmapModel('contribution', partial, partialSteps, scale, { lastStep: 100 });
  // 11 columns of 10 steps fill the plot once the run is done; three are drawn now.
  assert.ok(Math.abs(model.columnWidth[0] - model.plot.width / 11) < 1e-9);
  const covered = model.paths.reduce((sum, p) => sum + area(p.d), 0);
  assert.ok(Math.abs(covered - (3 / 11) * model.plot.width * model.plot.height) < 0.5);
});

test('cellAt maps a point back to its layer, step and value', () => {
  const run = fakeRun({ placement: 'pre', layers: 8, steps: 50, recordEvery: 5, seed: 4 });
  const scale = sharedColorScale([run.metrics.cosine]);
  const model = buildHeatmapModel('cosine', run.metrics.cosine, run.metrics.steps, scale);
  const px = model.plot.x + model.columnX[3] + model.columnWidth[3] / 2;
  const py = model.plot.y + 5.5 * model.rowHeight;
  assert.deepEqual(cellAt(model, px, py), { layer: 6, step: 15, value: run.metrics.cosine[5][3] });
  assert.equal(cellAt(model, model.plot.x - 1, py), null);
  assert.equal(cellAt(model, px, model.plot.y + model.plot.height + 1), null);
});

test('compared runs share one colour scale per metric, from all of them', () => {
  const pre = fakeRun({ placement: 'pre', layers: 12, steps: 100, recordEvery: 10, seed: 5 });
  const post = fakeRun({ placement: 'post', layers: 12, steps: 100, recordEvery: 10, seed: 5 });
  const comparison = buildComparison([pre, post]);
  const values = [...pre.metrics.residualNorm.flat(), ...post.metrics.residualNorm.flat()];
  assert.deepEqual(comparison.scales.residualNorm.domain, [Math.min(...values), Math.max(...values)]);
  assert.deepEqual(comparison.runs.map((r) => r.label), ['Pre-LN', 'Post-LN']);
  // The same value gets the same colour in both columns.
  for (const model of comparison.heatmaps.residualNorm) {
    for (const path of model.paths) assert.equal(path.color, comparison.scales.residualNorm.colors[path.level]);
  }
  // Pre-LN's grown stream reaches the top of the shared scale; Post-LN's flat one stays low on it.
  const [preModel, postModel] = comparison.heatmaps.residualNorm;
  assert.equal(Math.max(...preModel.levels), 63);
  assert.ok(Math.max(...postModel.levels) < 20);
  assert.equal(comparison.heatmaps.gradNorm.length, 2);
  assert.equal(comparison.heatmaps.contribution[0].firstLayer, 1);
});

test('labels: three significant figures, exponents at the extremes', () => {
  assert.equal(formatValue(1.23456), '1.23');
  assert.equal(formatValue(1234), '1234');
  assert.equal(formatValue(123456), '1.2e5');
  assert.equal(formatValue(0.0001234), '1.2e-4');
  assert.equal(formatValue(Number.NaN), 'NaN');
});
