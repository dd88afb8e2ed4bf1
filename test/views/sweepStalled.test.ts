// Stalled runs in a sweep (src/core/probe/stall.ts): measured, so still drawn and listed, but faded, kept
// off their placement's line, and explained, in the charts and table the panel and HTML report share, and
// in the CLI's text table; the plateau they sit on is drawn on the loss chart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSweepTable } from '../../src/cli/sweepOutput';
import { isHostToWebview } from '../../src/protocol/messages';
import { STALLED_LEGEND, buildSweepViewModel } from '../../webview/views/sweepModel';
import { renderSweep, renderSweepChart } from '../../webview/views/sweepView';
import { fixtureSweep, fixtureSweepStalled } from '../sweep/sweepFixtures';
import { assertSnapshot, newDocument } from './snapshot';

/** The value at pixel y, read back from the first two (linear) ticks. */
function valueAt(ticks: { y: number; label: string }[], y: number): number {
  const [a, b] = ticks;
  return Number(a.label) + ((y - a.y) * (Number(b.label) - Number(a.label))) / (b.y - a.y);
}

/** The x coordinates a path's points sit at. */
const pathXs = (d: string): number[] => [...d.matchAll(/[ML](-?[\d.]+),/g)].map((m) => Number(m[1]));

test('importance chart: the stalled runs\' 1.0 keeps a faded ring, off Post-LN\'s line, with why in its tooltip', () => {
  const sweep = fixtureSweepStalled();
  const chart = buildSweepViewModel(sweep).charts[2];
  const post = chart.points.filter((p) => p.label.startsWith('Post-LN'));
  assert.deepEqual(post.map((p) => p.stalled), [false, true, true]);
  for (const p of post.filter((q) => q.stalled)) {
    assert.ok(Math.abs(valueAt(chart.yTicks, p.y) - 1) < 0.005, `${p.label} is drawn at its measured share`);
    assert.match(p.label, /\(stalled: loss \S+ stayed above \S+, the unigram plateau \S+\)$/);
  }
  // Post-LN's line joins only the run that trained (L = 6); with one point it is a lone dot's path.
  const line = chart.lines.find((l) => l.label === 'Post-LN')!;
  assert.deepEqual(pathXs(line.d), [post[0].x]);
  assert.ok(chart.legend.some((l) => l.label === STALLED_LEGEND));
  // Without stalls nothing changes: no faded dots, no legend entry.
  const plain = buildSweepViewModel(fixtureSweep(true)).charts[2];
  assert.ok(plain.points.every((p) => !p.stalled));
  assert.ok(!plain.legend.some((l) => l.label === STALLED_LEGEND));
});

test('loss chart: the unigram plateau is drawn once a run stalled on it; the stalled losses sit near it', () => {
  const sweep = fixtureSweepStalled();
  const loss = buildSweepViewModel(sweep).charts[0];
  const plateau = sweep.points.find((p) => p.stalled)!.stalled!.plateau;
  const line = loss.lines.find((l) => l.label.startsWith('unigram plateau'))!;
  assert.ok(line, 'a plateau line');
  assert.ok(Math.abs(valueAt(loss.yTicks, Number(/,([\d.]+)H/.exec(line.d)![1])) - plateau) < 0.01);
  for (const p of loss.points.filter((q) => q.stalled)) assert.ok(Math.abs(valueAt(loss.yTicks, p.y) - plateau) < 0.05, p.label);
  assert.ok(!buildSweepViewModel(fixtureSweep(true)).charts[0].lines.some((l) => l.label.startsWith('unigram plateau')), 'no stall, no plateau line');
});

test('the panel\'s table greys the stalled runs\' cells and says why; the message carrying them passes the guard', () => {
  const sweep = fixtureSweepStalled();
  assert.ok(isHostToWebview(JSON.parse(JSON.stringify({ type: 'setSweep', sweep }))));
  const malformed = { ...sweep, points: [{ ...sweep.points[5], stalled: { loss: 'high' } }] };
  assert.equal(isHostToWebview(JSON.parse(JSON.stringify({ type: 'setSweep', sweep: malformed }))), false);
  const doc = newDocument();
  renderSweep(doc.body, buildSweepViewModel(sweep));
  const greyed = [...doc.querySelectorAll('.ns-sweep-table td.ns-stalled-cell')].map((td) => td.textContent);
  assert.equal(greyed.length, 2 * 4, 'two stalled runs × four measures');
  assert.ok(greyed.every((text) => /\(stalled\)$/.test(text ?? '')), JSON.stringify(greyed));
  const shares = [...doc.querySelectorAll('.ns-sweep-table tbody tr')].find((tr) => /Post-LN.*last third/.test(tr.textContent ?? ''))!;
  assert.deepEqual([...shares.querySelectorAll('td')].slice(2).map((td) => td.textContent), ['0.333', '1 (stalled)', '1 (stalled)', 'diverged at 40']);
  assert.match(doc.querySelector('.ns-sweep-table caption')!.textContent ?? '', /greyed: stalled on the unigram plateau/);
  assert.equal(doc.querySelectorAll('svg.ns-chart-sweep-importance .ns-point-stalled').length, 2);
  assertSnapshot('sweep-importance-stalled', renderSweepChart(newDocument().body, buildSweepViewModel(sweep).charts[2]));
});

test('the CLI table marks the stalled runs with ~ and says what a stall is, with the plateau\'s numbers', () => {
  const sweep = fixtureSweepStalled();
  const text = formatSweepTable(sweep);
  const row = text.split('\n').slice(text.split('\n').findIndex((l) => l.startsWith('layer importance'))).find((l) => l.trim().startsWith('post'))!;
  assert.deepEqual(row.trim().split(/\s+/), ['post', '0.33', '1.00~', '1.00~', 'div@40']);
  const { plateau, threshold, optimum } = sweep.points.find((p) => p.stalled)!.stalled!;
  assert.ok(text.includes(`~ stalled: its loss stayed above ${threshold.toFixed(2)}, on the unigram plateau ${plateau.toFixed(2)} (optimum ${optimum.toFixed(2)}); its layer importance is not depth use`));
  assert.match(text, new RegExp(`stalled: post L=12 \\(loss ${(plateau + 0.01).toFixed(2)}\\), post L=24 \\(loss ${(plateau - 0.02).toFixed(2)}\\)`));
  assert.ok(!/~/.test(formatSweepTable(fixtureSweep(true))), 'no stall, no mark');
});
