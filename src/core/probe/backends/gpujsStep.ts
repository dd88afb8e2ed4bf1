// The gpu.js training step kept on the device: forward, backward and Adam for the whole probe model
// as gpu.js pipeline kernels (gpujsDevice.ts), parameters and Adam moments resident across steps (one
// [param | m | v] buffer each, updated by one kernel), and a
// readback only where the host needs numbers: the loss and the metric inputs of a recorded step. It
// follows modelForward.ts and modelBackward.ts equation by equation (their comments hold the maths);
// what differs is fusion: residual adds and gradient sums ride on the matmul that produces them, GELU's
// backward on the matmul before it, a norm's statistics and its two parameter gradients share a kernel.

import type { AdamConstants, DeviceStep } from '../backend';
import type { DeviceArray, DeviceRunner } from './gpujsDevice';
import { release } from './gpujsDevice';
import { attentionDqkvSource, attentionOutSource, geluForwardSource } from './gpujsKernels';
import {
  adamSource, attentionDattSource, attentionScoresSource, causalSoftmaxSource, copySource,
  dotSource, embedPositionGradSource, embedSource, embedTokenGradSource, fusedMatmulSource, gatedResidualSource,
  meanCrossEntropySource, normApplySource, normBackwardRowsSource, normDxRowsSource, normParamGradSource,
  normStatsSource, residualSource, scaleByGateSource, softmaxBackwardSource, softmaxCrossEntropyGradSource,
  softmaxRowStatsSource,
} from './gpujsStepKernels';
import { NORM_EPS } from '../modelForward';
import type { ForwardState } from '../modelForward';
import { measureColumn } from '../modelMetrics';
import type { MetricColumn } from '../modelMetrics';
import type { BlockParams, ModelParams, NormParams, Param, SublayerLayout } from '../modelParams';
import { normOnStream } from '../modelParams';

export type DeviceStepOptions = Parameters<DeviceStep['step']>[2];
export interface DeviceStepResult { loss: number; column: MetricColumn }

interface Norm { out: DeviceArray; stats: DeviceArray; x: DeviceArray; params: NormParams }

interface Sublayer {
  x: DeviceArray;
  layout: SublayerLayout;
  inNorm: Norm | null;
  u: DeviceArray;
  first: DeviceArray;
  second: DeviceArray;
  att: DeviceArray | null;
  f: DeviceArray | null;
  outNorm: Norm | null;
  g: DeviceArray | null;
  s: DeviceArray;
  sumNorm: Norm | null;
  out: DeviceArray;
}

interface Block { params: BlockParams; input: DeviceArray; attn: Sublayer; mlp: Sublayer; output: DeviceArray }

const KNOWN_KINDS = new Set(['pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none', 'rezero']);

/** The placements this step was written for; the cures train op by op. */
const DEVICE_PLACEMENTS: ReadonlySet<string> = new Set(['pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none', 'mixed']);

/**
 * Whether the device step knows this model (others train op by op): every block of a kind it was written
 * for, and none of the dilution cures, whose blocks reuse those kinds but mix the stream across depth
 * (variants/) or scale it (LayerNorm Scaling, Admin, nGPT) in ways this step does not compute.
 */
export function deviceStepSupports(params: ModelParams): boolean {
  return DEVICE_PLACEMENTS.has(params.config.placement) && params.blocks.every((block) => KNOWN_KINDS.has(block.kind));
}

export class GpujsStep implements DeviceStep {
  /** Each parameter's state [param | m | v]: kernels read the parameter as its first cells. */
  private readonly data = new Map<Param, DeviceArray>();
  private readonly grads = new Map<Param, { array: DeviceArray; offset: number }>();
  private temps: DeviceArray[] = [];
  private readonly n: number;

  constructor(readonly runner: DeviceRunner, private readonly params: ModelParams, private readonly adam: AdamConstants) {
    this.n = params.config.batch * params.config.seq;
  }

  /** Uploads the parameters with zeroed moments; once, before the first step. */
  async init(): Promise<void> {
    for (const p of this.params.all) {
      const state = new Float32Array(3 * p.data.length);
      state.set(p.data);
      this.data.set(p, await this.runner.run('copy', copySource, state.length, {}, [state]));
    }
  }

