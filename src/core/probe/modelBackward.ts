// The probe model's backward pass: the forward of modelForward.ts run in reverse, accumulating every
// parameter's gradient into Param.grad (the caller zeroes them first). Shapes as in modelForward.ts.

import type { ProbeBackend } from './backend';
import type { ForwardState, NormState, SublayerState } from './modelForward';
import type { Allocate, BlockParams, ModelParams, NormParams, Param } from './modelParams';
import { allocateFloat32 } from './modelParams';
import { mixedBlocksBackward } from './variants/mixers';

/** Gradient buffers reused across blocks and steps. */
export interface BackwardScratch {
  /** The gradient flowing down the residual stream, [N, C]. */
  stream: Float32Array;
  ds: Float32Array;
  dg: Float32Array;
  df: Float32Array;
  du: Float32Array;
  /** [N, 4C]: dqkv or dh. */
  dfirst: Float32Array;
  /** [N, 4C]: dheads or dgelu(h). */
  dsecond: Float32Array;
  /** [N, V]. */
  dlogits: Float32Array;
}

export function allocateBackward(params: ModelParams, allocate: Allocate = allocateFloat32): BackwardScratch {
  const { batch, seq, dModel: c, vocab: v } = params.config;
  const n = batch * seq;
  return {
    stream: allocate(n * c), ds: allocate(n * c), dg: allocate(n * c), df: allocate(n * c), du: allocate(n * c),
    dfirst: allocate(n * 4 * c), dsecond: allocate(n * 4 * c), dlogits: allocate(n * v),
  };
}

/** dx (+)= ∂/∂x of the norm, gamma/beta grads accumulate. */
export function normBackward(
  backend: ProbeBackend, norm: NormParams, state: NormState,
  dx: Float32Array, dy: Float32Array, x: Float32Array, n: number, c: number, accumulate: boolean,
): void {
  if (norm.beta) {
    backend.layerNormBackward(dx, norm.gamma.grad, norm.beta.grad, dy, x, state.mean, state.rstd, norm.gamma.data, n, c, accumulate);
  } else {
    backend.rmsNormBackward(dx, norm.gamma.grad, dy, x, state.rstd, norm.gamma.data, n, c, accumulate);
  }
}

/** From df [N,C]: W_O, W_qkv grads; du [N,C] (+)= ∂/∂u. */
export function attentionBranchBackward(
  backend: ProbeBackend, block: BlockParams, state: SublayerState, scratch: BackwardScratch, df: Float32Array,
  b: number, t: number, c: number, h: number, accumulateDu: boolean,
): void {
  const n = b * t;
  backend.matmul(block.wo.grad, state.second, df, c, n, c, { transA: true, accumulate: true });
  backend.matmul(scratch.dsecond, df, block.wo.data, n, c, c, { transB: true });
  backend.attentionBackward(scratch.dfirst, scratch.dsecond, state.first, state.att!, b, t, c, h);
  backend.matmul(block.wqkv.grad, state.u, scratch.dfirst, c, n, 3 * c, { transA: true, accumulate: true });
  backend.matmul(scratch.du, scratch.dfirst, block.wqkv.data, n, 3 * c, c, { transB: true, accumulate: accumulateDu });
}

/** From df [N,C]: W_2, W_1 grads; du [N,C] (+)= ∂/∂u. */
export function mlpBranchBackward(
  backend: ProbeBackend, block: BlockParams, state: SublayerState, scratch: BackwardScratch, df: Float32Array,
  n: number, c: number, accumulateDu: boolean,
): void {
  backend.matmul(block.w2.grad, state.second, df, 4 * c, n, c, { transA: true, accumulate: true });
  backend.matmul(scratch.dsecond, df, block.w2.data, n, c, 4 * c, { transB: true });
  backend.geluBackward(scratch.dfirst, scratch.dsecond, state.first, n * 4 * c);
  backend.matmul(block.w1.grad, state.u, scratch.dfirst, c, n, 4 * c, { transA: true, accumulate: true });
  backend.matmul(scratch.du, scratch.dfirst, block.w1.data, n, 4 * c, c, { transB: true, accumulate: accumulateDu });
}

/**
 * One sublayer in reverse, in place on scratch.stream: on entry ∂loss/∂out, on exit ∂loss/∂x.
 * out = sumN(s), s = α·x + gate·g, g = outN(f), f = F(u), u = inN(x).
 */
