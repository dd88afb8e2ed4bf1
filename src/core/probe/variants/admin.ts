// Admin (Liu et al. 2020, "Understanding the Difficulty of Training Transformers"): Post-LN with the
// stream scaled before each sum, x ← N(ω ⊙ x + F(x)), ω ∈ R^C a learned vector (as the authors' code,
// an nn.Parameter). Its start comes from the model's own profile: a forward of the untouched Post-LN
// model (ω = 1) on a profiling batch measures each sublayer output's variance, and sublayer k starts at
//   ω_k = √(1 + Σ_{j<k} Var[F_j])
// (1 for the embedding, as their `encoder_ratio = 1.0`), so that each branch's share of the sum is what it
// would be in a Pre-LN stream of the same depth — Admin's cure for Post-LN's amplified dependency.

import type { ProbeBackend } from '../backend';
import type { ForwardState } from '../modelForward';
import { forward } from '../modelForward';
import type { ModelParams } from '../modelParams';
import { createRandom, deriveSeed } from '../random';
import type { MarkovTask } from '../task';
import { sampleBatch } from '../task';

/** The seed tag of Admin's profiling batch (neither a training batch nor the held-out one). */
export const PROFILING_PURPOSE = 5;

/** Population variance over every entry of x. */
function variance(x: Float32Array): number {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i];
    squares += x[i] * x[i];
  }
  const mean = sum / x.length;
  return squares / x.length - mean * mean;
}

/** Sets every ω from a profiling forward at ω = 1; returns the ω of each sublayer in order. */
export function profileAdmin(backend: ProbeBackend, params: ModelParams, state: ForwardState, task: MarkovTask): number[] {
  const { batch, seq, seed } = params.config;
  for (const block of params.blocks) {
    block.attnVector?.data.fill(1);
    block.mlpVector?.data.fill(1);
  }
  sampleBatch(task, createRandom(deriveSeed(seed, PROFILING_PURPOSE)), state.tokens, state.targets, batch, seq);
  forward(backend, params, state);
  const omegas: number[] = [];
  let accumulated = 1;
  for (const [index, block] of params.blocks.entries()) {
    for (const [vector, sublayer] of [[block.attnVector, state.blocks[index].attn], [block.mlpVector, state.blocks[index].mlp]] as const) {
      const omega = Math.sqrt(accumulated);
      vector?.data.fill(omega);
      omegas.push(omega);
      accumulated += variance(sublayer.f);
    }
  }
  return omegas;
}
