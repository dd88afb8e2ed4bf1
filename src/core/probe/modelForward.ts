// The probe model's forward pass and the activations it keeps for the backward pass and the metrics.
// Shapes: B batch, T seq, C width, H heads, V vocab, N = B·T rows. Each sublayer computes
//   x' = sumN(α·x + gate · outN(F(inN(x))))
// with the norms, gate and α its placement gives it (modelParams.ts); parallel-pre computes
//   x' = x + Attn(N(x)) + MLP(N(x)).

import type { ProbeBackend } from './backend';
import type { Allocate, BlockParams, ModelParams, NormParams, Param, SublayerLayout } from './modelParams';
import { allocateFloat32 } from './modelParams';
import type { StreamMixer } from './variants/mixer';
import { createMixer, mixedBlocksForward } from './variants/mixers';

export const NORM_EPS = 1e-5;

export interface NormState {
  /** [N, C]. */
  out: Float32Array;
  /** [N]; unused by RMSNorm. */
  mean: Float32Array;
  /** [N]. */
  rstd: Float32Array;
}

export interface SublayerState {
  layout: SublayerLayout;
  /** The stream entering the sublayer, [N, C] (an alias of the previous output). */
  x: Float32Array;
  /** F's input, [N, C]: inN(x), or x itself. */
  u: Float32Array;
  inNorm: NormState | null;
  /** Attention: qkv [N, 3C], att [B, H, T, T], heads [N, C]. MLP: h and gelu(h), [N, 4C]. */
  first: Float32Array;
  second: Float32Array;
  att: Float32Array | null;
  /** F's output, [N, C]. */
  f: Float32Array;
  /** outN(f), or f itself. */
  g: Float32Array;
  outNorm: NormState | null;
  /** The residual sum α·x + gate·g, [N, C]. */
  s: Float32Array;
  sumNorm: NormState | null;
  /** The stream leaving the sublayer: sumN(s), or s itself. */
  out: Float32Array;
}

export interface BlockState {
  params: BlockParams;
  input: Float32Array;
  attn: SublayerState;
  mlp: SublayerState;
  output: Float32Array;
}

export interface ForwardState {
  tokens: Int32Array;
  targets: Int32Array;
  /** x₀ = wte[token] + wpe[position], [N, C]. */
  embedded: Float32Array;
  /** nGPT: x₀ put on the sphere; null elsewhere. */
  embedNorm: NormState | null;
  /** The stream entering the first block: embedNorm's output, or embedded. */
  x0: Float32Array;
  blocks: BlockState[];
  /** The stream-mixing cures' state (variants/mixer.ts); null for the placements with one plain stream. */
  mixer: StreamMixer | null;
  /** What the final norm (or the head, without one) reads, [N, C]. */
  finalInput: Float32Array;
  finalNorm: NormState | null;
  /** What the head reads, [N, C]. */
  headInput: Float32Array;
  /** [N, V]. */
  logits: Float32Array;
  probs: Float32Array;
  loss: number;
}

interface Context {
  backend: ProbeBackend;
  params: ModelParams;
  allocate: Allocate;
  n: number;
}

function allocateNorm(context: Context): NormState {
  const { allocate, n } = context;
  return { out: allocate(n * context.params.config.dModel), mean: allocate(n), rstd: allocate(n) };
}

export function normForward(backend: ProbeBackend, norm: NormParams, state: NormState, x: Float32Array, n: number, c: number): void {
  if (norm.beta) backend.layerNormForward(state.out, state.mean, state.rstd, x, norm.gamma.data, norm.beta.data, n, c, NORM_EPS);
  else backend.rmsNormForward(state.out, state.rstd, x, norm.gamma.data, n, c, NORM_EPS);
}

