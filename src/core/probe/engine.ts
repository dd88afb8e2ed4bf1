// A probe run: train the tiny model on the synthetic task for config.steps Adam steps on any
// ProbeBackend, as an async sequence of whole ProbeSnapshots (one per recorded step), with cancellation
// between steps and divergence (the first non-finite loss or metric) ending the run as a result.

import type { ProbeBackend } from './backend';
import { ReferenceBackend } from './backends/reference';
import { allocateBackward, backward } from './modelBackward';
import { allocateForward, forward } from './modelForward';
import { measureColumn } from './modelMetrics';
import type { MetricColumn } from './modelMetrics';
import { initParams, zeroGrads } from './modelParams';
import { measureLayerImportance } from './layerImportance';
import { profileAdmin } from './variants/admin';
import { normaliseNgptWeights } from './variants/ngpt';
import { clampProbeConfig } from './probeConfig';
import { createBatchStream, createMarkovTask, sampleBatch } from './task';
import type { ProbeConfig, ProbeMetrics, ProbeResult, ProbeSnapshot } from './types';

/** Adam's constants, as Vaswani et al. and Xiong et al. train (β₂ = 0.98); no weight decay. */
export const ADAM = { beta1: 0.9, beta2: 0.98, eps: 1e-8 };

/** Learning rate of step s (0-based): linear warm-up from lr/warmup to lr over `warmup` steps, then constant. */
export function learningRate(config: Pick<ProbeConfig, 'lr' | 'warmup'>, step: number): number {
  return config.warmup > 0 ? config.lr * Math.min(1, (step + 1) / config.warmup) : config.lr;
}

export interface RunOptions {
  /** The backend to train on; the reference backend when absent. */
  backend?: ProbeBackend;
  /** Checked between steps: once aborted, the run ends with the steps done so far. */
  signal?: { readonly aborted: boolean };
  /** Lets the host breathe between recorded steps (a macrotask); a setTimeout(0) where one exists. */
  pause?: () => Promise<void>;
}

function emptyMetrics(placement: ProbeConfig['placement']): ProbeMetrics {
  return {
    steps: [], residualNorm: [], sumNorm: [], contribution: [], gradNorm: [], gradNormAttnOut: [], gradNormMlpOut: [],
    cosine: [], loss: [], lr: [], ...(placement === 'residual' ? { dualNorm: [] } : {}),
  };
}

function appendColumn(rows: (number | null)[][], column: (number | null)[]): void {
  column.forEach((value, layer) => (rows[layer] ??= []).push(value));
}

/** The first non-finite value of a column, named as DESIGN.md's metrics are (`residualNorm[7]`). */
function firstNonFinite(loss: number, column: MetricColumn): string | null {
  if (!Number.isFinite(loss)) return 'loss';
  const named: [string, (number | null)[]][] = [
    ['residualNorm', column.residualNorm], ['sumNorm', column.sumNorm], ['contribution', column.contribution],
    ['cosine', column.cosine], ['gradNorm', column.gradNorm],
  ];
  for (const [name, values] of named) {
    const layer = values.findIndex((value) => value !== null && !Number.isFinite(value));
    if (layer >= 0) return `${name}[${name === 'residualNorm' || name === 'sumNorm' ? layer : layer + 1}]`;
  }
  return null;
}

function copyResult(result: ProbeResult): ProbeResult {
  const m = result.metrics;
  const rows = <T>(series: T[][]): T[][] => series.map((row) => row.slice());
  return {
    ...result,
    config: { ...result.config },
    clamped: result.clamped.slice(),
    layerImportance: result.layerImportance ? result.layerImportance.slice() : result.layerImportance,
    diverged: result.diverged ? { ...result.diverged } : null,
    metrics: {
      steps: m.steps.slice(), residualNorm: rows(m.residualNorm), sumNorm: rows(m.sumNorm), contribution: rows(m.contribution),
      gradNorm: rows(m.gradNorm), gradNormAttnOut: rows(m.gradNormAttnOut), gradNormMlpOut: rows(m.gradNormMlpOut),
      cosine: rows(m.cosine), loss: m.loss.slice(), lr: m.lr.slice(), ...(m.dualNorm ? { dualNorm: rows(m.dualNorm) } : {}),
    },
  };
}

function defaultPause(): Promise<void> {
  const timer = (globalThis as { setTimeout?: (callback: () => void, ms: number) => unknown }).setTimeout;
  return new Promise((resolve) => (timer ? timer(resolve, 0) : resolve()));
}

