// Helpers for holding a backend to the reference at probe sizes: random inputs per op, and a whole
// training step (forward, backward, Adam) from the same seeded initialisation on both backends.
import type { ProbeBackend } from '../../src/core/probe/backend';
import { allocateBackward, backward } from '../../src/core/probe/modelBackward';
import { allocateForward, forward } from '../../src/core/probe/modelForward';
import type { ModelParams } from '../../src/core/probe/modelParams';
import { initParams, zeroGrads } from '../../src/core/probe/modelParams';
import type { ProbeConfig, ProbePlacement } from '../../src/core/probe/types';
import { rng } from './opSuite';

export function probeConfig(placement: ProbePlacement, layers: number, dModel: number, norm: ProbeConfig['norm'] = 'layernorm'): ProbeConfig {
  return {
    placement, norm, layers, dModel, heads: 4, seq: 16, batch: 4, vocab: 32,
    steps: 5, recordEvery: 1, lr: 1e-3, warmup: 0, seed: 11, backend: 'cpu',
  };
}

export interface TrainTrace {
  losses: number[];
  /** Every parameter's gradient after the first backward pass, in ModelParams.all order. */
  firstGrads: Float32Array[];
  params: ModelParams;
}

export interface Trainer {
  params: ModelParams;
  /** One Adam step on the fixed batch; returns the loss before the update. */
  step(): number;
}

/** A model from the config's seed, a fixed random batch, and Adam state: one training step per call. */
export function createTrainer(backend: ProbeBackend, config: ProbeConfig): Trainer {
  // As the engine does: buffers in the backend's memory where it offers them.
  const allocate = backend.allocate ? (length: number) => backend.allocate!(length) : (length: number) => new Float32Array(length);
  const params = initParams(config, allocate);
  const state = allocateForward(backend, params, allocate);
  const scratch = allocateBackward(params, allocate);
  const random = rng(config.seed);
  for (let i = 0; i < state.tokens.length; i++) {
    state.tokens[i] = Math.floor(random() * config.vocab);
    state.targets[i] = Math.floor(random() * config.vocab);
  }
  const moments = params.all.map((p) => ({ m: allocate(p.data.length), v: allocate(p.data.length) }));
  let t = 0;
  return {
    params,
    step(): number {
      t++;
      zeroGrads(params);
      const loss = forward(backend, params, state);
      backward(backend, params, state, scratch);
      params.all.forEach((p, i) => backend.adamUpdate(p.data, p.grad, moments[i].m, moments[i].v, config.lr, 0.9, 0.999, 1e-8, t));
      return loss;
    },
  };
}

/** Trains `steps` Adam steps on a fixed random batch and records the loss before each update. */
export function trainSteps(backend: ProbeBackend, config: ProbeConfig, steps: number): TrainTrace {
  const trainer = createTrainer(backend, config);
  const losses: number[] = [];
  let firstGrads: Float32Array[] = [];
  for (let step = 1; step <= steps; step++) {
    losses.push(trainer.step());
    // Adam has already consumed the gradients, but leaves Param.grad as it was.
    if (step === 1) firstGrads = trainer.params.all.map((p) => Float32Array.from(p.grad));
  }
  return { losses, firstGrads, params: trainer.params };
}