function allocateSublayer(context: Context, layout: SublayerLayout, kind: 'attn' | 'mlp', norms: {
  inNorm: boolean; sharedU?: Float32Array;
}): SublayerState {
  const { allocate, n } = context;
  const { dModel: c, batch: b, seq: t, heads: h } = context.params.config;
  const inNorm = norms.inNorm ? allocateNorm(context) : null;
  const f = allocate(n * c);
  const outNorm = layout.outNorm ? allocateNorm(context) : null;
  const s = allocate(n * c);
  const sumNorm = layout.sumNorm ? allocateNorm(context) : null;
  return {
    layout,
    // x, and u where there is no input norm, alias the previous output and are bound by forward().
    x: s,
    u: norms.sharedU ?? inNorm?.out ?? s,
    inNorm,
    first: allocate(n * (kind === 'attn' ? 3 * c : 4 * c)),
    second: allocate(n * (kind === 'attn' ? c : 4 * c)),
    att: kind === 'attn' ? allocate(b * h * t * t) : null,
    f,
    g: outNorm?.out ?? f,
    outNorm,
    s,
    sumNorm,
    out: sumNorm?.out ?? s,
  };
}

/** Allocates every activation buffer once; a run reuses them step after step. */
export function allocateForward(backend: ProbeBackend, params: ModelParams, allocate: Allocate = allocateFloat32): ForwardState {
  const { batch, seq, dModel: c, vocab: v } = params.config;
  const n = batch * seq;
  const context: Context = { backend, params, allocate, n };
  const embedded = allocate(n * c);
  const blocks = params.blocks.map((block): BlockState => {
    const attn = allocateSublayer(context, block.attn, 'attn', { inNorm: block.attnIn !== null });
    const mlp = block.kind === 'parallel-pre'
      ? allocateSublayer(context, block.mlp, 'mlp', { inNorm: false, sharedU: attn.u })
      : allocateSublayer(context, block.mlp, 'mlp', { inNorm: block.mlpIn !== null });
    return { params: block, input: embedded, attn, mlp, output: mlp.out };
  });
  const finalNorm = params.finalNorm ? allocateNorm(context) : null;
  const embedNorm = params.embedNorm ? allocateNorm(context) : null;
  const last = blocks.length > 0 ? blocks[blocks.length - 1].output : embedded;
  return {
    tokens: new Int32Array(n),
    targets: new Int32Array(n),
    embedded,
    embedNorm,
    x0: embedNorm?.out ?? embedded,
    blocks,
    mixer: params.mixer ? createMixer(backend, params, params.mixer, allocate) : null,
    finalInput: last,
    finalNorm,
    headInput: finalNorm?.out ?? last,
    logits: allocate(n * v),
    probs: allocate(n * v),
    loss: Number.NaN,
  };
}

/** F for attention: qkv = u·W_qkv [N,3C]; heads = causal attention [N,C]; f = heads·W_O [N,C]. */
export function attentionBranch(backend: ProbeBackend, block: BlockParams, state: SublayerState, b: number, t: number, c: number, h: number): void {
  const n = b * t;
  backend.matmul(state.first, state.u, block.wqkv.data, n, c, 3 * c);
  backend.attentionForward(state.second, state.att!, state.first, b, t, c, h);
  backend.matmul(state.f, state.second, block.wo.data, n, c, c);
}

/** F for the MLP: h = u·W_1 [N,4C]; gelu(h); f = gelu(h)·W_2 [N,C]. */
export function mlpBranch(backend: ProbeBackend, block: BlockParams, state: SublayerState, n: number, c: number): void {
  backend.matmul(state.first, state.u, block.w1.data, n, c, 4 * c);
  backend.geluForward(state.second, state.first, n * 4 * c);
  backend.matmul(state.f, state.second, block.w2.data, n, 4 * c, c);
}

/**
 * s = α·x + gate·g (Admin: ω ⊙ x + g; nGPT: x + α ⊙ (g − x), per channel), then the norm on the stream
 * where there is one.
 */
