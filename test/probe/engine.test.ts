// The probe run: metric shapes and recording steps, learning the synthetic task, determinism,
// cancellation, divergence, clamping, and the counterpart placements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { learningRate, runProbe, runProbeToEnd } from '../../src/core/probe/engine';
import { PROBE_LIMITS, clampProbeConfig, counterparts, defaultProbeConfig, estimateFloats, probeConfigFor } from '../../src/core/probe/probeConfig';
import { createBatchStream, createMarkovTask, sampleBatch } from '../../src/core/probe/task';
import type { ProbePlacement } from '../../src/core/probe/types';

const small = defaultProbeConfig({ layers: 2, dModel: 16, heads: 2, seq: 8, batch: 8, vocab: 16, steps: 12, recordEvery: 5, lr: 3e-3 });

test('a run records step 0, every recordEvery steps and the last step, with L+1 and L rows', async () => {
  const snapshots = [];
  for await (const snapshot of runProbe(small)) snapshots.push(snapshot);
  const result = snapshots.at(-1)!.result;
  assert.deepEqual(result.metrics.steps, [0, 5, 10, 12]);
  assert.deepEqual(snapshots.map((s) => [s.step, s.done]), [[0, false], [5, false], [10, false], [12, true]]);
  assert.equal(result.metrics.residualNorm.length, 3);
  assert.equal(result.metrics.sumNorm.length, 3);
  for (const key of ['contribution', 'cosine', 'gradNorm', 'gradNormAttnOut', 'gradNormMlpOut'] as const) {
    assert.equal(result.metrics[key].length, 2, key);
    for (const row of result.metrics[key]) assert.equal(row.length, 4);
  }
  assert.equal(result.metrics.loss.length, 4);
  assert.equal(result.diverged, null);
  // Snapshots are whole and independent: an early one is not changed by later steps.
  assert.equal(snapshots[0].result.metrics.steps.length, 1);
  // gradNorm is the root-sum-square of its two parts.
  const [a, m, total] = [result.metrics.gradNormAttnOut[1][2], result.metrics.gradNormMlpOut[1][2], result.metrics.gradNorm[1][2]];
  assert.ok(Math.abs(Math.hypot(a, m) - total) < 1e-9 * total);
});

test('the loss falls from about log V toward the task optimum', async () => {
  const config = { ...small, steps: 80, recordEvery: 80, lr: 1e-2 };
  const result = await runProbeToEnd(config);
  const [first, last] = [result.metrics.loss[0], result.metrics.loss.at(-1)!];
  assert.ok(Math.abs(first - Math.log(config.vocab)) < 1, `initial loss ${first} vs log V ${Math.log(config.vocab)}`);
  assert.ok(result.optimalLoss! < 0.5 * Math.log(config.vocab));
  // At least half of the gap to the optimum closes in 80 steps.
  assert.ok(last < result.optimalLoss! + 0.5 * (first - result.optimalLoss!), `loss ${first} → ${last}, optimum ${result.optimalLoss}`);
});

test('the same config gives the same run, bit for bit', async () => {
  const a = await runProbeToEnd({ ...small, steps: 3, recordEvery: 1 });
  const b = await runProbeToEnd({ ...small, steps: 3, recordEvery: 1 });
  assert.deepEqual(a.metrics, b.metrics);
});

test('an aborted signal ends the run between steps, marked cancelled', async () => {
  const signal = { aborted: false };
  const snapshots = [];
  for await (const snapshot of runProbe({ ...small, steps: 50, recordEvery: 2 }, { signal })) {
    snapshots.push(snapshot);
    if (snapshot.step === 4) signal.aborted = true;
  }
  const last = snapshots.at(-1)!;
  assert.equal(last.done, true);
  assert.equal(last.result.cancelled, true);
  assert.deepEqual(last.result.metrics.steps, [0, 2, 4]);
});

test('a non-finite loss ends the run as a divergence at its step, with that step measured', async () => {
  // A backend whose cross-entropy goes non-finite on its 8th call (step 7) stands in for a blow-up.
  const backend = new ReferenceBackend();
  let calls = 0;
  const forward = backend.crossEntropyForward.bind(backend);
  backend.crossEntropyForward = (...args) => (++calls === 8 ? Number.NaN : forward(...args));
  const result = await runProbeToEnd({ ...small, steps: 20, recordEvery: 5 }, { backend });
  assert.deepEqual(result.diverged, { step: 7, what: 'loss' });
  assert.deepEqual(result.metrics.steps, [0, 5, 7]);
  assert.ok(Number.isNaN(result.metrics.loss.at(-1)!));
});

test('a non-finite gradient at an unrecorded step ends the run there, named by its metric', async () => {
  // The loss of step 7 is finite, but its backward pass carries a NaN: gradNorm of block 1 goes first.
  const backend = new ReferenceBackend();
  let calls = 0;
  const original = backend.crossEntropyBackward.bind(backend);
  backend.crossEntropyBackward = (dlogits, ...rest) => {
    original(dlogits, ...rest);
    if (++calls === 8) dlogits[0] = Number.NaN;
  };
  const result = await runProbeToEnd({ ...small, steps: 20, recordEvery: 5 }, { backend });
  assert.deepEqual(result.diverged, { step: 7, what: 'gradNorm[1]' });
  assert.deepEqual(result.metrics.steps, [0, 5, 7]);
  assert.ok(Number.isFinite(result.metrics.loss.at(-1)!));
});

