// Layer importance (../shared/DESIGN.md, "Metrics"): the rise in held-out loss when block l's update is
// removed — x_l = x_{l−1}, every other block unchanged — measured once at the end of a probe. It is the
// pruning measure of "The Curse of Depth" (Sun et al. 2025): a block whose removal costs nothing is unused.
//
// What "removed" means for the dilution cures (each variant's skip in src/core/probe/variants/*):
// pre/post/…, LayerNorm Scaling, Admin, nGPT: the stream passes the block unchanged; DenseFormer: the
// block's output y_l is its input, and the depth-weighted averages still read it; Attention Residuals:
// the block's two sublayer outputs are left out of every later softmax over depth (a source no
// sublayer wrote is excluded, not attended as zero); Hyper-Connections: all n streams pass unchanged;
// ResiDual: both streams pass unchanged.

import type { ProbeBackend } from './backend';
import type { ForwardState } from './modelForward';
import { forward } from './modelForward';
import type { ModelParams } from './modelParams';
import { deriveSeed } from './random';
import { createRandom } from './random';
import type { MarkovTask } from './task';
import { sampleBatch } from './task';

/** The seed tag of the held-out batch: a stream no training batch is drawn from. */
export const HELD_OUT_PURPOSE = 4;

export interface LayerImportance {
  /** The held-out loss of the whole model. */
  heldOutLoss: number;
  /** Per block (row l−1 = block l): held-out loss without block l, minus heldOutLoss. */
  importance: number[];
}

/**
 * Fills state.tokens/targets with the run's held-out batch (same shape as a training batch, drawn from
 * its own seeded stream, so the same for every placement of a seed) and measures every block's importance:
 * L + 1 forwards, no backward. The state's activations are overwritten.
 */
export function measureLayerImportance(backend: ProbeBackend, params: ModelParams, state: ForwardState, task: MarkovTask): LayerImportance {
  const { batch, seq, seed, layers } = params.config;
  sampleBatch(task, createRandom(deriveSeed(seed, HELD_OUT_PURPOSE)), state.tokens, state.targets, batch, seq);
  const heldOutLoss = forward(backend, params, state);
  const importance: number[] = [];
  for (let block = 0; block < layers; block++) importance.push(forward(backend, params, state, { skipBlock: block }) - heldOutLoss);
  return { heldOutLoss, importance };
}

/** Share of the total importance held by a range of blocks [from, to) (0-based); NaN when the total is not positive. */
export function importanceShare(importance: number[], from: number, to: number): number {
  const positive = importance.map((value) => Math.max(0, value));
  const total = positive.reduce((sum, value) => sum + value, 0);
  const part = positive.slice(from, to).reduce((sum, value) => sum + value, 0);
  return total > 0 ? part / total : Number.NaN;
}

/** Mean importance of the last third of the blocks over that of the first third (the depth-utilisation ratio). */
export function lastThirdRatio(importance: number[]): number {
  const third = Math.max(1, Math.floor(importance.length / 3));
  const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  return mean(importance.slice(-third)) / mean(importance.slice(0, third));
}
