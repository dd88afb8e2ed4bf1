// The metrics of ../shared/DESIGN.md ("Metrics") measured on one forward/backward of the probe model:
// one column (every layer at one recorded step) of residualNorm, sumNorm, contribution, cosine, gradNorm.

import type { ForwardState } from './modelForward';
import type { ModelParams } from './modelParams';
import { normOnStream } from './modelParams';

export interface MetricColumn {
  /** L+1 rows: row 0 the embedding output, row l block l's output. */
  residualNorm: number[];
  sumNorm: (number | null)[];
  /** L rows: row l−1 is block l. */
  contribution: number[];
  cosine: number[];
  gradNorm: number[];
  gradNormAttnOut: number[];
  gradNormMlpOut: number[];
  /** ResiDual only: residualNorm's measure of the dual stream, L+1 rows. */
  dualNorm?: number[];
}

/** ‖x‖/√d averaged over the N token rows of x[N,C]. */
export function rmsNorm(x: Float32Array, n: number, c: number): number {
  let total = 0;
  for (let row = 0; row < n; row++) {
    let squares = 0;
    for (let i = 0; i < c; i++) squares += x[row * c + i] * x[row * c + i];
    total += Math.sqrt(squares / c);
  }
  return total / n;
}

/** ‖x − α·prev‖ / ‖x‖ averaged over tokens: how much of x the block wrote (α per channel for Admin's ω). */
export function contributionRatio(x: Float32Array, prev: Float32Array, alpha: number | Float32Array, n: number, c: number): number {
  let total = 0;
  for (let row = 0; row < n; row++) {
    let delta = 0;
    let norm = 0;
    for (let i = 0; i < c; i++) {
      const value = x[row * c + i];
      const change = value - (typeof alpha === 'number' ? alpha : alpha[i]) * prev[row * c + i];
      delta += change * change;
      norm += value * value;
    }
    total += norm > 0 ? Math.sqrt(delta / norm) : Number.NaN;
  }
  return total / n;
}

/** cos(prev, x) averaged over tokens. */
export function cosineSimilarity(x: Float32Array, prev: Float32Array, n: number, c: number): number {
  let total = 0;
  for (let row = 0; row < n; row++) {
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < c; i++) {
      dot += x[row * c + i] * prev[row * c + i];
      a += x[row * c + i] * x[row * c + i];
      b += prev[row * c + i] * prev[row * c + i];
    }
    total += a > 0 && b > 0 ? dot / Math.sqrt(a * b) : Number.NaN;
  }
  return total / n;
}

export function frobenius(values: Float32Array): number {
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += values[i] * values[i];
  return Math.sqrt(squares);
}

/** Measures one column from the activations of the last forward and the gradients of the last backward. */
export function measureColumn(params: ModelParams, state: ForwardState): MetricColumn {
  const { batch, seq, dModel: c } = params.config;
  const n = batch * seq;
  const column: MetricColumn = {
    residualNorm: [rmsNorm(state.x0, n, c)], sumNorm: [null],
    contribution: [], cosine: [], gradNorm: [], gradNormAttnOut: [], gradNormMlpOut: [],
  };
  const dual = state.mixer?.dualStream(0);
  if (dual) column.dualNorm = [rmsNorm(dual, n, c)];
  for (const [index, block] of state.blocks.entries()) {
    // For norms on the stream, the sum before the block's last norm is what the 3/2 lemma describes, and
    // what the block wrote is measured there (beyond DeepNorm's α-scaled or Admin's ω-scaled stream),
    // before it is rescaled. ResiDual's Post-LN stream gives its sum from the mixer.
    const mixedSum = state.mixer?.blockSum(index + 1) ?? null;
    const sum = mixedSum ?? (normOnStream(block.params.kind) ? block.mlp.s : null);
    const alpha = block.params.mlpVector && block.mlp.layout.omega ? block.params.mlpVector.data : block.mlp.layout.alpha;
    column.residualNorm.push(rmsNorm(block.output, n, c));
    column.sumNorm.push(sum ? rmsNorm(sum, n, c) : null);
    column.contribution.push(sum
      ? contributionRatio(sum, block.input, mixedSum ? 1 : alpha, n, c)
      : contributionRatio(block.output, block.input, 1, n, c));
    const dualStream = state.mixer?.dualStream(index + 1);
    if (dualStream && column.dualNorm) column.dualNorm.push(rmsNorm(dualStream, n, c));
    column.cosine.push(cosineSimilarity(block.output, block.input, n, c));
    const attnOut = frobenius(block.params.wo.grad);
    const mlpOut = frobenius(block.params.w2.grad);
    column.gradNormAttnOut.push(attnOut);
    column.gradNormMlpOut.push(mlpOut);
    column.gradNorm.push(Math.sqrt(attnOut * attnOut + mlpOut * mlpOut));
  }
  return column;
}
