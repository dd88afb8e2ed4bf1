// The probe model's parameters: which norms, gates and matrices each placement has, and their seeded
// initialisation. Mirrors the block equations of ../shared/DESIGN.md ("The science in one page").
//
// Initialisation (written down because the theory lines depend on it): Xavier-normal on every matrix,
// as in Xiong et al. 2020 and the PyTorch reference of DESIGN.md, with q, k and v initialised as three
// separate C×C matrices (std 1/√C each) although they are stored fused; W_1, W_2 (C×4C) std √(2/5C);
// the untied head (C×V) std √(2/(C+V)). Token and position embeddings are N(0, ½) each, so the
// embedding output x₀ has E‖x₀‖² = d — Xiong's assumption on the stream entering the first block, and
// the reason residualNorm row 0 is ≈ 1. Norm gains are 1, biases 0; linear layers carry no bias (as
// LLaMA/PaLM; at initialisation biases are zero anyway). DeepNorm multiplies v, W_O, W_1 and W_2 by
// β = (8L)^-¼ (torchscale's decoder-only rule; q and k keep gain 1). ReZero gates start at 0.
// The dilution cures (DESIGN.md's second table) start as their papers do: LayerNorm Scaling multiplies
// block l's input norms by 1/√l; Admin's ω starts at 1 and is set by the engine's profiling pass
// (variants/admin.ts); nGPT's step sizes α start at NGPT_ALPHA and its matrices on the unit sphere
// (variants/ngpt.ts); the stream-mixing cures' own parameters are made in variants/mixers.ts.

import type { ProbeConfig } from './types';
import { createRandom, deriveSeed } from './random';
import type { MixerParams } from './variants/mixer';
import { createMixerParams, usesMixer } from './variants/mixers';
import { NGPT_ALPHA, normaliseNgptWeights } from './variants/ngpt';

/** How one block is built, after `mixed` and `rezero` are resolved. */
export type BlockKind = 'pre' | 'post' | 'sandwich' | 'post-sublayer' | 'deepnorm' | 'parallel-pre' | 'none' | 'rezero'
  | 'layernorm-scaling' | 'admin' | 'ngpt';

/** Where the norms of one (attention or MLP) sublayer sit: x' = sumN(α·x + gate·outN(F(inN(x)))). */
export interface SublayerLayout {
  inNorm: boolean;
  outNorm: boolean;
  sumNorm: boolean;
  gate: boolean;
  /** Residual scale: DeepNorm's (2L)^¼, 1 elsewhere. */
  alpha: number;
  /** Scale on the input norm's output: LayerNorm Scaling's 1/√l, 1 elsewhere. */
  inScale: number;
  /** Admin: the stream is scaled by a learned per-channel ω, s = ω ⊙ x + g. */
  omega: boolean;
  /** nGPT: s = x + α ⊙ (g − x) with a learned per-channel α, and norms without gain (outN and sumN). */
  lerp: boolean;
}

/** Allocates a buffer; the float64 gradient check passes a Float64Array factory (same indexing). */
export type Allocate = (length: number) => Float32Array;
export const allocateFloat32: Allocate = (length) => new Float32Array(length);

export interface Param {
  name: string;
  data: Float32Array;
  grad: Float32Array;
}

export interface NormParams {
  gamma: Param;
  /** null for RMSNorm. */
  beta: Param | null;
}

export interface BlockParams {
  kind: BlockKind;
  attn: SublayerLayout;
  mlp: SublayerLayout;
  /** [C, 3C]: q, k, v side by side in each row. */
  wqkv: Param;
  /** [C, C]: the attention out-projection W_O. */
  wo: Param;
  /** [C, 4C]. */
  w1: Param;
  /** [4C, C]: the MLP's second matrix W_2. */
  w2: Param;
  attnIn: NormParams | null;
  attnOut: NormParams | null;
  attnSum: NormParams | null;
  mlpIn: NormParams | null;
  mlpOut: NormParams | null;
  mlpSum: NormParams | null;
  /** ReZero's scalar gates, [1] each. */
  attnGate: Param | null;
  mlpGate: Param | null;
  /** Admin's ω or nGPT's α, [C] each; null elsewhere. */
  attnVector: Param | null;
  mlpVector: Param | null;
}

