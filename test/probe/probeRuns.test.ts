// The Node run pool the CLI and the extension host share (src/node/probeRuns.ts): concurrent runs in
// worker threads give exactly the results of the same runs one after another, in the configs' order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultProbeConfig } from '../../src/core/probe/probeConfig';
import { matmulThreads, runHostProbe } from '../../src/node/cpuProbe';
import { runProbes } from '../../src/node/probeRuns';

const configs = (['pre', 'post', 'sandwich'] as const).map((placement) =>
  defaultProbeConfig({ placement, layers: 2, dModel: 16, heads: 4, seq: 8, batch: 2, vocab: 16, steps: 6, recordEvery: 2 }));

test('runProbes: three runs on two workers equal the same runs in sequence, bit for bit, in order', async () => {
  const snapshots: number[] = [];
  const concurrent = await runProbes(configs, { request: 'cpu', signal: new AbortController().signal, concurrency: 2, onSnapshot: (index) => snapshots.push(index) });
  const sequential = await runProbes(configs, { request: 'cpu', signal: new AbortController().signal, concurrency: 1 });
  assert.equal(concurrent.concurrency, 2);
  assert.equal(sequential.concurrency, 1);
  assert.deepEqual(concurrent.results.map((r) => r.config.placement), ['pre', 'post', 'sandwich']);
  assert.deepEqual(concurrent.results.map((r) => r.metrics), sequential.results.map((r) => r.metrics));
  assert.deepEqual([...new Set(snapshots)].sort(), [0, 1, 2]);
});

test('runProbes: an abort before the start runs nothing; the host runner yields every recorded step', async () => {
  const abort = new AbortController();
  abort.abort();
  const outcome = await runProbes(configs, { request: 'cpu', signal: abort.signal, concurrency: 2 });
  assert.deepEqual(outcome.results, []);
  const steps: number[] = [];
  for await (const snapshot of runHostProbe(configs[0])) steps.push(snapshot.step);
  assert.deepEqual(steps, [0, 2, 4, 6]);
});

test('matmulThreads: a second matmul thread only for d ≥ 256 with a core to spare', () => {
  assert.equal(matmulThreads({ dModel: 64 }, 8), 1);
  assert.equal(matmulThreads({ dModel: 256 }, 2), 2);
  assert.equal(matmulThreads({ dModel: 512 }, 1), 1);
});
