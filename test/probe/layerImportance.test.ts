// Layer importance against its definition: removing block l's update is the same as zeroing the
// matrices that write it (Pre-LN: W_O and W_2), identity blocks (ReZero at init) cost nothing, the
// held-out batch is the same for every placement of a seed, and the engine records it once at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { runProbe, runProbeToEnd } from '../../src/core/probe/engine';
import { lastThirdRatio, measureLayerImportance } from '../../src/core/probe/layerImportance';
import { allocateForward, forward } from '../../src/core/probe/modelForward';
import { initParams } from '../../src/core/probe/modelParams';
import { defaultProbeConfig } from '../../src/core/probe/probeConfig';
import { createMarkovTask } from '../../src/core/probe/task';

const small = { layers: 4, dModel: 16, heads: 2, seq: 8, batch: 2, vocab: 12, steps: 0, seed: 5 };

test('layer importance of a Pre-LN block equals the loss rise when its W_O and W_2 are zeroed', () => {
  const config = defaultProbeConfig({ ...small, placement: 'pre' });
  const backend = new ReferenceBackend();
  const params = initParams(config);
  const state = allocateForward(backend, params);
  const task = createMarkovTask(config.vocab, config.seed);
  const { heldOutLoss, importance } = measureLayerImportance(backend, params, state, task);
  assert.equal(importance.length, config.layers);
  for (const [index, block] of params.blocks.entries()) {
    const keep = [block.wo.data.slice(), block.w2.data.slice()];
    block.wo.data.fill(0);
    block.w2.data.fill(0);
    const without = forward(backend, params, state);
    block.wo.data.set(keep[0]);
    block.w2.data.set(keep[1]);
    // Same float32 ops in the same order up to the zeroed terms: agreement to rounding.
    assert.ok(Math.abs(without - heldOutLoss - importance[index]) < 1e-5, `block ${index + 1}: ${without - heldOutLoss} vs ${importance[index]}`);
  }
  assert.ok(Math.abs(forward(backend, params, state) - heldOutLoss) < 1e-7, 'the skip left the model unchanged');
});

test('identity blocks (ReZero gates at 0, untrained) have zero importance', async () => {
  const result = await runProbeToEnd(defaultProbeConfig({ ...small, placement: 'none', rezero: true }));
  assert.deepEqual(result.layerImportance, [0, 0, 0, 0]);
  assert.ok(Number.isFinite(result.heldOutLoss));
});

test('the held-out batch depends on the seed only: the same for every placement, not a training batch', async () => {
  const pre = await runProbeToEnd(defaultProbeConfig({ ...small, placement: 'pre', steps: 2 }));
  const post = await runProbeToEnd(defaultProbeConfig({ ...small, placement: 'post', steps: 2 }));
  assert.equal(pre.layerImportance!.length, 4);
  assert.equal(post.layerImportance!.length, 4);
  // The held-out loss is not any recorded training loss (a different batch).
  assert.ok(!pre.metrics.loss.includes(pre.heldOutLoss!));
  const tokens = (placement: 'pre' | 'post') => {
    const config = defaultProbeConfig({ ...small, placement });
    const backend = new ReferenceBackend();
    const params = initParams(config);
    const state = allocateForward(backend, params);
    measureLayerImportance(backend, params, state, createMarkovTask(config.vocab, config.seed));
    return Array.from(state.tokens);
  };
  assert.deepEqual(tokens('pre'), tokens('post'));
});

test('recorded once, in the final snapshot only; null for a cancelled run', async () => {
  const snapshots = [];
  for await (const snapshot of runProbe(defaultProbeConfig({ ...small, placement: 'pre', steps: 4, recordEvery: 2 }))) snapshots.push(snapshot);
  assert.ok(snapshots.slice(0, -1).every((snapshot) => snapshot.result.layerImportance === undefined));
  assert.equal(snapshots.at(-1)!.result.layerImportance!.length, 4);
  const signal = { aborted: true };
  const cancelled = await runProbeToEnd(defaultProbeConfig({ ...small, placement: 'pre', steps: 4 }), { signal });
  assert.equal(cancelled.cancelled, true);
  assert.equal(cancelled.layerImportance, null);
});

test('lastThirdRatio: mean of the last third over the first', () => {
  assert.equal(lastThirdRatio([4, 4, 1, 1, 2, 2]), 0.5);
  assert.equal(lastThirdRatio([1, 2, 3]), 3);
});
