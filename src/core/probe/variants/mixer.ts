// The contract between the probe model and the dilution cures that change how the stream is carried
// across depth (DenseFormer, Hyper-Connections, ResiDual, Attention Residuals): the model runs the same
// branches F as every placement (modelForward.ts), and a StreamMixer decides what each sublayer reads
// and what its output does to the stream(s). Sublayers are numbered k = 0 … 2L−1 in order (block l's
// attention is k = 2(l−1), its MLP k = 2l−1). Every buffer is [N, C] (N = B·T rows, C width) unless a
// comment says otherwise. A mixer is plain-JS O(N·C·L·…) loops plus backend ops, so every backend runs it.

import type { NormParams, Param } from '../modelParams';

export interface StreamMixer {
  /** Starts a forward from the embedding output x₀. */
  begin(x0: Float32Array): void;
  /** What sublayer k's branch reads (its input norm, where it has one, is the branch's own). */
  input(k: number): Float32Array;
  /** Takes sublayer k's branch output; null when its block is removed (layer importance). */
  combine(k: number, g: Float32Array | null): void;
  /** The stream after block l, l = 0 … L (0: what the first block reads), as the metrics see it. */
  blockStream(l: number): Float32Array;
  /** The sum before a norm on the stream (sumNorm) after block l ≥ 1, where the variant has one. */
  blockSum(l: number): Float32Array | null;
  /** A second stream after block l, l = 0 … L (ResiDual's un-normalised one), where the variant has one. */
  dualStream(l: number): Float32Array | null;
  /** What the final norm (or the head) reads. */
  output(): Float32Array;

  /** Starts a backward from ∂loss/∂output(). */
  outputBackward(dOutput: Float32Array): void;
  /** ∂loss/∂g of sublayer k (sublayers are visited from 2L−1 down to 0); accumulates the mixer's own grads. */
  combineBackward(k: number): Float32Array;
  /** Takes ∂loss/∂input(k) (the buffer is the caller's: copy or add, do not keep it). */
  inputBackward(k: number, dInput: Float32Array): void;
  /**
   * A gradient buffer that ∂loss/∂input(k) may be added into directly, in place of inputBackward, where
   * input(k) is a stream passed on with weight 1; null where it is not. Adding in place rounds once, as the
   * Pre-LN path does, which keeps the reductions to Pre-LN (HC n = 1, DenseFormer at init) bit-exact.
   */
  inputGradient(k: number): Float32Array | null;
  /** ∂loss/∂x₀, once every sublayer is done. */
  beginBackward(): Float32Array;
}

/** DenseFormer: after block l, x_l = Σ_{i≤l} a_{l,i}·y_i (y₀ = x₀, y_i block i's output). */
export interface DenseformerParams {
  kind: 'denseformer';
  /** weights[l−1] = a_l, [l+1]: initialised to (0, …, 0, 1), the identity on the block's own output. */
  weights: Param[];
}

/** Hyper-Connections (Zhu et al. 2024): one set per sublayer. */
export interface HyperConnectionParams {
  /** A_m [n]: the branch input Σ_j A_m[j]·H_j; starts one-hot at stream k mod n. */
  inputWeights: Param;
  /** A_r [n, n]: H'_m = Σ_j A_r[j, m]·H_j + B[m]·g; starts as the identity. */
  streamWeights: Param;
  /** B [n]: starts at 1. */
  outputWeights: Param;
  /** Dynamic HC only: W_m [C], W_r [C, n], W_β [C] (start at 0) and the scales s_α, s_β [1] (start at 0.01). */
  dynamic: { inputProjection: Param; streamProjection: Param; outputProjection: Param; alphaScale: Param; betaScale: Param } | null;
}

export interface HyperConnectionsParams {
  kind: 'hyper-connections';
  streams: number;
  sublayers: HyperConnectionParams[];
}

/** ResiDual: one norm per sublayer on the Post-LN stream, and the final norm of the dual stream. */
export interface ResidualParams {
  kind: 'residual';
  norms: NormParams[];
  dualNorm: NormParams;
}

/** Attention Residuals: a pseudo-query per sublayer and one for the output, [C] each, starting at 0. */
export interface AttentionResidualParams {
  kind: 'attention-residuals';
  /** N groups of Block AttnRes; 2L (one sublayer per group) is Full AttnRes. */
  groups: number;
  queries: Param[];
}

export type MixerParams = DenseformerParams | HyperConnectionsParams | ResidualParams | AttentionResidualParams;

/** How a variant makes its parameters: the same factories initParams uses (seeded order, named). */
export interface ParamFactory {
  param: (name: string, length: number, std: number) => Param;
  norm: (name: string) => NormParams;
}

/** y (+)= a·x over [length]. */
export function axpy(y: Float32Array, a: number, x: Float32Array, length: number, accumulate = true): void {
  if (accumulate) for (let i = 0; i < length; i++) y[i] += a * x[i];
  else for (let i = 0; i < length; i++) y[i] = a * x[i];
}

/** Σ x·y over [length], in float64. */
export function dot(x: Float32Array, y: Float32Array, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += x[i] * y[i];
  return sum;
}

/** The sizes a mixer allocates for: N rows, C width, L blocks, and the allocator (float32, or float64 in the gradient check). */
export interface MixerSize {
  n: number;
  c: number;
  layers: number;
  allocate: (length: number) => Float32Array;
}
