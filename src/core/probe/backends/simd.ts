// The wasm-SIMD probe backend: matmul, causal attention, GELU, LayerNorm and Adam on hand-generated WebAssembly
// f32x4 kernels (./wasm), the other ops from the reference backend. With `shared`, the run's buffers
// live in the kernels' memory (allocate()) and the kernels work on them without copies. Runs wherever WebAssembly SIMD does —
// Node, and the webview (which then needs 'wasm-unsafe-eval' in its CSP, as gpu.js's webasm mode
// does). Same ProbeBackend interface and results to float32 accumulation order; src/node's
// ThreadedBackend adds a worker thread on top.

import type { ProbeBackend } from '../backend';
import { ReferenceBackend } from './reference';
import { WasmAttention } from './wasm/attention';
import type { RowSplitter } from './wasm/ops';
import { WasmOps } from './wasm/ops';

export interface SimdBackendOptions {
  /** Put the kernels' memory on a SharedArrayBuffer so worker threads can share it. */
  shared?: boolean;
  /** How a matmul's row blocks are run; all on this thread when absent. */
  split?: RowSplitter;
}

export class SimdBackend extends ReferenceBackend implements ProbeBackend {
  override readonly name = 'cpu';
  protected readonly ops: WasmOps;
  private readonly attention: WasmAttention;

  constructor(options: SimdBackendOptions = {}) {
    super();
    this.ops = new WasmOps(options.shared ?? false, options.split);
    this.attention = new WasmAttention(this.ops);
  }

  override matmul(
    out: Float32Array, a: Float32Array, b: Float32Array,
    m: number, k: number, n: number,
    options?: { transA?: boolean; transB?: boolean; accumulate?: boolean },
  ): void {
    this.ops.matmul(out, a, b, m, k, n, options);
  }

  /** Buffers in the kernels' wasm memory, used in place (a shared memory only; see WasmOps.allocate). */
  allocate(length: number): Float32Array {
    return this.ops.allocate(length);
  }

  override adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, t: number,
  ): void {
    if (!this.ops.adam(param, grad, m, v, lr, beta1, beta2, eps, t)) super.adamUpdate(param, grad, m, v, lr, beta1, beta2, eps, t);
  }

  override layerNormForward(
    y: Float32Array, mean: Float32Array, rstd: Float32Array,
    x: Float32Array, gamma: Float32Array, beta: Float32Array, n: number, c: number, eps: number,
  ): void {
    if (!this.ops.layerNormForward(y, mean, rstd, x, gamma, beta, n, c, eps)) super.layerNormForward(y, mean, rstd, x, gamma, beta, n, c, eps);
  }

  override layerNormBackward(
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
    dy: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array, gamma: Float32Array,
    n: number, c: number, accumulate = false,
  ): void {
    if (!this.ops.layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, n, c, accumulate)) {
      super.layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, n, c, accumulate);
    }
  }

  override geluForward(y: Float32Array, x: Float32Array, length: number): void {
    this.ops.geluForward(y, x, length);
  }

  override geluBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, length: number, accumulate = false): void {
    this.ops.geluBackward(dx, dy, x, length, accumulate);
  }

  override attentionForward(out: Float32Array, att: Float32Array, qkv: Float32Array, b: number, t: number, c: number, h: number): void {
    if (!this.attention.forward(out, att, qkv, b, t, c, h)) super.attentionForward(out, att, qkv, b, t, c, h);
  }

  override attentionBackward(
    dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, att: Float32Array,
    b: number, t: number, c: number, h: number, accumulate = false,
  ): void {
    if (!this.attention.backward(dqkv, dout, qkv, att, b, t, c, h, accumulate)) super.attentionBackward(dqkv, dout, qkv, att, b, t, c, h, accumulate);
  }
}