  private async k(name: string, source: string, size: number, constants: Record<string, number>, args: (DeviceArray | number)[]): Promise<DeviceArray> {
    const result = await this.runner.run(name, source, size, constants, args);
    this.temps.push(result);
    return result;
  }

  private p(param: Param): DeviceArray {
    return this.data.get(param)!;
  }

  /** out[M,N] = op(a)·op(b) (+ ALPHA·add, or · gelu'(h)); shapes as ProbeBackend.matmul. */
  private mm(a: DeviceArray, b: DeviceArray, m: number, k: number, n: number, options: {
    transA?: boolean; transB?: boolean; add?: DeviceArray; alpha?: number; geluOf?: DeviceArray;
  } = {}): Promise<DeviceArray> {
    const { transA = false, transB = false } = options;
    const epilogue = options.add ? 'add' : options.geluOf ? 'gelugrad' : 'none';
    const name = `mm${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}${epilogue}`;
    const constants: Record<string, number> = { M: m, K: k, N: n };
    const args = [a, b];
    if (options.add) {
      constants.ALPHA = options.alpha ?? 1;
      args.push(options.add);
    }
    if (options.geluOf) args.push(options.geluOf);
    return this.k(name, fusedMatmulSource(transA, transB, epilogue), m * n, constants, args);
  }

  private async norm(params: NormParams, x: DeviceArray): Promise<Norm> {
    const { n } = this;
    const c = this.params.config.dModel;
    const rms = params.beta ? 0 : 1;
    const stats = await this.k('normStats', normStatsSource, 2 * n, { N: n, C: c, EPS: NORM_EPS, RMS: rms }, [x]);
    const args = params.beta ? [x, stats, this.p(params.gamma), this.p(params.beta)] : [x, stats, this.p(params.gamma)];
    const out = await this.k(`normApply${rms}`, normApplySource(!!params.beta), n * c, { N: n, C: c }, args);
    return { out, stats, x, params };
  }

  /** dx (+ ALPHA·add) of a norm, and its gamma/beta gradients. */
  private async normBackward(norm: Norm, dy: DeviceArray, add?: DeviceArray, alpha = 1): Promise<DeviceArray> {
    const { n } = this;
    const c = this.params.config.dModel;
    const rms = norm.params.beta ? 0 : 1;
    const gamma = this.p(norm.params.gamma);
    const grads = await this.k('normGrads', normParamGradSource, (rms ? 1 : 2) * c, { N: n, C: c }, [dy, norm.x, norm.stats]);
    this.grads.set(norm.params.gamma, { array: grads, offset: 0 });
    if (norm.params.beta) this.grads.set(norm.params.beta, { array: grads, offset: c });
    const rows = await this.k('normBackwardRows', normBackwardRowsSource, 2 * n, { N: n, C: c, RMS: rms }, [dy, norm.x, norm.stats, gamma]);
    return add
      ? this.k('normDxAdd', normDxRowsSource(true), n * c, { N: n, C: c, ALPHA: alpha }, [dy, norm.x, norm.stats, gamma, rows, add])
      : this.k('normDx', normDxRowsSource(false), n * c, { N: n, C: c }, [dy, norm.x, norm.stats, gamma, rows]);
  }

  private async attention(qkv: DeviceArray): Promise<{ att: DeviceArray; heads: DeviceArray }> {
    const { batch: b, seq: t, dModel: c, heads: h } = this.params.config;
    const hs = c / h;
    const constants = { T: t, C: c, H: h, HS: hs };
    const scores = await this.k('attScores', attentionScoresSource, b * h * t * t, { ...constants, SCALE: 1 / Math.sqrt(hs) }, [qkv]);
    const rows = b * h * t;
    const stats = await this.k('softmaxRowStats', softmaxRowStatsSource, 2 * rows, { R: rows, W: t, CAUSAL: 1 }, [scores]);
    const att = await this.k('causalSoftmax', causalSoftmaxSource, b * h * t * t, { R: rows, T: t }, [scores, stats]);
    const heads = await this.k('attOut', attentionOutSource, b * t * c, constants, [att, qkv]);
    return { att, heads };
  }

