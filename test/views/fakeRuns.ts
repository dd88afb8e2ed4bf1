// Seeded, made-up ProbeResults for view tests only: shaped like the laws of DESIGN.md (Pre-LN stream
// growing, Post-LN flat) so the pictures look like real runs, but never used by product code.

import type { ProbeConfig, ProbePlacement, ProbeResult } from '../../src/core/probe/types';

/** mulberry32: a tiny seeded generator, so every snapshot is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FakeRunOptions {
  placement: ProbePlacement;
  layers: number;
  steps: number;
  recordEvery: number;
  seed: number;
  /** From this step on every value is NaN, as a diverged run reports. */
  divergeAt?: number;
}

export function fakeRun(options: FakeRunOptions): ProbeResult {
  const { placement, layers, steps: totalSteps, recordEvery, seed } = options;
  const random = seededRandom(seed);
  const noise = (scale: number): number => 1 + scale * (random() - 0.5);
  const steps: number[] = [];
  for (let s = 0; s <= totalSteps; s += recordEvery) steps.push(s);
  const growing = placement === 'pre' || placement === 'sandwich' || placement === 'parallel-pre' || placement === 'none';
  const dead = (s: number): boolean => options.divergeAt !== undefined && s >= options.divergeAt;
  const grid = (rows: number, value: (l: number, s: number, k: number) => number): number[][] =>
    Array.from({ length: rows }, (_, l) => steps.map((s, k) => (dead(s) ? Number.NaN : value(l, s, k))));
  const residualNorm = grid(layers + 1, (l, s) => (growing ? Math.sqrt(1 + l) : 1) * (1 + s / (4 * totalSteps)) * noise(0.05));
  const contribution = grid(layers, (l) => (growing ? 1 / Math.sqrt(l + 2) : 0.6) * noise(0.1));
  const gradNorm = grid(layers, (l, s) => (growing ? 2.5 - (1.5 * l) / layers : 1) * Math.exp(-s / totalSteps) * noise(0.2));
  const cosine = grid(layers, (l) => (growing ? 1 - 1 / (l + 2) : 0.4) * noise(0.05));
  const loss = steps.map((s) => (dead(s) ? Number.NaN : 1.2 + 3 * Math.exp(-s / (totalSteps / 4)) * noise(0.05)));
  const config: ProbeConfig = {
    placement, norm: 'layernorm', layers, dModel: 64, heads: 4, seq: 32, batch: 8, vocab: 64, steps: totalSteps,
    recordEvery, lr: 1e-3, warmup: 0, seed, backend: 'cpu',
  };
  return {
    config,
    metrics: {
      steps, residualNorm, sumNorm: residualNorm.map((row) => row.map(() => null)), contribution, gradNorm,
      gradNormAttnOut: gradNorm, gradNormMlpOut: gradNorm, cosine, loss, lr: steps.map(() => 1e-3),
    },
    diverged: options.divergeAt !== undefined ? { step: options.divergeAt, what: 'loss' } : null,
    clamped: [],
    optimalLoss: 1.2,
  };
}
