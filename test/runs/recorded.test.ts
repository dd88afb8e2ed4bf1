// A recorded run as the views see it: its placement from the header or the analyzer (or none, said so),
// theory only when the placement is known, and a long run thinned for the panel without losing its ends
// or the step where it diverged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRunFile } from '../../src/core/runs/runFile';
import { recordedResult, runInterval, runLastStep, runPlacement, runTheory, thinRecorded } from '../../src/core/runs/recorded';
import { PANEL_COLUMNS, panelRunView } from '../../src/host/runFollower';
import { buildComparison } from '../../webview/views/compare';
import { everySteps, header, residualAt, runFileText, stepRecord } from './runFixtures';
import { probeResult } from '../host/fixtures';

const read = (text: string) => readRunFile(text).runs[0];

test('placement: the header, else the analyzer (with a note), else none: no diagram, no theory', () => {
  const given = recordedResult(read(runFileText({ layers: 4, steps: everySteps(3), placement: 'post' })), { file: 'a' });
  assert.equal(runPlacement(given), 'post');
  assert.equal(runTheory(given)?.placement, 'post');
  assert.equal(runLastStep(given), 20);
  assert.equal(runInterval(given), 10);
  const unknownRun = read(runFileText({ layers: 4, steps: everySteps(3), placement: null }));
  const detected = recordedResult(unknownRun, { file: 'a', detected: { placement: 'sandwich', from: 'gemma.py (Block)' } });
  assert.equal(runPlacement(detected), 'sandwich');
  assert.match(detected.recorded.notes[0], /Placement sandwich detected by the analyzer in gemma\.py \(Block\); the run file does not say/);
  const unknown = recordedResult(unknownRun, { file: 'a' });
  assert.equal(runTheory(unknown), null);
  const comparison = buildComparison([probeResult(), unknown]);
  assert.ok(comparison.diagrams[0], 'the probe draws its block');
  assert.equal(comparison.diagrams[1], null, 'the unknown placement draws none');
  assert.deepEqual(comparison.runs.map((r) => r.label), ['Pre-LN', 'gpt-small']);
  const resumed = recordedResult(read(runFileText({ layers: 2, steps: [500, 510] })), { file: 'r' });
  assert.match(resumed.recorded.notes.join(' '), /The first recorded step is 500, not 0: the charts "at initialisation" show step 500/);
  assert.ok(!given.recorded.notes.some((n) => /first recorded step/.test(n)));
  assert.equal(comparison.heatmaps.residualNorm[1].rows, 5);
  assert.equal(comparison.heatmaps.residualNorm[1].cols, 3);
});

test('a long run is thinned for the panel: at most PANEL_COLUMNS steps, its ends and its divergence kept, values unchanged', () => {
  const lines = [JSON.stringify(header({ layers: 3, steps: [] }))];
  for (const s of everySteps(1000)) {
    lines.push(JSON.stringify(s === 5550 ? { ...stepRecord(3, s), loss: null, nonFinite: ['loss'] } : stepRecord(3, s)));
  }
  const full = recordedResult(read(`${lines.join('\n')}\n`), { file: 'long' });
  assert.deepEqual(full.diverged, { step: 5550, what: 'loss' });
  const thin = thinRecorded(full, PANEL_COLUMNS);
  const steps = thin.metrics.steps;
  // One step in four (the smallest power of two that fits 1,000 steps into 400 columns), the last, the divergence.
  assert.ok(steps.length <= PANEL_COLUMNS + 1 && steps.length > PANEL_COLUMNS / 2, `${steps.length} columns`);
  assert.deepEqual(steps.slice(0, 3), [0, 40, 80]);
  assert.equal(steps[0], 0);
  assert.equal(steps.at(-1), 9990);
  assert.ok(steps.includes(5550), 'the divergence stays visible');
  for (const [i, s] of steps.entries()) assert.equal(thin.metrics.residualNorm[2][i], residualAt(2, s));
  assert.ok(Number.isNaN(thin.metrics.loss[steps.indexOf(5550)]));
  assert.match(thin.recorded.notes.at(-1)!, new RegExp(`Drawn from ${steps.length} of its 1000 recorded steps`));
  assert.equal(full.metrics.steps.length, 1000, 'the full run is untouched');
  const view = { runId: 'r', label: 'long', snapshot: { step: 9990, totalSteps: 9990, done: false, result: full }, backendNote: null, error: null };
  assert.equal(panelRunView(view).snapshot!.result.metrics.steps.length, steps.length);
  const short = recordedResult(read(runFileText({ layers: 2, steps: everySteps(10) })), { file: 's' });
  assert.equal(thinRecorded(short, PANEL_COLUMNS), short);
  const probe = { ...view, snapshot: { step: 4, totalSteps: 4, done: true, result: probeResult() } };
  assert.equal(panelRunView(probe), probe);
});