  private async sublayer(block: BlockParams, kind: 'attn' | 'mlp', x: DeviceArray): Promise<Sublayer> {
    const { n } = this;
    const c = this.params.config.dModel;
    const layout = kind === 'attn' ? block.attn : block.mlp;
    const inParams = kind === 'attn' ? block.attnIn : block.mlpIn;
    const outParams = kind === 'attn' ? block.attnOut : block.mlpOut;
    const sumParams = kind === 'attn' ? block.attnSum : block.mlpSum;
    const gate = kind === 'attn' ? block.attnGate : block.mlpGate;
    const inNorm = inParams ? await this.norm(inParams, x) : null;
    const u = inNorm?.out ?? x;
    let first: DeviceArray;
    let second: DeviceArray;
    let att: DeviceArray | null = null;
    if (kind === 'attn') {
      first = await this.mm(u, this.p(block.wqkv), n, c, 3 * c);
      ({ att, heads: second } = await this.attention(first));
    } else {
      first = await this.mm(u, this.p(block.w1), n, c, 4 * c);
      second = await this.k('gelu', geluForwardSource, n * 4 * c, {}, [first]);
    }
    const w = kind === 'attn' ? this.p(block.wo) : this.p(block.w2);
    const k = kind === 'attn' ? c : 4 * c;
    let f: DeviceArray | null = null;
    let outNorm: Norm | null = null;
    let g: DeviceArray | null = null;
    let s: DeviceArray;
    if (!outParams && !gate) {
      s = await this.mm(second, w, n, k, c, { add: x, alpha: layout.alpha });
    } else {
      f = await this.mm(second, w, n, k, c);
      outNorm = outParams ? await this.norm(outParams, f) : null;
      g = outNorm?.out ?? f;
      s = gate
        ? await this.k('gatedResidual', gatedResidualSource, n * c, { ALPHA: layout.alpha }, [x, g, this.p(gate)])
        : await this.k('residual', residualSource, n * c, { ALPHA: layout.alpha }, [x, g]);
    }
    const sumNorm = sumParams ? await this.norm(sumParams, s) : null;
    return { x, layout, inNorm, u, first, second, att, f, outNorm, g, s, sumNorm, out: sumNorm?.out ?? s };
  }

  /** parallel-pre: x' = x + Attn(N(x)) + MLP(N(x)); the two sums ride on the two output matmuls. */
  private async parallel(block: BlockParams, x: DeviceArray): Promise<{ attn: Sublayer; mlp: Sublayer }> {
    const { n } = this;
    const c = this.params.config.dModel;
    const inNorm = await this.norm(block.attnIn!, x);
    const u = inNorm.out;
    const qkv = await this.mm(u, this.p(block.wqkv), n, c, 3 * c);
    const { att, heads } = await this.attention(qkv);
    const partial = await this.mm(heads, this.p(block.wo), n, c, c, { add: x });
    const h = await this.mm(u, this.p(block.w1), n, c, 4 * c);
    const a = await this.k('gelu', geluForwardSource, n * 4 * c, {}, [h]);
    const s = await this.mm(a, this.p(block.w2), n, 4 * c, c, { add: partial });
    const common = { x, u, f: null, outNorm: null, g: null, sumNorm: null };
    return {
      attn: { ...common, layout: block.attn, inNorm, first: qkv, second: heads, att, s: partial, out: partial },
      mlp: { ...common, layout: block.mlp, inNorm: null, first: h, second: a, att: null, s, out: s },
    };
  }

