import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostToWebview, isPanelState, isProbeSnapshot, isWebviewToHost } from '../../src/protocol/messages';
import type { HostToWebview, PanelState, WebviewToHost } from '../../src/protocol/messages';
import type { ProbeSnapshot } from '../../src/core/probe/types';
import { PROBE_CONFIG, gptBlock, probeResult } from '../host/fixtures';

const snapshot: ProbeSnapshot = { step: 4, totalSteps: 4, done: true, result: probeResult() };
/** Messages cross the boundary as JSON: NaN becomes null, undefined fields vanish. */
const wire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

test('every well-formed host → webview message passes its guard after a JSON round trip', () => {
  const messages: HostToWebview[] = [
    { type: 'setModel', model: { uri: 'file:///m/gpt.py', fileName: 'gpt.py', blockIndex: 0, block: gptBlock() } },
    { type: 'setModel', model: null },
    { type: 'setRuns', runs: [{ runId: 'r1', label: 'Pre-LN', snapshot, backendNote: null, error: null }] },
    { type: 'startProbe', runId: 'r1', label: 'Pre-LN', config: PROBE_CONFIG, mode: 'auto' },
    { type: 'cancelProbe', runId: 'r1' },
    { type: 'snapshot', runId: 'r1', snapshot },
  ];
  for (const message of messages) assert.ok(isHostToWebview(wire(message)), message.type);
});

test('every well-formed webview → host message passes its guard', () => {
  const messages: WebviewToHost[] = [
    { type: 'ready' },
    { type: 'reveal', uri: 'file:///m/gpt.py', line: 12, column: 4 },
    { type: 'snapshot', runId: 'r1', snapshot },
    { type: 'backendChosen', runId: 'r1', backend: 'cpu', reason: 'WebGL2 is software-rendered (SwiftShader)' },
    { type: 'probeError', runId: 'r1', message: 'boom' },
    { type: 'runCommand', command: 'compare' },
  ];
  for (const message of messages) assert.ok(isWebviewToHost(wire(message)), message.type);
});

test('malformed messages are refused: wrong type, missing fields, bad values, wrong direction', () => {
  const bad: unknown[] = [
    null, 42, 'ready', [], {}, { type: 'nope' },
    { type: 'reveal', uri: 'file:///x', line: 0, column: 0 },
    { type: 'reveal', uri: 'file:///x', line: 2.5, column: 0 },
    { type: 'reveal', line: 3, column: 0 },
    { type: 'runCommand', command: 'rm -rf' },
    { type: 'backendChosen', runId: 'r', backend: 'webgpu', reason: '' },
    { type: 'snapshot', runId: 'r', snapshot: { ...snapshot, step: -1 } },
    { type: 'snapshot', runId: 'r', snapshot: { ...snapshot, result: { ...snapshot.result, metrics: { ...snapshot.result.metrics, loss: 'low' } } } },
    { type: 'setModel', model: null }, // host → webview only
  ];
  for (const message of bad) assert.ok(!isWebviewToHost(message), JSON.stringify(message)?.slice(0, 80));
  assert.ok(!isHostToWebview({ type: 'ready' }));
  assert.ok(!isHostToWebview({ type: 'startProbe', runId: 'r', label: 'x', config: { ...PROBE_CONFIG, placement: 'conditional' }, mode: 'auto' }));
  assert.ok(!isHostToWebview({ type: 'startProbe', runId: 'r', label: 'x', config: { ...PROBE_CONFIG, layers: 1.5 }, mode: 'auto' }));
  assert.ok(!isHostToWebview({ type: 'startProbe', runId: 'r', label: 'x', config: PROBE_CONFIG, mode: 'tpu' }));
  assert.ok(!isHostToWebview({ type: 'setModel', model: { uri: 'u', fileName: 'f', blockIndex: 0, block: { ...gptBlock(), placement: 'weird' } } }));
});

test('a diverged run (NaN metrics arrive as null) is still a valid snapshot', () => {
  const result = probeResult();
  result.metrics.loss[2] = NaN;
  result.metrics.residualNorm[3][2] = Infinity;
  result.diverged = { step: 4, what: 'loss' };
  assert.ok(isProbeSnapshot(wire({ step: 4, totalSteps: 4, done: true, result })));
});

test('persisted panel state round-trips and is checked on restore', () => {
  const state: PanelState = {
    model: { uri: 'file:///m/gpt.py', fileName: 'gpt.py', blockIndex: 0, block: gptBlock() },
    runs: [{ runId: 'r1', label: 'Pre-LN', snapshot: null, backendNote: 'cpu: asked for', error: null }],
  };
  assert.ok(isPanelState(wire(state)));
  assert.ok(!isPanelState({ model: null, runs: [{ runId: 'r1' }] }));
  assert.ok(!isPanelState(undefined));
});
