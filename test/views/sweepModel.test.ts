// The sweep's charts: points at the measured numbers on a log₂ depth axis, Pre-LN's predicted band, one
// colour per placement across charts, nothing drawn where nothing was measured; and their SVG snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preLnLastContribution } from '../../src/core/probe/sweep';
import { buildSweepViewModel } from '../../webview/views/sweepModel';
import { renderSweep, renderSweepChart } from '../../webview/views/sweepView';
import { fixtureSweep } from '../sweep/sweepFixtures';
import { assertSnapshot, newDocument } from './snapshot';

/** The value at pixel y, read back from the first two (linear) ticks. */
function valueAt(ticks: { y: number; label: string }[], y: number): number {
  const [a, b] = ticks;
  return Number(a.label) + ((y - a.y) * (Number(b.label) - Number(a.label))) / (b.y - a.y);
}

test('depth axis: log₂, ticked at the swept depths, equal steps for each doubling', () => {
  const { charts } = buildSweepViewModel(fixtureSweep(true));
  const ticks = charts[0].xTicks;
  assert.deepEqual(ticks.map((t) => t.label), ['6', '12', '24', '48']);
  const gaps = ticks.slice(1).map((t, i) => t.x - ticks[i].x);
  for (const gap of gaps) assert.ok(Math.abs(gap - gaps[0]) < 0.02, `doublings are equally spaced (${gaps.join(', ')})`);
});

test('final loss: a dot per finished run at its loss; the diverged run has none; the optimum dashed', () => {
  const loss = buildSweepViewModel(fixtureSweep(true)).charts[0];
  const pre = loss.points.filter((p) => p.label.startsWith('Pre-LN'));
  assert.equal(pre.length, 4);
  pre.forEach((p, i) => assert.ok(Math.abs(valueAt(loss.yTicks, p.y) - [1.8, 1.7, 1.65, 1.6][i]) < 0.005, p.label));
  assert.equal(loss.points.filter((p) => p.label.startsWith('Post-LN')).length, 3, 'L = 48 diverged: no point');
  const optimum = loss.lines.find((l) => l.style === 'dashed')!;
  assert.match(optimum.label, /^optimal loss 1\.23/);
  assert.ok(Math.abs(valueAt(loss.yTicks, Number(/,([\d.]+)H/.exec(optimum.d)![1])) - 1.23) < 0.005);
});

test('last contribution: trained solid, at init hollow, Pre-LN\'s predicted band spans √(δ/(1+Lδ)) at each depth', () => {
  const chart = buildSweepViewModel(fixtureSweep(true)).charts[1];
  assert.deepEqual(chart.lines.map((l) => [l.label, l.style]), [
    ['Pre-LN', 'solid'], ['Post-LN', 'solid'], ['Pre-LN at init', 'dashed'], ['Post-LN at init', 'dashed'],
  ]);
  const hollow = chart.points.filter((p) => p.hollow && p.label.startsWith('Pre-LN at init'));
  assert.deepEqual(hollow.map((p) => Math.round(valueAt(chart.yTicks, p.y) * 1000) / 1000), [0.4, 0.3, 0.2, 0.14]);
  assert.equal(chart.bands.length, 1);
  // The band's top edge at L = 6 (the path's first point) is the upper prediction there.
  const firstY = Number(/^M[\d.]+,([\d.]+)/.exec(chart.bands[0].d)![1]);
  assert.ok(Math.abs(valueAt(chart.yTicks, firstY) - preLnLastContribution(6).upper) < 0.002);
  const colours = new Map(chart.points.map((p) => [p.label.split(',')[0].replace(' at init', ''), p.colorClass]));
  assert.notEqual(colours.get('Pre-LN'), colours.get('Post-LN'));
  assert.equal(chart.bands[0].colorClass, colours.get('Pre-LN'), 'the prediction wears Pre-LN\'s colour');
});

test('layer importance: shares drawn when recorded (Pre-LN below ⅓, Post-LN at ⅓); said, not drawn, when not', () => {
  const chart = buildSweepViewModel(fixtureSweep(true)).charts[2];
  assert.equal(chart.empty, null);
  for (const p of chart.points.filter((q) => q.label.startsWith('Pre-LN'))) assert.ok(valueAt(chart.yTicks, p.y) < 0.3, p.label);
  for (const p of chart.points.filter((q) => q.label.startsWith('Post-LN'))) assert.ok(Math.abs(valueAt(chart.yTicks, p.y) - 1 / 3) < 0.005, p.label);
  const none = buildSweepViewModel(fixtureSweep(false));
  assert.deepEqual(none.charts[2].points, []);
  assert.deepEqual(none.charts[2].lines, []);
  assert.match(none.charts[2].empty!, /not recorded/);
  assert.deepEqual(none.missing, ['LayerNorm Scaling: the probe engine cannot train it yet, so it has no points']);
});

test('sweep snapshots: the three charts, with and without layer importance', () => {
  const model = buildSweepViewModel(fixtureSweep(true));
  for (const chart of model.charts) assertSnapshot(`sweep-${chart.kind.replace('sweep-', '')}`, renderSweepChart(newDocument().body, chart));
  assertSnapshot('sweep-importance-missing', renderSweepChart(newDocument().body, buildSweepViewModel(fixtureSweep(false)).charts[2]));
});

test('the whole sweep view: three charts, each placement\'s block, the missing placements, the table; no style attributes (panel CSP)', () => {
  const doc = newDocument();
  renderSweep(doc.body, buildSweepViewModel(fixtureSweep(true)));
  assert.equal(doc.querySelectorAll('svg.ns-chart').length, 3);
  assert.deepEqual([...doc.querySelectorAll('.ns-sweep-diagrams svg.ns-diagram .ns-title')].map((t) => t.textContent),
    ['probe block · Pre-LN', 'probe block · Post-LN', 'probe block · LayerNorm Scaling'], 'the untrainable cure is still drawn');
  assert.equal(doc.querySelector('.ns-sweep-missing li')!.textContent, 'LayerNorm Scaling: the probe engine cannot train it yet, so it has no points');
  const rows = [...doc.querySelectorAll('.ns-sweep-table tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
  assert.deepEqual(rows[0], ['Pre-LN', 'final loss', '1.8', '1.7', '1.65', '1.6']);
  assert.deepEqual(rows[4].slice(0, 2).concat(rows[4].slice(-1)), ['Post-LN', 'final loss', 'diverged at 40']);
  assert.deepEqual([...doc.querySelectorAll('[style]')].map((e) => e.tagName), []);
});