test('a real blow-up (no norm, huge learning rate) is reported as a divergence', async () => {
  const result = await runProbeToEnd(defaultProbeConfig({ ...small, placement: 'none', layers: 4, lr: 1e4, steps: 30, recordEvery: 10 }));
  assert.ok(result.diverged, 'expected a divergence');
  assert.ok(result.diverged.step > 0 && result.diverged.step <= 30);
});

test('warm-up ramps the learning rate linearly to lr over `warmup` steps', () => {
  assert.equal(learningRate({ lr: 1e-3, warmup: 0 }, 0), 1e-3);
  assert.ok(Math.abs(learningRate({ lr: 1e-3, warmup: 10 }, 0) - 1e-4) < 1e-12);
  assert.ok(Math.abs(learningRate({ lr: 1e-3, warmup: 10 }, 4) - 5e-4) < 1e-12);
  assert.equal(learningRate({ lr: 1e-3, warmup: 10 }, 9), 1e-3);
  assert.equal(learningRate({ lr: 1e-3, warmup: 10 }, 50), 1e-3);
});

test('a model of L = 96, d = 8192 is probed at its depth with a small width, and says so', () => {
  const { config, clamped } = probeConfigFor({ placement: 'pre', norm: 'rmsnorm', layers: 96, dModel: 8192, heads: 64 });
  assert.equal(config.layers, 96);
  assert.equal(config.dModel, 64);
  assert.equal(config.norm, 'rmsnorm');
  assert.ok(clamped.some((note) => note.startsWith('d 8192 → 64')), clamped.join('; '));
  assert.ok(clamped.some((note) => note.startsWith('heads 64 → 16')), clamped.join('; '));
});

test('sizes beyond the limits are clamped, memory by the batch first, each clamp reported', () => {
  const { config, clamped } = clampProbeConfig(defaultProbeConfig({ layers: 500, dModel: 1024, seq: 128, batch: 32, heads: 7 }));
  assert.equal(config.layers, 128);
  assert.ok(config.dModel <= 256);
  assert.equal(config.dModel % config.heads, 0);
  // 128 blocks at d = 256 do not fit (their weights and Adam moments alone are 400 M floats): the batch
  // goes to 1, the sequence to 8, then the width halves until the run fits.
  assert.equal(config.batch, 1);
  assert.ok(config.seq < 128);
  assert.deepEqual(clamped.map((note) => note.split(' ')[0]), ['L', 'd', 'batch', 'seq', 'd', 'heads']);
  assert.ok(estimateFloats(config) <= PROBE_LIMITS.floats);
  assert.deepEqual(clampProbeConfig(defaultProbeConfig()).clamped, []);
});

test('the Markov task: optimal loss is its conditional entropy, well below log V, and data depends on the seed only', () => {
  const task = createMarkovTask(64, 9);
  assert.ok(task.optimalLoss > 0.5 && task.optimalLoss < 0.5 * Math.log(64), `${task.optimalLoss}`);
  // The empirical loss of the true transition law on sampled data approaches optimalLoss.
  const [batch, seq] = [64, 64];
  const tokens = new Int32Array(batch * seq);
  const targets = new Int32Array(batch * seq);
  const stream = createBatchStream(9);
  let total = 0;
  let count = 0;
  for (let round = 0; round < 10; round++) {
    sampleBatch(task, stream, tokens, targets, batch, seq);
    for (let i = 0; i < tokens.length; i++, count++) total -= Math.log(task.transition[tokens[i] * 64 + targets[i]]);
    for (let i = 0; i < tokens.length; i++) if (i % seq !== seq - 1) assert.equal(targets[i], tokens[i + 1]);
  }
  // ~41k samples, per-sample std ≈ 1 nat: the standard error is ≈ 0.005; allow 0.05.
  assert.ok(Math.abs(total / count - task.optimalLoss) < 0.05, `${total / count} vs ${task.optimalLoss}`);
  const again = new Int32Array(batch * seq);
  sampleBatch(createMarkovTask(64, 9), createBatchStream(9), again, new Int32Array(batch * seq), batch, seq);
  const first = new Int32Array(batch * seq);
  sampleBatch(task, createBatchStream(9), first, new Int32Array(batch * seq), batch, seq);
  assert.deepEqual(again, first);
});

test('counterparts: pre and post face each other, every placement has others to compare with', () => {
  assert.deepEqual(counterparts('pre'), ['post']);
  assert.deepEqual(counterparts('post'), ['pre']);
  const all: ProbePlacement[] = ['pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none', 'mixed'];
  for (const placement of all) {
    assert.ok(counterparts(placement).length > 0);
    assert.ok(!counterparts(placement).includes(placement));
  }
});