export interface ModelParams {
  config: ProbeConfig;
  /** [V, C]. */
  wte: Param;
  /** [T, C]. */
  wpe: Param;
  blocks: BlockParams[];
  finalNorm: NormParams | null;
  /** nGPT: the embedding output is put on the sphere (a norm without gain); null elsewhere. */
  embedNorm: NormParams | null;
  /** The stream-mixing cures' own parameters (DenseFormer, Hyper-Connections, ResiDual, AttnRes); null elsewhere. */
  mixer: MixerParams | null;
  /** [C, V], untied from wte so the logits' scale at init does not depend on the embedding's. */
  head: Param;
  /** Every parameter, in a fixed order (the optimizer's and the gradient check's view). */
  all: Param[];
}

export const deepnormAlpha = (layers: number): number => Math.pow(2 * layers, 0.25);
export const deepnormBeta = (layers: number): number => Math.pow(8 * layers, -0.25);

/** Mix-LN: the first ⌊ρ·L⌋ blocks are post-norm, ρ = 0.25. */
export const MIXED_POST_FRACTION = 0.25;

export function blockKinds(config: Pick<ProbeConfig, 'placement' | 'layers' | 'rezero'>): BlockKind[] {
  const { placement, layers } = config;
  return Array.from({ length: layers }, (_, index): BlockKind => {
    if (placement === 'mixed') return index < Math.floor(MIXED_POST_FRACTION * layers) ? 'post' : 'pre';
    if (placement === 'none') return config.rezero ? 'rezero' : 'none';
    // The stream-mixing cures run ordinary branches: Pre-LN ones, and ResiDual's read the normalised stream.
    if (placement === 'residual') return 'none';
    if (usesMixer(placement)) return 'pre';
    return placement as BlockKind;
  });
}

/** A final norm before the head for the placements whose stream is not normalised by the last block. */
export function hasFinalNorm(placement: ProbeConfig['placement']): boolean {
  return placement === 'pre' || placement === 'sandwich' || placement === 'post-sublayer'
    || placement === 'parallel-pre' || placement === 'mixed' || placement === 'layernorm-scaling'
    || placement === 'denseformer' || placement === 'hyper-connections' || placement === 'attention-residuals';
}

/** `index` is the block's 0-based index (LayerNorm Scaling's l is index + 1). */
export function sublayerLayout(kind: BlockKind, layers: number, index = 0): SublayerLayout {
  const layout: SublayerLayout = { inNorm: false, outNorm: false, sumNorm: false, gate: false, alpha: 1, inScale: 1, omega: false, lerp: false };
  switch (kind) {
    case 'pre': case 'parallel-pre': layout.inNorm = true; break;
    case 'layernorm-scaling': layout.inNorm = true; layout.inScale = 1 / Math.sqrt(index + 1); break;
    case 'admin': layout.sumNorm = true; layout.omega = true; break;
    case 'ngpt': layout.outNorm = true; layout.sumNorm = true; layout.lerp = true; break;
    case 'post': layout.sumNorm = true; break;
    case 'sandwich': layout.inNorm = true; layout.outNorm = true; break;
    case 'post-sublayer': layout.outNorm = true; break;
    case 'deepnorm': layout.sumNorm = true; layout.alpha = deepnormAlpha(layers); break;
    case 'rezero': layout.gate = true; break;
    case 'none': break;
  }
  return layout;
}

/** Whether a block's last norm sits on the stream (its sum is what sumNorm records). */
export function normOnStream(kind: BlockKind): boolean {
  return kind === 'post' || kind === 'deepnorm' || kind === 'admin';
}

