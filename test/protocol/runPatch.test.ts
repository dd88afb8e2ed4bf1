// A growing recorded run is sent as its new columns: spliced onto what the panel has, they give exactly the
// run sent whole; anything else (a probe run, another recording, a divergence, a changed list) goes whole.
// The thinning keeps its columns as a run grows, so whole resends happen only when its stride doubles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunFileReader, readRunFile } from '../../src/core/runs/runFile';
import { recordedResult, recordedSnapshot, thinRecorded, thinStride } from '../../src/core/runs/recorded';
import { columnsKept, extendColumns, runExtensions, sliceColumns } from '../../src/protocol/runPatch';
import { isHostToWebview } from '../../src/protocol/messages';
import type { RunView } from '../../src/protocol/messages';
import { PANEL_COLUMNS, panelRunView } from '../../src/host/runFollower';
import { everySteps, header, runFileLines, stepRecord } from '../runs/runFixtures';
import { probeResult } from '../host/fixtures';

const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The panel's view of a run file cut after `steps` recorded steps, as the host sends it (thinned). */
function viewAt(lines: readonly string[], steps: number, started = '2026-12-04T08:00:00Z'): RunView {
  const text = lines.slice(0, steps + 1).join('').replace('2026-12-04T08:00:00Z', started);
  const result = recordedResult(readRunFile(text).runs[0], { file: 'g.normscope.jsonl' });
  return panelRunView({ runId: 'recorded:g#0', label: 'gpt-small', snapshot: recordedSnapshot(result), backendNote: null, error: null });
}

test('the new columns of a grown run, spliced onto the old copy, equal the grown run sent whole, short or thinned', () => {
  const lines = runFileLines({ layers: 3, steps: everySteps(1000) });
  for (const [from, to] of [[5, 6], [5, 40], [700, 701], [700, 705], [999, 1000]]) {
    const before = wire(viewAt(lines, from));
    const after = viewAt(lines, to);
    const extensions = runExtensions([before], [after]);
    assert.ok(extensions, `${from} → ${to} steps extends`);
    assert.equal(extensions.length, 1);
    const [extension] = wire(extensions);
    assert.ok(isHostToWebview({ type: 'extendRun', ...extension }), 'the message passes the webview guard');
    const sentColumns = extension.snapshot.result.metrics.steps.length;
    assert.ok(sentColumns <= to - from + 1, `${from} → ${to}: ${sentColumns} columns sent`);
    assert.deepEqual(extendColumns(before.snapshot!, extension.from, extension.snapshot), wire(after.snapshot));
  }
});

test('a run is sent whole when it is not the same recording grown: restarted file, divergence, other runs, probe runs', () => {
  const lines = runFileLines({ layers: 3, steps: everySteps(50) });
  const before = viewAt(lines, 20);
  assert.equal(columnsKept(before, viewAt(lines, 30, '2026-12-05T09:00:00Z')), null, 'a new run replaced the file');
  assert.deepEqual(runExtensions([before], [before]), [], 'nothing changed: nothing sent');
  assert.equal(runExtensions([before], [before, viewAt(lines, 30)]), null, 'a run joined');
  const diverging = [JSON.stringify(header({ layers: 3, steps: [] })), ...everySteps(30).map((s) => JSON.stringify(s === 250 ? { ...stepRecord(3, s), loss: null, nonFinite: ['loss'] } : stepRecord(3, s)))].map((l) => `${l}\n`);
  assert.equal(columnsKept(viewAt(diverging, 20), viewAt(diverging, 30)), null, 'the divergence appeared');
  const probe: RunView = { runId: 'p', label: 'Pre-LN', snapshot: { step: 4, totalSteps: 4, done: true, result: probeResult() }, backendNote: null, error: null };
  assert.equal(runExtensions([probe], [{ ...probe, snapshot: { ...probe.snapshot!, step: 5 } }]), null);
  const sliced = sliceColumns(viewAt(lines, 20).snapshot!, 15);
  assert.equal(extendColumns(viewAt(lines, 10).snapshot!, 15, sliced), null, 'more columns kept than the copy has: it does not fit');
});

