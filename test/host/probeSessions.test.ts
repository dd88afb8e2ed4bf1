// The host's probe sessions against the real engine (reference CPU backend) and a fake panel port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProbe } from '../../src/core/probe/engine';
import type { ProbeConfig, ProbeSnapshot } from '../../src/core/probe/types';
import { ProbeSessions, type PanelPort } from '../../src/host/probeSessions';
import { RunStore, runKey } from '../../src/host/runStore';
import { createWebviewRunner } from '../../webview/ui/engineRunner';
import { PROBE_CONFIG } from './fixtures';

const config: ProbeConfig = { ...PROBE_CONFIG, layers: 2, dModel: 16, steps: 6, recordEvery: 2 };

function fakePanel() {
  const posted: Parameters<PanelPort['post']>[0][] = [];
  const recorded: string[] = [];
  const port: PanelPort = { post: (m) => posted.push(m), recordRun: (run) => recorded.push(run.runId) };
  return { port, posted, recorded };
}

test('backend = cpu runs the engine in the host: whole snapshots reach the store, the panel and hovers', async () => {
  const store = new RunStore();
  const { port, posted } = fakePanel();
  const sessions = new ProbeSessions(store, () => port, (c, signal) => runProbe(c, { signal }));
  const key = runKey('file:///m/gpt.py', 0);
  store.set(key, [{ runId: 'r1', label: 'Pre-LN', snapshot: null, backendNote: null, error: null }]);
  const steps: number[] = [];
  const last = await sessions.run({ runId: 'r1', label: 'Pre-LN', config, mode: 'cpu' }, (s) => steps.push(s.step), new AbortController().signal);
  assert.deepEqual(steps, [0, 2, 4, 6]);
  assert.equal(last?.done, true);
  assert.equal(posted.filter((m) => m.type === 'snapshot').length, 4);
  const run = store.get(key)[0];
  assert.equal(run.snapshot?.result.metrics.residualNorm.length, 3); // L + 1 rows
  assert.match(run.backendNote ?? '', /^cpu: normscope.probe.backend is "cpu"/);
  const forHover = store.resultFor(key, 'pre');
  assert.equal(forHover?.label, 'Pre-LN');
  assert.ok(Number.isFinite(forHover!.result.metrics.loss.at(-1)!));
});

test('a cancelled host run stops between steps and resolves with what it had', async () => {
  const store = new RunStore();
  const { port } = fakePanel();
  const sessions = new ProbeSessions(store, () => port, (c, signal) => runProbe(c, { signal }));
  store.set('k', [{ runId: 'r2', label: 'Post-LN', snapshot: null, backendNote: null, error: null }]);
  const abort = new AbortController();
  const last = await sessions.run({ runId: 'r2', label: 'Post-LN', config: { ...config, steps: 400, recordEvery: 1 } , mode: 'cpu' }, (s) => {
    if (s.step === 3) abort.abort();
  }, abort.signal);
  assert.ok(last && last.step <= 4 && !last.done, `stopped at ${last?.step}`);
  assert.equal(sessions.running, false);
});

test('webview runs go through the panel: startProbe out, snapshots and errors back in', async () => {
  const store = new RunStore();
  const { port, posted } = fakePanel();
  const sessions = new ProbeSessions(store, () => port, null);
  store.set('k', [{ runId: 'w1', label: 'Pre-LN', snapshot: null, backendNote: null, error: null }]);
  const running = sessions.run({ runId: 'w1', label: 'Pre-LN', config, mode: 'auto' }, () => undefined, new AbortController().signal);
  assert.deepEqual(posted.map((m) => m.type), ['startProbe']);
  const snapshots: ProbeSnapshot[] = [];
  for await (const s of runProbe(config)) snapshots.push(s);
  sessions.handleMessage({ type: 'backendChosen', runId: 'w1', backend: 'gpujs', reason: 'WebGL2 on NVIDIA' });
  for (const snapshot of snapshots) sessions.handleMessage({ type: 'snapshot', runId: 'w1', snapshot });
  const last = await running;
  assert.equal(last?.done, true);
  assert.equal(store.get('k')[0].snapshot?.step, 6);

  store.set('k2', [{ runId: 'w2', label: 'Post-LN', snapshot: null, backendNote: null, error: null }]);
  const failing = sessions.run({ runId: 'w2', label: 'Post-LN', config, mode: 'gpu' }, () => undefined, new AbortController().signal);
  sessions.handleMessage({ type: 'probeError', runId: 'w2', message: 'WebGL context lost' });
  await assert.rejects(failing, /WebGL context lost/);
  assert.equal(store.get('k2')[0].error, 'WebGL context lost');

  await assert.rejects(
    new ProbeSessions(store, () => undefined, null).run({ runId: 'w3', label: 'x', config, mode: 'auto' }, () => undefined, new AbortController().signal),
    /panel is closed/,
  );
});

test('the panel runner falls back to the reference CPU engine when the build has no gpu.js backend, and says so', async () => {
  const runner = createWebviewRunner(null);
  const seen: ProbeSnapshot[] = [];
  for await (const s of runner(config, { backend: 'gpujs', reason: 'WebGL2 on NVIDIA' }, new AbortController().signal)) seen.push(s);
  assert.equal(seen.at(-1)?.done, true);
  assert.equal(seen[0].result.config.backend, 'cpu');
  assert.equal(seen[0].result.backendNote, 'cpu: the gpu.js backend is not in this build (WebGL2 on NVIDIA)');
});

test('under auto, a panel whose backend choice falls on the CPU hands the run to the host, which finishes it', async () => {
  const store = new RunStore();
  const { port, posted } = fakePanel();
  const sessions = new ProbeSessions(store, () => port, (c, signal) => runProbe(c, { signal }));
  store.set('k', [{ runId: 'h1', label: 'Pre-LN', snapshot: null, backendNote: null, error: null }]);
  const steps: number[] = [];
  const running = sessions.run({ runId: 'h1', label: 'Pre-LN', config, mode: 'auto' }, (s) => steps.push(s.step), new AbortController().signal);
  const start = posted[0];
  assert.equal(start.type, 'startProbe');
  assert.equal(start.type === 'startProbe' && start.hostFallback, true);
  sessions.handleMessage({ type: 'backendChosen', runId: 'h1', backend: 'cpu', reason: 'WebGL2 is software-rendered (SwiftShader)' });
  const last = await running;
  assert.equal(last?.done, true);
  assert.deepEqual(steps, [0, 2, 4, 6]);
  assert.equal(posted.filter((m) => m.type === 'snapshot').length, 4, 'the host sends its snapshots to the panel');
  assert.match(store.get('k')[0].backendNote ?? '', /^cpu: WebGL2 is software-rendered \(SwiftShader\); runs in the extension host/);
  assert.match(last!.result.backendNote ?? '', /runs in the extension host on the wasm-SIMD backend/);
});

test('without a host runner the panel is told to keep CPU runs itself', async () => {
  const { port, posted } = fakePanel();
  const sessions = new ProbeSessions(new RunStore(), () => port, null);
  void sessions.run({ runId: 'h2', label: 'Pre-LN', config, mode: 'auto' }, () => undefined, new AbortController().signal).catch(() => undefined);
  const start = posted[0];
  assert.equal(start.type === 'startProbe' && start.hostFallback, false);
  sessions.cancel();
});
