// The gpu.js probe backend: every ProbeBackend op as gpu.js 2.24.1 kernels (gpujsKernels.ts) — `webasm`
// in Node, `gpu` (WebGL2) in a browser. Kernels are created per op and shape, with the shape as
// constants, and cached; each op reads its result back into the caller's Float32Array, and
// accumulation (the `accumulate` flags, parameter gradients) is added on the host. A probe run does not
// go op by op: createDeviceStep gives the engine the device-resident step of gpujsStep.ts (no readback
// but at recorded steps); the ops remain for the op suite and models that step does not know. Imports
// no Node built-in: it is bundled into the webview as well as the CLI.

import { GPU } from 'gpu.js';
import type { IKernelRunShortcut } from 'gpu.js';
import type { AdamConstants, DeviceStep, ProbeBackend } from '../backend';
import type { ModelParams } from '../modelParams';
import { DeviceRunner, kernelFallbacks } from './gpujsDevice';
import { GpujsStep, deviceStepSupports } from './gpujsStep';
import {
  adamMomentSource, adamParamSource, attentionDpreSource, attentionDqkvSource, attentionOutSource,
  attentionProbsSource, crossEntropyBackwardSource, crossEntropyLossSource, geluBackwardSource,
  geluForwardSource, layerNormApplySource, layerNormDxSource, layerNormParamGradSource,
  layerNormStatSource, matmulSource, rmsNormApplySource, rmsNormDxSource, rmsNormGammaGradSource,
  rmsNormStatSource, softmaxSource,
} from './gpujsKernels';

/** gpu.js modes this backend is meant for; `cpu` needs unsafe-eval, which the webview forbids. */
export type GpujsMode = 'webasm' | 'gpu' | 'webgl2' | 'headlessgl';

export interface GpujsBackendOptions {
  /** Default: WebGL2 where the platform has it, else webasm. */
  mode?: GpujsMode;
}

type Constants = Record<string, number>;
type Kernel = (...args: (Float32Array | number)[]) => Float32Array;

function write(out: Float32Array, result: Float32Array, length: number, accumulate: boolean): void {
  if (accumulate) for (let i = 0; i < length; i++) out[i] += result[i];
  else out.set(result.subarray(0, length));
}

export class GpujsBackend implements ProbeBackend {
  readonly name = 'gpujs';
  readonly mode: GpujsMode;
  private readonly gpu: GPU;
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  private readonly steps: GpujsStep[] = [];
  /** Op kernels launched (each one read back) since construction; for the benchmarks. */
  opLaunches = 0;

  constructor(options: GpujsBackendOptions = {}) {
    this.mode = options.mode ?? (GPU.isWebGL2Supported ? 'webgl2' : 'webasm');
    this.gpu = new GPU({ mode: this.mode });
  }