export function initParams(config: ProbeConfig, allocate: Allocate = allocateFloat32): ModelParams {
  const { dModel: c, vocab: v, seq: t, layers } = config;
  const random = createRandom(deriveSeed(config.seed, 1));
  const all: Param[] = [];
  const param = (name: string, length: number, std: number): Param => {
    const data = allocate(length);
    if (std > 0) for (let i = 0; i < length; i++) data[i] = std * random.normal();
    const created = { name, data, grad: allocate(length) };
    all.push(created);
    return created;
  };
  const norm = (name: string): NormParams => {
    const gamma = param(`${name}.gamma`, c, 0);
    gamma.data.fill(1);
    return { gamma, beta: config.norm === 'layernorm' ? param(`${name}.beta`, c, 0) : null };
  };
  // nGPT's normalisation: onto the sphere of radius √d (RMS 1), no gain; its gamma is not trained.
  const unitNorm = (name: string): NormParams => ({
    gamma: { name: `${name}.unit`, data: allocate(c).fill(1), grad: allocate(c) }, beta: null,
  });
  const vector = (name: string, value: number): Param => {
    const created = param(name, c, 0);
    created.data.fill(value);
    return created;
  };

  const wte = param('wte', v * c, Math.SQRT1_2);
  const wpe = param('wpe', t * c, Math.SQRT1_2);
  const beta = deepnormBeta(layers);
  const blocks = blockKinds(config).map((kind, index): BlockParams => {
    const name = `block${index + 1}`;
    const attn = sublayerLayout(kind, layers, index);
    const mlp = kind === 'parallel-pre' ? { ...attn, inNorm: false } : sublayerLayout(kind, layers, index);
    const onSphere = kind === 'ngpt';
    const wqkv = param(`${name}.wqkv`, c * 3 * c, 1 / Math.sqrt(c));
    const wo = param(`${name}.wo`, c * c, 1 / Math.sqrt(c));
    const w1 = param(`${name}.w1`, c * 4 * c, Math.sqrt(2 / (5 * c)));
    const w2 = param(`${name}.w2`, 4 * c * c, Math.sqrt(2 / (5 * c)));
    if (kind === 'deepnorm') {
      for (let row = 0; row < c; row++) for (let col = 2 * c; col < 3 * c; col++) wqkv.data[row * 3 * c + col] *= beta;
      for (const matrix of [wo, w1, w2]) for (let i = 0; i < matrix.data.length; i++) matrix.data[i] *= beta;
    }
    return {
      kind, attn, mlp, wqkv, wo, w1, w2,
      // parallel-pre shares one input norm between its two branches (GPT-J, Falcon, Phi).
      attnIn: attn.inNorm ? norm(`${name}.attnIn`) : null,
      attnOut: attn.outNorm ? (onSphere ? unitNorm : norm)(`${name}.attnOut`) : null,
      attnSum: attn.sumNorm ? (onSphere ? unitNorm : norm)(`${name}.attnSum`) : null,
      mlpIn: mlp.inNorm ? norm(`${name}.mlpIn`) : null,
      mlpOut: mlp.outNorm ? (onSphere ? unitNorm : norm)(`${name}.mlpOut`) : null,
      mlpSum: mlp.sumNorm ? (onSphere ? unitNorm : norm)(`${name}.mlpSum`) : null,
      attnGate: attn.gate ? param(`${name}.attnGate`, 1, 0) : null,
      mlpGate: mlp.gate ? param(`${name}.mlpGate`, 1, 0) : null,
      attnVector: attn.omega ? vector(`${name}.attnOmega`, 1) : attn.lerp ? vector(`${name}.attnAlpha`, NGPT_ALPHA) : null,
      mlpVector: mlp.omega ? vector(`${name}.mlpOmega`, 1) : mlp.lerp ? vector(`${name}.mlpAlpha`, NGPT_ALPHA) : null,
    };
  });
  const finalNorm = hasFinalNorm(config.placement) ? norm('final') : null;
  const embedNorm = config.placement === 'ngpt' ? unitNorm('embed') : null;
  const mixer = usesMixer(config.placement) ? createMixerParams(config, { param, norm }) : null;
  const head = param('head', c * v, Math.sqrt(2 / (c + v)));
  const params: ModelParams = { config, wte, wpe, blocks, finalNorm, embedNorm, mixer, head, all };
  if (config.placement === 'ngpt') normaliseNgptWeights(params);
  return params;
}

export function zeroGrads(params: ModelParams): void {
  for (const p of params.all) p.grad.fill(0);
}
