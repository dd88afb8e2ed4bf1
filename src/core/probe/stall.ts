// When a probe run has stalled: it finished, with finite losses, yet never left the task's unigram plateau
// (it learned the token frequencies and never used the context, as Post-LN without warm-up does at the
// probe's rates, docs/probe-theory.md). Such a run's layer importance is not depth utilisation: whichever
// block carries the frequencies gets all of it (the last third's share reads 1.0), so views mark it.
// Pure; the one definition the sweep's CLI table, HTML report and panel use (docs/probe-theory.md).

import type { ProbeResult } from './types';
import { createMarkovTask } from './task';

/**
 * The fraction of the gap between the unigram plateau H(π) and the optimum that a run must close not to
 * count as stalled: 10 %. On the probe's task (V = 16: H(π) ≈ 2.5, optimum ≈ 1.2) that is about 0.13 nats,
 * several times the spread of a held-out loss on one batch between seeds of a run that sits on the plateau.
 */
export const STALL_GAP_FRACTION = 0.1;

export interface Stall {
  /** The loss the verdict was read from: the held-out loss where measured, else the last training loss. */
  loss: number;
  /** H(π): the loss of predicting the token frequencies alone (the plateau). */
  plateau: number;
  /** The task's optimal loss. */
  optimum: number;
  /** The loss a run must get below not to be stalled: plateau − STALL_GAP_FRACTION · (plateau − optimum). */
  threshold: number;
}

/** The plateau, optimum and threshold of the task `config` trains on (its vocabulary and seed decide it). */
export function stallThreshold(vocab: number, seed: number): Omit<Stall, 'loss'> {
  const task = createMarkovTask(vocab, seed);
  const threshold = task.unigramLoss - STALL_GAP_FRACTION * (task.unigramLoss - task.optimalLoss);
  return { plateau: task.unigramLoss, optimum: task.optimalLoss, threshold };
}

/**
 * Why `result` stalled, or null when it did not (or cannot be judged: it diverged, which is its own
 * verdict, or was stopped before its last step, or recorded no finite loss).
 */
export function stallOf(result: ProbeResult): Stall | null {
  if (result.diverged || result.cancelled) return null;
  const held = result.heldOutLoss;
  const loss = typeof held === 'number' && Number.isFinite(held) ? held : result.metrics.loss.at(-1);
  if (loss === undefined || !Number.isFinite(loss)) return null;
  const { plateau, optimum, threshold } = stallThreshold(result.config.vocab, result.config.seed);
  return loss > threshold ? { loss, plateau, optimum, threshold } : null;
}
