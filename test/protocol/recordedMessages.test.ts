// Recorded runs cross the host↔panel boundary like probe runs (whole snapshots), checked on receipt:
// the header facts must be well formed, a recorded result carries no config, and the panel may only post
// probe snapshots back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostToWebview, isPanelState, isProbeSnapshot, isRecordedRunInfo, isRunSnapshot, isWebviewToHost } from '../../src/protocol/messages';
import { recordedResult, recordedSnapshot } from '../../src/core/runs/recorded';
import { readRunFile } from '../../src/core/runs/runFile';
import { everySteps, runFileText } from '../runs/runFixtures';
import { PROBE_CONFIG } from '../host/fixtures';

const wire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

function recorded(close = false) {
  const [run] = readRunFile(runFileText({ layers: 3, steps: everySteps(4), close })).runs;
  return recordedSnapshot(recordedResult(run, { file: 'runs/gpt.normscope.jsonl' }));
}

test('a recorded snapshot passes the host → webview guards after a JSON round trip', () => {
  const snapshot = recorded();
  assert.equal(snapshot.step, 30);
  assert.equal(snapshot.done, false, 'not closed: still training');
  assert.equal(recorded(true).done, true);
  assert.ok(isRunSnapshot(wire(snapshot)));
  assert.ok(isHostToWebview(wire({ type: 'snapshot', runId: 'file:runs/gpt', snapshot })));
  assert.ok(isHostToWebview(wire({ type: 'setRuns', runs: [{ runId: 'file:runs/gpt', label: 'gpt-small', snapshot, backendNote: null, error: null }] })));
  assert.ok(isPanelState(wire({ model: null, runs: [{ runId: 'file:runs/gpt', label: 'gpt-small', snapshot, backendNote: null, error: null }] })));
  assert.ok(isWebviewToHost({ type: 'runCommand', command: 'openRun' }));
});

test('malformed recorded runs are refused; the panel cannot post a recorded snapshot as its own', () => {
  const snapshot = wire(recorded()) as { result: { recorded: Record<string, unknown> } };
  const withInfo = (patch: Record<string, unknown>) => ({ ...snapshot, result: { ...snapshot.result, recorded: { ...snapshot.result.recorded, ...patch } } });
  assert.ok(isRecordedRunInfo(snapshot.result.recorded));
  for (const patch of [{ layers: 0 }, { source: 'tensorboard' }, { placement: 'conditional' }, { worldSize: 1.5 }, { closed: 'yes' }, { notes: [3] }, { dModel: -1 }]) {
    assert.ok(!isRunSnapshot(withInfo(patch)), JSON.stringify(patch));
  }
  // A recorded result with a config as well is neither one thing nor the other.
  assert.ok(!isRunSnapshot({ ...snapshot, result: { ...snapshot.result, config: PROBE_CONFIG } }));
  assert.ok(!isProbeSnapshot(snapshot));
  assert.ok(!isWebviewToHost({ type: 'snapshot', runId: 'r', snapshot }));
});