/**
 * Runs a probe. Metrics of step s are measured on the forward/backward of batch s with the parameters
 * after s updates: step 0 is the initialisation, and a last column at s = steps measures the trained model.
 */
export async function* runProbe(input: ProbeConfig, options: RunOptions = {}): AsyncGenerator<ProbeSnapshot, ProbeResult> {
  const { config, clamped } = clampProbeConfig(input);
  const backend = options.backend ?? new ReferenceBackend();
  const pause = options.pause ?? defaultPause;
  const task = createMarkovTask(config.vocab, config.seed);
  const batches = createBatchStream(config.seed);
  const params = initParams(config);
  const state = allocateForward(backend, params);
  const scratch = allocateBackward(params);
  const moments = params.all.map((p) => ({ m: new Float32Array(p.data.length), v: new Float32Array(p.data.length) }));
  // Admin's ω comes from the model's own profile, before the first step (variants/admin.ts).
  if (config.placement === 'admin') profileAdmin(backend, params, state, task);
  const result: ProbeResult = { config, metrics: emptyMetrics(config.placement), diverged: null, clamped, optimalLoss: task.optimalLoss };
  if (backend.name !== config.backend) result.backendNote = `asked for ${config.backend}, ran on ${backend.name}`;

  let done = false;
  try {
    for (let step = 0; step <= config.steps; step++) {
      if (options.signal?.aborted) {
        result.cancelled = true;
        break;
      }
      sampleBatch(task, batches, state.tokens, state.targets, config.batch, config.seq);
      zeroGrads(params);
      const loss = forward(backend, params, state);
      backward(backend, params, state, scratch);
      const lr = learningRate(config, step);
      const record = step % config.recordEvery === 0 || step === config.steps;
      // Measured every step (about 1/d of a step's cost) so that divergence is caught at its first step,
      // even one that is not recorded; recorded steps and that step keep their column.
      const column = measureColumn(params, state);
      const bad = firstNonFinite(loss, column);
      if (record || bad) {
        const m = result.metrics;
        m.steps.push(step);
        m.loss.push(loss);
        m.lr.push(lr);
        appendColumn(m.residualNorm, column.residualNorm);
        appendColumn(m.sumNorm, column.sumNorm);
        appendColumn(m.contribution, column.contribution);
        appendColumn(m.cosine, column.cosine);
        appendColumn(m.gradNorm, column.gradNorm);
        appendColumn(m.gradNormAttnOut, column.gradNormAttnOut);
        appendColumn(m.gradNormMlpOut, column.gradNormMlpOut);
        if (m.dualNorm && column.dualNorm) appendColumn(m.dualNorm, column.dualNorm);
      }
      if (bad) {
        result.diverged = { step, what: bad };
        break;
      }
      if (step < config.steps) {
        params.all.forEach((p, i) => backend.adamUpdate(p.data, p.grad, moments[i].m, moments[i].v, lr, ADAM.beta1, ADAM.beta2, ADAM.eps, step + 1));
        // nGPT keeps its matrices on the unit sphere after every step.
        if (config.placement === 'ngpt') normaliseNgptWeights(params);
      }
      if (record && step < config.steps) {
        yield { step, totalSteps: config.steps, result: copyResult(result), done: false };
        await pause();
      }
    }
    if (!result.cancelled && !result.diverged) {
      // After the last column is recorded: overwrites the activations, which nothing reads any more.
      const { heldOutLoss, importance } = measureLayerImportance(backend, params, state, task);
      result.layerImportance = importance;
      result.heldOutLoss = heldOutLoss;
    } else {
      result.layerImportance = null;
      result.heldOutLoss = null;
    }
    done = true;
    const final = copyResult(result);
    yield { step: final.metrics.steps.at(-1) ?? 0, totalSteps: config.steps, result: final, done: true };
    return final;
  } finally {
    if (!done) result.cancelled = true;
    if (!options.backend) backend.dispose();
  }
}

/** Runs a probe to the end and returns its result (for tests and the command line). */
export async function runProbeToEnd(config: ProbeConfig, options: RunOptions = {}, onSnapshot?: (snapshot: ProbeSnapshot) => void): Promise<ProbeResult> {
  let last: ProbeResult | null = null;
  for await (const snapshot of runProbe(config, options)) {
    onSnapshot?.(snapshot);
    last = snapshot.result;
  }
  if (!last) throw new Error('probe produced no snapshot');
  return last;
}