  /** From df: the branch's weight gradients and du (+ ALPHA·add). */
  private async branchBackward(block: BlockParams, kind: 'attn' | 'mlp', state: Sublayer, df: DeviceArray, add: DeviceArray | undefined, alpha: number): Promise<DeviceArray> {
    const { n } = this;
    const { batch: b, seq: t, dModel: c, heads: h } = this.params.config;
    const addOptions = add ? { add, alpha } : {};
    if (kind === 'attn') {
      this.grads.set(block.wo, { array: await this.mm(state.second, df, c, n, c, { transA: true }), offset: 0 });
      const dheads = await this.mm(df, this.p(block.wo), n, c, c, { transB: true });
      const hs = c / h;
      const constants = { T: t, C: c, H: h, HS: hs };
      const datt = await this.k('attDatt', attentionDattSource, b * h * t * t, constants, [dheads, state.first]);
      const dpre = await this.k('softmaxBackward', softmaxBackwardSource, b * h * t * t, { T: t }, [state.att!, datt]);
      const dqkv = await this.k('attDqkv', attentionDqkvSource, n * 3 * c, { ...constants, SCALE: 1 / Math.sqrt(hs) }, [dpre, state.att!, state.first, dheads]);
      this.grads.set(block.wqkv, { array: await this.mm(state.u, dqkv, c, n, 3 * c, { transA: true }), offset: 0 });
      return this.mm(dqkv, this.p(block.wqkv), n, 3 * c, c, { transB: true, ...addOptions });
    }
    this.grads.set(block.w2, { array: await this.mm(state.second, df, 4 * c, n, c, { transA: true }), offset: 0 });
    const dh = await this.mm(df, this.p(block.w2), n, c, 4 * c, { transB: true, geluOf: state.first });
    this.grads.set(block.w1, { array: await this.mm(state.u, dh, c, n, 4 * c, { transA: true }), offset: 0 });
    return this.mm(dh, this.p(block.w1), n, 4 * c, c, { transB: true, ...addOptions });
  }

  /** One sublayer in reverse: ∂loss/∂out in, ∂loss/∂x out (modelBackward.ts's sublayerBackward). */
  private async sublayerBackward(block: BlockParams, kind: 'attn' | 'mlp', state: Sublayer, stream: DeviceArray): Promise<DeviceArray> {
    const { n } = this;
    const c = this.params.config.dModel;
    const gate = kind === 'attn' ? block.attnGate : block.mlpGate;
    const ds = state.sumNorm ? await this.normBackward(state.sumNorm, stream) : stream;
    let dg = ds;
    if (gate) {
      this.grads.set(gate, { array: await this.k('dot', dotSource, 1, { SIZE: n * c }, [ds, state.g!]), offset: 0 });
      dg = await this.k('scaleByGate', scaleByGateSource, n * c, {}, [ds, this.p(gate)]);
    }
    const df = state.outNorm ? await this.normBackward(state.outNorm, dg) : dg;
    const alpha = state.layout.alpha;
    if (state.inNorm) {
      const du = await this.branchBackward(block, kind, state, df, undefined, 1);
      return this.normBackward(state.inNorm, du, ds, alpha);
    }
    return this.branchBackward(block, kind, state, df, ds, alpha);
  }

  private async adamUpdate(lr: number, t: number): Promise<void> {
    const { beta1, beta2, eps } = this.adam;
    const correction1 = 1 - Math.pow(beta1, t);
    const correction2 = 1 - Math.pow(beta2, t);
    for (const param of this.params.all) {
      const grad = this.grads.get(param);
      if (!grad) throw new Error(`device step: no gradient for ${param.name}`);
      const size = param.data.length;
      const constants = { SIZE: size, OFFSET: grad.offset, B1: beta1, B2: beta2, EPS: eps };
      const state = await this.runner.run('adam', adamSource, 3 * size, constants, [this.p(param), grad.array, lr, correction1, correction2]);
      release(this.data.get(param));
      this.data.set(param, state);
    }
  }