function residual(backend: ProbeBackend, state: SublayerState, gate: Param | null, vector: Param | null, norm: NormParams | null, n: number, c: number): void {
  const { s, x, g, layout } = state;
  if (vector && layout.omega) {
    for (let i = 0; i < n * c; i++) s[i] = vector.data[i % c] * x[i] + g[i];
  } else if (vector && layout.lerp) {
    for (let i = 0; i < n * c; i++) s[i] = x[i] + vector.data[i % c] * (g[i] - x[i]);
  } else {
    const alpha = layout.alpha;
    const scale = gate ? gate.data[0] : 1;
    for (let i = 0; i < n * c; i++) s[i] = alpha * x[i] + scale * g[i];
  }
  if (norm && state.sumNorm) normForward(backend, norm, state.sumNorm, s, n, c);
}

/** u = inN(x), times LayerNorm Scaling's 1/√l where the layout has one. */
export function inputNorm(backend: ProbeBackend, norm: NormParams | null, state: SublayerState, x: Float32Array, n: number, c: number): void {
  if (norm && state.inNorm) {
    normForward(backend, norm, state.inNorm, x, n, c);
    const scale = state.layout.inScale;
    if (scale !== 1) for (let i = 0; i < n * c; i++) state.u[i] *= scale;
  } else {
    state.u = x;
  }
}

/** What a forward may leave out: `skipBlock` (0-based) passes the stream through that block unchanged (layer importance). */
export interface ForwardOptions {
  skipBlock?: number;
}

export function forward(backend: ProbeBackend, params: ModelParams, state: ForwardState, options: ForwardOptions = {}): number {
  const { batch: b, seq: t, dModel: c, heads: h, vocab: v } = params.config;
  const n = b * t;
  // x₀[N,C] = wte[token] + wpe[position].
  for (let row = 0; row < n; row++) {
    const token = state.tokens[row] * c;
    const position = (row % t) * c;
    for (let i = 0; i < c; i++) state.embedded[row * c + i] = params.wte.data[token + i] + params.wpe.data[position + i];
  }
  if (params.embedNorm && state.embedNorm) normForward(backend, params.embedNorm, state.embedNorm, state.embedded, n, c);
  let x = state.x0;
  if (state.mixer) x = mixedBlocksForward(backend, params, state, state.mixer, options.skipBlock);
  else for (const [index, block] of state.blocks.entries()) {
    const p = block.params;
    block.input = x;
    if (index === options.skipBlock) {
      // x_l = x_{l−1}: the block's update removed, every other block unchanged.
      block.output = x;
      continue;
    }
    const { attn, mlp } = block;
    attn.x = x;
    inputNorm(backend, p.attnIn, attn, x, n, c);
    attentionBranch(backend, p, attn, b, t, c, h);
    if (p.attnOut && attn.outNorm) normForward(backend, p.attnOut, attn.outNorm, attn.f, n, c);
    if (p.kind === 'parallel-pre') {
      // Both branches read the same N(x); the sum x + attn + mlp is formed once, in the MLP's s.
      mlp.x = x;
      mlp.u = attn.u;
      mlpBranch(backend, p, mlp, n, c);
      for (let i = 0; i < n * c; i++) mlp.s[i] = x[i] + attn.f[i] + mlp.f[i];
      block.output = mlp.out;
      x = block.output;
      continue;
    }
    residual(backend, attn, p.attnGate, p.attnVector, p.attnSum, n, c);
    mlp.x = attn.out;
    inputNorm(backend, p.mlpIn, mlp, mlp.x, n, c);
    mlpBranch(backend, p, mlp, n, c);
    if (p.mlpOut && mlp.outNorm) normForward(backend, p.mlpOut, mlp.outNorm, mlp.f, n, c);
    residual(backend, mlp, p.mlpGate, p.mlpVector, p.mlpSum, n, c);
    block.output = mlp.out;
    x = block.output;
  }
  state.finalInput = x;
  if (params.finalNorm && state.finalNorm) normForward(backend, params.finalNorm, state.finalNorm, x, n, c);
  state.headInput = state.finalNorm?.out ?? x;
  // logits[N,V] = headInput · head[C,V].
  backend.matmul(state.logits, state.headInput, params.head.data, n, c, v);
  state.loss = backend.crossEntropyForward(state.probs, state.logits, state.targets, n, v);
  return state.loss;
}