function sublayerBackward(
  backend: ProbeBackend, params: ModelParams, block: BlockParams, state: SublayerState, scratch: BackwardScratch,
  kind: 'attn' | 'mlp',
): void {
  const { batch: b, seq: t, dModel: c, heads: h } = params.config;
  const n = b * t;
  const size = n * c;
  const sumNormParams = kind === 'attn' ? block.attnSum : block.mlpSum;
  const outNormParams = kind === 'attn' ? block.attnOut : block.mlpOut;
  const inNormParams = kind === 'attn' ? block.attnIn : block.mlpIn;
  const gate: Param | null = kind === 'attn' ? block.attnGate : block.mlpGate;
  const vector: Param | null = kind === 'attn' ? block.attnVector : block.mlpVector;
  const layout = state.layout;
  let ds = scratch.stream;
  if (sumNormParams && state.sumNorm) {
    normBackward(backend, sumNormParams, state.sumNorm, scratch.ds, scratch.stream, state.s, n, c, false);
    ds = scratch.ds;
  }
  let dg = ds;
  if (gate) {
    // ∂s/∂gate = g (a scalar gate over the whole branch).
    let dot = 0;
    for (let i = 0; i < size; i++) dot += ds[i] * state.g[i];
    gate.grad[0] += dot;
    const scale = gate.data[0];
    for (let i = 0; i < size; i++) scratch.dg[i] = scale * ds[i];
    dg = scratch.dg;
  }
  if (vector && layout.lerp) {
    // s = x + α ⊙ (g − x): ∂s/∂α = g − x, ∂s/∂g = α.
    for (let i = 0; i < size; i++) {
      vector.grad[i % c] += ds[i] * (state.g[i] - state.x[i]);
      scratch.dg[i] = vector.data[i % c] * ds[i];
    }
    dg = scratch.dg;
  } else if (vector && layout.omega) {
    // s = ω ⊙ x + g: ∂s/∂ω = x.
    for (let i = 0; i < size; i++) vector.grad[i % c] += ds[i] * state.x[i];
  }
  let df = dg;
  if (outNormParams && state.outNorm) {
    normBackward(backend, outNormParams, state.outNorm, scratch.df, dg, state.f, n, c, false);
    df = scratch.df;
  }
  if (kind === 'attn') attentionBranchBackward(backend, block, state, scratch, df, b, t, c, h, false);
  else mlpBranchBackward(backend, block, state, scratch, df, n, c, false);
  const alpha = layout.alpha;
  const stream = scratch.stream;
  // ∂s/∂x: α, or ω per channel (Admin), or 1 − α per channel (nGPT).
  if (vector && layout.omega) for (let i = 0; i < size; i++) stream[i] = vector.data[i % c] * ds[i];
  else if (vector && layout.lerp) for (let i = 0; i < size; i++) stream[i] = (1 - vector.data[i % c]) * ds[i];
  else if (ds !== stream) for (let i = 0; i < size; i++) stream[i] = alpha * ds[i];
  else if (alpha !== 1) for (let i = 0; i < size; i++) stream[i] *= alpha;
  if (layout.inScale !== 1) for (let i = 0; i < size; i++) scratch.du[i] *= layout.inScale;
  if (inNormParams && state.inNorm) normBackward(backend, inNormParams, state.inNorm, stream, scratch.du, state.x, n, c, true);
  else for (let i = 0; i < size; i++) stream[i] += scratch.du[i];
}

/** parallel-pre in reverse: x' = x + Attn(u) + MLP(u), u = N(x); in place on scratch.stream. */
function parallelBackward(backend: ProbeBackend, params: ModelParams, block: BlockParams, attn: SublayerState, mlp: SublayerState, scratch: BackwardScratch): void {
  const { batch: b, seq: t, dModel: c, heads: h } = params.config;
  const n = b * t;
  attentionBranchBackward(backend, block, attn, scratch, scratch.stream, b, t, c, h, false);
  mlpBranchBackward(backend, block, mlp, scratch, scratch.stream, n, c, true);
  if (block.attnIn && attn.inNorm) normBackward(backend, block.attnIn, attn.inNorm, scratch.stream, scratch.du, attn.x, n, c, true);
}

/** Accumulates ∂loss/∂θ into every Param.grad for the batch of the last forward. */
export function backward(backend: ProbeBackend, params: ModelParams, state: ForwardState, scratch: BackwardScratch): void {
  const { batch: b, seq: t, dModel: c, vocab: v } = params.config;
  const n = b * t;
  backend.crossEntropyBackward(scratch.dlogits, state.probs, state.targets, n, v);
  // head[C,V] grad += headInputᵀ · dlogits; ∂/∂headInput = dlogits · headᵀ.
  backend.matmul(params.head.grad, state.headInput, scratch.dlogits, c, n, v, { transA: true, accumulate: true });
  const last = state.finalInput;
  if (params.finalNorm && state.finalNorm) {
    backend.matmul(scratch.ds, scratch.dlogits, params.head.data, n, v, c, { transB: true });
    normBackward(backend, params.finalNorm, state.finalNorm, scratch.stream, scratch.ds, last, n, c, false);
  } else {
    backend.matmul(scratch.stream, scratch.dlogits, params.head.data, n, v, c, { transB: true });
  }
  if (state.mixer) mixedBlocksBackward(backend, params, state, state.mixer, scratch);
  else for (let index = state.blocks.length - 1; index >= 0; index--) {
    const block = state.blocks[index];
    if (block.params.kind === 'parallel-pre') {
      parallelBackward(backend, params, block.params, block.attn, block.mlp, scratch);
      continue;
    }
    sublayerBackward(backend, params, block.params, block.mlp, scratch, 'mlp');
    sublayerBackward(backend, params, block.params, block.attn, scratch, 'attn');
  }
  let dEmbedded = scratch.stream;
  if (params.embedNorm && state.embedNorm) {
    normBackward(backend, params.embedNorm, state.embedNorm, scratch.ds, scratch.stream, state.embedded, n, c, false);
    dEmbedded = scratch.ds;
  }
  for (let row = 0; row < n; row++) {
    const token = state.tokens[row] * c;
    const position = (row % t) * c;
    for (let i = 0; i < c; i++) {
      const g = dEmbedded[row * c + i];
      params.wte.grad[token + i] += g;
      params.wpe.grad[position + i] += g;
    }
  }
}
