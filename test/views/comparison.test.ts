// The comparison view: run labels, and re-rendering in place as a live run's snapshots arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeResult } from '../../src/core/probe/types';
import { buildComparison, labelRuns } from '../../webview/views/compare';
import { renderComparison, theoryNotes } from '../../webview/views/comparisonView';
import { fakeRun } from './fakeRuns';
import { newDocument } from './snapshot';

test('runs that share a placement are told apart by what differs', () => {
  const a = fakeRun({ placement: 'post', layers: 4, steps: 10, recordEvery: 10, seed: 1 });
  const b = fakeRun({ placement: 'post', layers: 4, steps: 10, recordEvery: 10, seed: 1 });
  b.config.warmup = 100;
  const c = fakeRun({ placement: 'none', layers: 4, steps: 10, recordEvery: 10, seed: 1 });
  c.config.rezero = true;
  assert.deepEqual(labelRuns([a, b, c]).map((r) => r.label), [
    'Post-LN · lr 0.001 · warm-up 0 · seed 1', 'Post-LN · lr 0.001 · warm-up 100 · seed 1', 'No norm (ReZero)',
  ]);
});

/** The first `columns` recorded steps of a run, as a live snapshot carries them. */
function partial(run: ProbeResult, columns: number): ProbeResult {
  const cut = (rows: (number | null)[][]): (number | null)[][] => rows.map((row) => row.slice(0, columns));
  const m = run.metrics;
  return {
    ...run,
    metrics: {
      ...m, steps: m.steps.slice(0, columns), residualNorm: cut(m.residualNorm) as number[][], sumNorm: cut(m.sumNorm),
      contribution: cut(m.contribution) as number[][], gradNorm: cut(m.gradNorm) as number[][], cosine: cut(m.cosine) as number[][],
      loss: m.loss.slice(0, columns), lr: m.lr.slice(0, columns),
    },
  };
}

test('a live run re-renders in place: one set of views, filling in, the x extent fixed at the configured steps', () => {
  const doc = newDocument();
  const pre = fakeRun({ placement: 'pre', layers: 6, steps: 100, recordEvery: 10, seed: 2 });
  const post = fakeRun({ placement: 'post', layers: 6, steps: 100, recordEvery: 10, seed: 2 });
  const widths: number[] = [];
  for (const columns of [1, 4, 11]) {
    const model = buildComparison([partial(pre, columns), partial(post, columns)]);
    renderComparison(doc.body, model);
    assert.equal(doc.querySelectorAll('svg.ns-heatmap').length, 8);
    assert.equal(doc.querySelectorAll('svg.ns-chart-loss').length, 1);
    assert.equal(doc.querySelectorAll('.ns-cell-header').length, 2);
    const heatmap = model.heatmaps.residualNorm[0];
    widths.push(heatmap.columnWidth[0]);
    assert.equal(heatmap.cols, columns);
  }
  assert.ok(widths.every((w) => Math.abs(w - widths[0]) < 1e-9), 'columns keep their width as the run fills in');
});

test('theory notes every run shares are listed once, the rest under their run', () => {
  const model = buildComparison([
    fakeRun({ placement: 'pre', layers: 4, steps: 10, recordEvery: 10, seed: 3 }),
    fakeRun({ placement: 'post', layers: 4, steps: 10, recordEvery: 10, seed: 3 }),
  ]);
  const notes = theoryNotes(model);
  assert.equal(notes.filter((n) => n.startsWith('Units:')).length, 1);
  assert.ok(notes.some((n) => n.startsWith('Post-LN: Post-LN blocks need learning-rate warm-up')));
  assert.ok(!notes.some((n) => n.startsWith('Pre-LN: Units:')));
});
