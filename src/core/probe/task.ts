// The probe's synthetic task: next-token prediction on sequences from a fixed random Markov chain drawn
// from the seed. Its optimal loss (the chain's conditional entropy under its stationary distribution) is
// known exactly, so a probe's loss curve has a floor to be read against.

import { createRandom, deriveSeed } from './random';
import type { Random } from './random';

/** Successors per state: sparse rows keep the optimal loss well below log V. */
export const MARKOV_SUCCESSORS = 4;
/** Probability mass spread uniformly over all states so the chain is ergodic (one stationary law). */
export const MARKOV_FLOOR = 0.02;

export interface MarkovTask {
  vocab: number;
  /** Row-major [V, V]: P(next = j | current = i). */
  transition: Float64Array;
  /** The stationary distribution π; sequences start from it, so every position is distributed as π. */
  stationary: Float64Array;
  /** Σ_i π_i · H(P_i) in nats: the loss of the best possible predictor. */
  optimalLoss: number;
  /** H(π) in nats: the loss of the best predictor that ignores the context (token frequencies only). */
  unigramLoss: number;
}

export function createMarkovTask(vocab: number, seed: number): MarkovTask {
  const random = createRandom(deriveSeed(seed, 2));
  const transition = new Float64Array(vocab * vocab);
  const successors = Math.min(MARKOV_SUCCESSORS, vocab);
  for (let i = 0; i < vocab; i++) {
    // Dirichlet(1) weights on `successors` distinct states (exponentials, normalised).
    const chosen = new Set<number>();
    while (chosen.size < successors) chosen.add(Math.floor(random.uniform() * vocab));
    const weights = [...chosen].map((state) => ({ state, weight: -Math.log(1 - random.uniform()) }));
    const total = weights.reduce((sum, w) => sum + w.weight, 0);
    for (let j = 0; j < vocab; j++) transition[i * vocab + j] = MARKOV_FLOOR / vocab;
    for (const { state, weight } of weights) transition[i * vocab + state] += (1 - MARKOV_FLOOR) * weight / total;
  }
  // Power iteration: the floor makes the chain mix in a few dozen steps; 500 leaves no visible error.
  let stationary: Float64Array = new Float64Array(vocab).fill(1 / vocab);
  for (let iteration = 0; iteration < 500; iteration++) {
    const next = new Float64Array(vocab);
    for (let i = 0; i < vocab; i++) for (let j = 0; j < vocab; j++) next[j] += stationary[i] * transition[i * vocab + j];
    stationary = next;
  }
  let optimalLoss = 0;
  for (let i = 0; i < vocab; i++) {
    let entropy = 0;
    for (let j = 0; j < vocab; j++) {
      const p = transition[i * vocab + j];
      if (p > 0) entropy -= p * Math.log(p);
    }
    optimalLoss += stationary[i] * entropy;
  }
  let unigramLoss = 0;
  for (const p of stationary) if (p > 0) unigramLoss -= p * Math.log(p);
  return { vocab, transition, stationary, optimalLoss, unigramLoss };
}

function sample(distribution: Float64Array, offset: number, length: number, u: number): number {
  let cumulative = 0;
  for (let j = 0; j < length; j++) {
    cumulative += distribution[offset + j];
    if (u < cumulative) return j;
  }
  return length - 1;
}

/** The batch stream of a run: the same seed gives the same batches, whatever the placement. */
export function createBatchStream(seed: number): Random {
  return createRandom(deriveSeed(seed, 3));
}

/** Fills tokens[B·T] and targets[B·T] (targets are the tokens shifted by one). */
export function sampleBatch(task: MarkovTask, random: Random, tokens: Int32Array, targets: Int32Array, batch: number, seq: number): void {
  const v = task.vocab;
  for (let b = 0; b < batch; b++) {
    let current = sample(task.stationary, 0, v, random.uniform());
    for (let t = 0; t < seq; t++) {
      const next = sample(task.transition, current * v, v, random.uniform());
      tokens[b * seq + t] = current;
      targets[b * seq + t] = next;
      current = next;
    }
  }
}