test('thinning keeps its columns while a run grows: whole resends only when the stride doubles, at most PANEL_COLUMNS columns', () => {
  const lines = runFileLines({ layers: 2, steps: everySteps(1700) });
  const reader = readRunFile(lines.join('')).runs[0];
  const full = recordedResult(reader, { file: 'g' });
  let previous: number[] | null = null;
  let resends = 0;
  for (let n = 350; n <= 1700; n++) {
    const cut = { ...full, metrics: { ...full.metrics, steps: full.metrics.steps.slice(0, n), loss: full.metrics.loss.slice(0, n), lr: full.metrics.lr.slice(0, n),
      residualNorm: full.metrics.residualNorm.map((r) => r.slice(0, n)), sumNorm: full.metrics.sumNorm.map((r) => r.slice(0, n)), contribution: full.metrics.contribution.map((r) => r.slice(0, n)),
      cosine: full.metrics.cosine.map((r) => r.slice(0, n)), gradNorm: full.metrics.gradNorm.map((r) => r.slice(0, n)), gradNormAttnOut: full.metrics.gradNormAttnOut.map((r) => r.slice(0, n)), gradNormMlpOut: full.metrics.gradNormMlpOut.map((r) => r.slice(0, n)) } };
    const steps = thinRecorded(cut, PANEL_COLUMNS).metrics.steps;
    assert.ok(steps.length <= PANEL_COLUMNS && steps.length > PANEL_COLUMNS / 2 - 2, `${n} steps: ${steps.length} columns`);
    assert.equal(steps[0], 0);
    assert.equal(steps.at(-1), (n - 1) * 10);
    if (previous) {
      let kept = 0;
      while (kept < previous.length && previous[kept] === steps[kept]) kept++;
      // One more step changes at most the last column (unless the stride doubled).
      if (kept < previous.length - 1) resends++;
    }
    previous = steps;
  }
  // Stride 2 leaves floor((n − 1)/2) + 2 ≤ 400 columns up to n = 798; stride 4 up to n = 1,596.
  assert.deepEqual([798, 799, 1596, 1597].map((n) => thinStride(n, PANEL_COLUMNS)), [2, 4, 4, 8]);
  assert.equal(resends, 3, 'from 350 to 1,700 steps: thinned at 401 (stride 2), then 4 at 799, 8 at 1,597: the run goes whole three times');
});

test('a short run read live: the views share the reader\'s growing arrays, so the columns sent are remembered as a copy', () => {
  const lines = runFileLines({ layers: 3, steps: everySteps(12), close: true });
  const reader = new RunFileReader();
  const live = () => panelRunView({ runId: 'r', label: 'gpt-small', snapshot: recordedSnapshot(recordedResult(reader.state.runs[0], { file: 'g' })), backendNote: null, error: null });
  reader.push(lines.slice(0, 4).join(''));
  const first = live();
  const panelCopy = wire(first);
  const sent = [...first.snapshot!.result.metrics.steps];
  reader.push(lines.slice(4).join(''));
  const grown = live();
  assert.equal(first.snapshot!.result.metrics.steps.length, 12, 'the old view grew with the reader (why a copy is needed)');
  const extensions = runExtensions([first], [grown], () => sent);
  assert.ok(extensions);
  assert.equal(extensions[0].from, 3);
  assert.deepEqual(extendColumns(panelCopy.snapshot!, extensions[0].from, wire(extensions[0].snapshot)), wire(grown.snapshot));
  assert.equal(wire(grown.snapshot!.result).recorded?.closed, true);
  assert.deepEqual(runExtensions([grown], [grown], () => [...grown.snapshot!.result.metrics.steps]), [], 'the same view, nothing new: nothing sent');
});