  /** The kernel for one source at one output size and set of constants, created on first use. */
  private kernel(name: string, source: string, size: number, constants: Constants): Kernel {
    const key = `${name}:${size}:${Object.entries(constants).map(([k, v]) => `${k}=${v}`).join(',')}`;
    this.opLaunches++;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.gpu.createKernel(source, {
        output: [size],
        constants,
        precision: 'single',
        tactic: 'precision',
        dynamicOutput: false,
      });
      this.kernels.set(key, kernel);
    }
    return kernel as unknown as Kernel;
  }

  /** The device-resident training step for this model (gpujsStep.ts), its parameters uploaded. */
  async createDeviceStep(params: ModelParams, adam: AdamConstants): Promise<DeviceStep | null> {
    if (!deviceStepSupports(params)) return null;
    const step = new GpujsStep(new DeviceRunner(this.gpu), params, adam);
    this.steps.push(step);
    await step.init();
    return step;
  }

  /** Kernel launches and readbacks of the device steps made so far (for the benchmarks). */
  deviceCounters(): { launches: number; readbacks: number } {
    return this.steps.reduce((sum, step) => ({
      launches: sum.launches + step.runner.counters.launches, readbacks: sum.readbacks + step.runner.counters.readbacks,
    }), { launches: 0, readbacks: 0 });
  }

  /**
   * Kernels gpu.js quietly moved to another backend (its `fallbackReason`), as "name: reason". The
   * webasm backend degrades unsupported features to `cpu`, which needs unsafe-eval in a webview.
   */
  fallbacks(): string[] {
    return [...kernelFallbacks(this.kernels), ...this.steps.flatMap((step) => step.runner.fallbacks())];
  }

  matmul(
    out: Float32Array, a: Float32Array, b: Float32Array,
    m: number, k: number, n: number,
    options: { transA?: boolean; transB?: boolean; accumulate?: boolean } = {},
  ): void {
    const { transA = false, transB = false, accumulate = false } = options;
    if (m * n === 0) return;
    if (k === 0) {
      if (!accumulate) out.fill(0, 0, m * n);
      return;
    }
    const kernel = this.kernel(`matmul${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, matmulSource(transA, transB), m * n, { M: m, K: k, N: n });
    write(out, kernel(a.subarray(0, m * k), b.subarray(0, k * n)), m * n, accumulate);
  }

  layerNormForward(
    y: Float32Array, mean: Float32Array, rstd: Float32Array,
    x: Float32Array, gamma: Float32Array, beta: Float32Array, n: number, c: number, eps: number,
  ): void {
    const input = x.subarray(0, n * c);
    mean.set(this.kernel('lnMean', layerNormStatSource, n, { C: c, EPS: eps, STAT: 0 })(input));
    rstd.set(this.kernel('lnRstd', layerNormStatSource, n, { C: c, EPS: eps, STAT: 1 })(input));
    y.set(this.kernel('lnApply', layerNormApplySource, n * c, { C: c })(input, mean.subarray(0, n), rstd.subarray(0, n), gamma, beta));
  }

  layerNormBackward(
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
    dy: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array, gamma: Float32Array,
    n: number, c: number, accumulate = false,
  ): void {
    const [dyRows, xRows, meanRows, rstdRows] = [dy.subarray(0, n * c), x.subarray(0, n * c), mean.subarray(0, n), rstd.subarray(0, n)];
    write(dx, this.kernel('lnDx', layerNormDxSource, n * c, { C: c })(dyRows, xRows, meanRows, rstdRows, gamma), n * c, accumulate);
    write(dgamma, this.kernel('lnDgamma', layerNormParamGradSource, c, { N: n, C: c, WHICH: 0 })(dyRows, xRows, meanRows, rstdRows), c, true);
    write(dbeta, this.kernel('lnDbeta', layerNormParamGradSource, c, { N: n, C: c, WHICH: 1 })(dyRows, xRows, meanRows, rstdRows), c, true);
  }

  rmsNormForward(
    y: Float32Array, rstd: Float32Array, x: Float32Array, gamma: Float32Array, n: number, c: number, eps: number,
  ): void {
    const input = x.subarray(0, n * c);
    rstd.set(this.kernel('rmsRstd', rmsNormStatSource, n, { C: c, EPS: eps })(input));
    y.set(this.kernel('rmsApply', rmsNormApplySource, n * c, { C: c })(input, rstd.subarray(0, n), gamma));
  }

  rmsNormBackward(
    dx: Float32Array, dgamma: Float32Array,
    dy: Float32Array, x: Float32Array, rstd: Float32Array, gamma: Float32Array,
    n: number, c: number, accumulate = false,
  ): void {
    const [dyRows, xRows, rstdRows] = [dy.subarray(0, n * c), x.subarray(0, n * c), rstd.subarray(0, n)];
    write(dx, this.kernel('rmsDx', rmsNormDxSource, n * c, { C: c })(dyRows, xRows, rstdRows, gamma), n * c, accumulate);
    write(dgamma, this.kernel('rmsDgamma', rmsNormGammaGradSource, c, { N: n, C: c })(dyRows, xRows, rstdRows), c, true);
  }

  geluForward(y: Float32Array, x: Float32Array, length: number): void {
    y.set(this.kernel('gelu', geluForwardSource, length, {})(x.subarray(0, length)));
  }

  geluBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, length: number, accumulate = false): void {
    write(dx, this.kernel('geluBack', geluBackwardSource, length, {})(dy.subarray(0, length), x.subarray(0, length)), length, accumulate);
  }

  attentionForward(out: Float32Array, att: Float32Array, qkv: Float32Array, b: number, t: number, c: number, h: number): void {
    const hs = c / h;
    const constants = { T: t, C: c, H: h, HS: hs };
    const input = qkv.subarray(0, b * t * 3 * c);
    const probs = this.kernel('attProbs', attentionProbsSource, b * h * t * t, { ...constants, SCALE: 1 / Math.sqrt(hs) })(input);
    att.set(probs);
    out.set(this.kernel('attOut', attentionOutSource, b * t * c, constants)(probs, input));
  }

  attentionBackward(
    dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, att: Float32Array,
    b: number, t: number, c: number, h: number, accumulate = false,
  ): void {
    const hs = c / h;
    const constants = { T: t, C: c, H: h, HS: hs };
    const [doutRows, qkvRows, attRows] = [dout.subarray(0, b * t * c), qkv.subarray(0, b * t * 3 * c), att.subarray(0, b * h * t * t)];
    const dpre = this.kernel('attDpre', attentionDpreSource, b * h * t * t, constants)(doutRows, qkvRows, attRows);
    const result = this.kernel('attDqkv', attentionDqkvSource, b * t * 3 * c, { ...constants, SCALE: 1 / Math.sqrt(hs) })(dpre, attRows, qkvRows, doutRows);
    write(dqkv, result, b * t * 3 * c, accumulate);
  }

  crossEntropyForward(probs: Float32Array, logits: Float32Array, targets: Int32Array, n: number, v: number): number {
    const rows = logits.subarray(0, n * v);
    // Targets travel as floats (exact below 2^24) because GPU textures hold floats.
    const losses = this.kernel('ceLoss', crossEntropyLossSource, n, { V: v })(rows, Float32Array.from(targets.subarray(0, n)));
    probs.set(this.kernel('softmax', softmaxSource, n * v, { V: v })(rows));
    let loss = 0;
    for (let row = 0; row < n; row++) loss += losses[row];
    return loss / n;
  }

  crossEntropyBackward(dlogits: Float32Array, probs: Float32Array, targets: Int32Array, n: number, v: number): void {
    const result = this.kernel('ceBack', crossEntropyBackwardSource, n * v, { V: v, N: n })(probs.subarray(0, n * v), Float32Array.from(targets.subarray(0, n)));
    dlogits.set(result);
  }

  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, t: number,
  ): void {
    const size = param.length;
    m.set(this.kernel('adamM', adamMomentSource, size, { WHICH: 0 })(m, grad, beta1));
    v.set(this.kernel('adamV', adamMomentSource, size, { WHICH: 1 })(v, grad, beta2));
    const correction1 = 1 - Math.pow(beta1, t);
    const correction2 = 1 - Math.pow(beta2, t);
    param.set(this.kernel('adamParam', adamParamSource, size, {})(param, m, v, lr, correction1, correction2, eps));
  }

  dispose(): void {
    for (const step of this.steps.splice(0)) step.dispose();
    for (const kernel of this.kernels.values()) kernel.destroy();
    this.kernels.clear();
    void this.gpu.destroy();
  }
}
