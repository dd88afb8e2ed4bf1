// When a run stalled (src/core/probe/stall.ts): the threshold read from the task's own numbers, the
// verdict on hand-made results at each side of it, and on real runs of the engine: a Pre-LN run that
// trains leaves the plateau, the same run cut to a few steps has not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProbeToEnd } from '../../src/core/probe/engine';
import { defaultProbeConfig } from '../../src/core/probe/probeConfig';
import { STALL_GAP_FRACTION, stallOf, stallThreshold } from '../../src/core/probe/stall';
import { summariseRun } from '../../src/core/probe/sweep';
import { createMarkovTask } from '../../src/core/probe/task';
import type { ProbeResult } from '../../src/core/probe/types';
import { fakeRun } from '../views/fakeRuns';

test('the threshold: the unigram plateau H(π) less a tenth of its gap to the optimum, from the task of (vocab, seed)', () => {
  for (const [vocab, seed] of [[16, 1], [64, 0]]) {
    const task = createMarkovTask(vocab, seed);
    const t = stallThreshold(vocab, seed);
    assert.equal(t.plateau, task.unigramLoss);
    assert.equal(t.optimum, task.optimalLoss);
    assert.ok(Math.abs(t.threshold - (task.unigramLoss - STALL_GAP_FRACTION * (task.unigramLoss - task.optimalLoss))) < 1e-12);
    assert.ok(t.optimum < t.threshold && t.threshold < t.plateau && t.plateau < Math.log(vocab));
  }
});

/** A finished result of `config`'s shape whose held-out loss is `heldOut` (and last training loss `last`). */
function finished(heldOut: number | null, last = 2): ProbeResult {
  const run = fakeRun({ placement: 'post', layers: 6, steps: 50, recordEvery: 10, seed: 3 });
  run.metrics.loss[run.metrics.loss.length - 1] = last;
  return { ...run, heldOutLoss: heldOut, layerImportance: [0, 0, 0, 0, 0, 0.02] };
}

test('the verdict: above the threshold stalled, below not; the held-out loss decides, the last training loss where none', () => {
  const { config } = finished(null);
  const { threshold, plateau } = stallThreshold(config.vocab, config.seed);
  const stalled = stallOf(finished(threshold + 0.01));
  assert.deepEqual(stalled, { loss: threshold + 0.01, plateau, optimum: stallThreshold(config.vocab, config.seed).optimum, threshold });
  assert.equal(stallOf(finished(threshold - 0.01)), null);
  assert.equal(stallOf(finished(threshold - 0.01, plateau + 1)), null, 'the held-out loss, not a noisy last batch');
  assert.equal(stallOf(finished(null, plateau))?.loss, plateau, 'no held-out loss: the last training loss');
  assert.equal(stallOf(finished(Number.NaN, threshold - 0.5)), null);
  // Diverged and stopped runs have their own marks; a stall is not judged on them.
  assert.equal(stallOf({ ...finished(plateau), diverged: { step: 40, what: 'loss' } }), null);
  assert.equal(stallOf({ ...finished(plateau), cancelled: true }), null);
  // A stalled run's importance sits in one block: its share reads 1.0, and the sweep point says why.
  const point = summariseRun(finished(plateau), 1);
  assert.equal(point.lastThirdShare, 1);
  assert.equal(point.stalled?.loss, plateau);
  assert.equal(summariseRun(finished(threshold - 0.5), 1).stalled, null);
});

test('real runs: Pre-LN trained 150 steps leaves the plateau; the same run cut to 3 steps has not', async () => {
  const config = defaultProbeConfig({ placement: 'pre', layers: 2, dModel: 16, heads: 2, seq: 16, batch: 8, vocab: 16, steps: 150, lr: 3e-3, seed: 1, recordEvery: 50 });
  const trained = await runProbeToEnd(config);
  const short = await runProbeToEnd({ ...config, steps: 3, recordEvery: 1 });
  const { plateau, threshold } = stallThreshold(16, 1);
  assert.ok(trained.heldOutLoss! < threshold, `trained: held-out ${trained.heldOutLoss} ≥ ${threshold}`);
  assert.equal(stallOf(trained), null);
  const stall = stallOf(short);
  assert.ok(stall, `3 steps: held-out ${short.heldOutLoss} should sit at or above the plateau ${plateau}`);
  assert.equal(stall.loss, short.heldOutLoss);
});