  /** One forward and backward on this batch, then Adam when asked; at a recorded step, loss and metrics. */
  async step(tokens: Int32Array, targets: Int32Array, options: DeviceStepOptions): Promise<DeviceStepResult | null> {
    const { batch, seq: t, dModel: c, vocab: v } = this.params.config;
    const { n } = this;
    const params = this.params;
    // Tokens travel as floats (exact below 2^24): GPU textures hold floats.
    const tokenRows = Float32Array.from(tokens);
    const targetRows = Float32Array.from(targets);
    this.grads.clear();
    try {
      const embedded = await this.k('embed', embedSource, n * c, { T: t, C: c }, [tokenRows, this.p(params.wte), this.p(params.wpe)]);
      let x = embedded;
      const blocks: Block[] = [];
      for (const block of params.blocks) {
        const input = x;
        let attn: Sublayer;
        let mlp: Sublayer;
        if (block.kind === 'parallel-pre') {
          ({ attn, mlp } = await this.parallel(block, x));
        } else {
          attn = await this.sublayer(block, 'attn', x);
          mlp = await this.sublayer(block, 'mlp', attn.out);
        }
        x = mlp.out;
        blocks.push({ params: block, input, attn, mlp, output: x });
      }
      const finalNorm = params.finalNorm ? await this.norm(params.finalNorm, x) : null;
      const headInput = finalNorm?.out ?? x;
      const logits = await this.mm(headInput, this.p(params.head), n, c, v);
      const logitStats = await this.k('softmaxRowStats', softmaxRowStatsSource, 2 * n, { R: n, W: v, CAUSAL: 0 }, [logits]);
      const dlogits = await this.k('ceGrad', softmaxCrossEntropyGradSource, n * v, { N: n, V: v }, [logits, logitStats, targetRows]);
      this.grads.set(params.head, { array: await this.mm(headInput, dlogits, c, n, v, { transA: true }), offset: 0 });
      let stream = await this.mm(dlogits, this.p(params.head), n, v, c, { transB: true });
      if (finalNorm) stream = await this.normBackward(finalNorm, stream);
      for (let index = blocks.length - 1; index >= 0; index--) {
        const { params: block, attn, mlp } = blocks[index];
        if (block.kind === 'parallel-pre') {
          stream = await this.parallelBackward(block, attn, mlp, stream);
          continue;
        }
        stream = await this.sublayerBackward(block, 'mlp', mlp, stream);
        stream = await this.sublayerBackward(block, 'attn', attn, stream);
      }
      this.grads.set(params.wte, { array: await this.k('embedTokenGrad', embedTokenGradSource, v * c, { N: n, C: c }, [tokenRows, stream]), offset: 0 });
      this.grads.set(params.wpe, { array: await this.k('embedPositionGrad', embedPositionGradSource, t * c, { B: batch, T: t, C: c }, [stream]), offset: 0 });
      const result = options.record ? await this.measure(embedded, blocks, logits, logitStats, targetRows) : null;
      if (options.update) await this.adamUpdate(options.update.lr, options.update.t);
      return result;
    } finally {
      for (const array of this.temps) release(array);
      this.temps = [];
      this.grads.clear();
    }
  }

  private async parallelBackward(block: BlockParams, attn: Sublayer, mlp: Sublayer, stream: DeviceArray): Promise<DeviceArray> {
    const duAttn = await this.branchBackward(block, 'attn', attn, stream, undefined, 1);
    const du = await this.branchBackward(block, 'mlp', mlp, stream, duAttn, 1);
    return this.normBackward(attn.inNorm!, du, stream, 1);
  }

  /** The recorded step's readbacks: the loss and what measureColumn reads (modelMetrics.ts). */
  private async measure(embedded: DeviceArray, blocks: Block[], logits: DeviceArray, logitStats: DeviceArray, targets: Float32Array): Promise<DeviceStepResult> {
    const { n } = this;
    const { vocab: v } = this.params.config;
    const lossArray = await this.k('meanCrossEntropy', meanCrossEntropySource, 1, { N: n, V: v }, [logits, logitStats, targets]);
    const loss = (await this.runner.read(lossArray))[0];
    // x0 is the stream entering block 1: the embedding itself for every placement this step trains.
    const embeddedData = await this.runner.read(embedded);
    const state = { embedded: embeddedData, x0: embeddedData, blocks: [] as unknown[] };
    for (const block of blocks) {
      const output = await this.runner.read(block.output);
      const s = normOnStream(block.params.kind) ? await this.runner.read(block.mlp.s) : output;
      block.params.wo.grad.set(await this.runner.read(this.grads.get(block.params.wo)!.array));
      block.params.w2.grad.set(await this.runner.read(this.grads.get(block.params.w2)!.array));
      const input = state.blocks.length === 0 ? state.embedded : (state.blocks.at(-1) as { output: Float32Array }).output;
      state.blocks.push({ params: block.params, input, output, mlp: { s, layout: block.mlp.layout } });
    }
    return { loss, column: measureColumn(this.params, state as unknown as ForwardState) };
  }

  /** Copies the device parameters into params.all[].data (tests; the run itself never needs them). */
  async readParams(): Promise<void> {
    for (const param of this.params.all) param.data.set((await this.runner.read(this.p(param))).subarray(0, param.data.length));
  }

  dispose(): void {
    for (const array of this.data.values()) release(array);
    this.data.clear();
    this.runner.dispose();
  }
}
