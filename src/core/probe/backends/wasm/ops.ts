// The SIMD ops of the fast CPU backend on one wasm memory. matmul (matmulKernel.ts) copies the operands
// in (padding rows to 4 and columns to 8, transposing B when it is stored [N, K]), runs the kernel over
// row ranges — all here, or split with a worker thread by a `RowSplitter` — and copies C back; GELU
// (geluKernel.ts) copies x (and dy) in and the result out.

import type { KernelShape, MatmulKernel } from './matmulKernel';
import { MAX_PAGES, MatmulKernels, PAGE_BYTES, ROW_BLOCK, COL_BLOCK, denseShape, roundUp } from './matmulKernel';
import type { GeluKernels } from './geluKernel';
import { geluModuleBytes } from './geluKernel';
import type { WasmMemory } from './runtime';
import { compileModule, createMemory, instantiate } from './runtime';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
}

/** Byte addresses of one matmul's operands in the wasm memory. */
export interface MatmulJob {
  shape: KernelShape;
  aPtr: number;
  bPtr: number;
  cPtr: number;
  /** Padded rows (a multiple of ROW_BLOCK). */
  rows: number;
  /** Multiply-adds, to decide whether splitting pays. */
  work: number;
}

/** Runs a job's row blocks, possibly on several threads; the default runs them all here. */
export type RowSplitter = (job: MatmulJob, kernel: MatmulKernel) => void;

const runHere: RowSplitter = (job, kernel) => kernel(job.aPtr, job.bPtr, job.cPtr, 0, job.rows);

export class WasmOps {
  readonly memory: WasmMemory;
  readonly kernels: MatmulKernels;
  private view: Float32Array;
  private geluKernels: GeluKernels | null = null;

  constructor(readonly shared: boolean, private readonly split: RowSplitter = runHere) {
    this.memory = createMemory({ initial: 16, maximum: MAX_PAGES, shared });
    this.kernels = new MatmulKernels(this.memory, shared);
    this.view = new Float32Array(this.memory.buffer);
  }

  /** A view of the memory, grown to hold at least `floats` floats (views taken before may be stale). */
  reserve(floats: number): Float32Array {
    const bytes = floats * 4;
    if (bytes > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / PAGE_BYTES));
    }
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** out[M,N] (+)= op(a) · op(b), as ProbeBackend.matmul. */
  matmul(out: Float32Array, a: Float32Array, b: Float32Array, m: number, k: number, n: number, options: MatmulOptions = {}): void {
    const { transA = false, transB = false, accumulate = false } = options;
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) out.fill(0, 0, m * n);
      return;
    }
    const mp = roundUp(m, ROW_BLOCK);
    const np = roundUp(n, COL_BLOCK);
    // Float offsets, each 16-byte aligned so the kernel's vector loads are aligned.
    const aOff = 0;
    const bOff = roundUp(aOff + mp * k, 4);
    const cOff = roundUp(bOff + k * np, 4);
    const f = this.reserve(cOff + mp * np);
    // Padding rows and columns are never zeroed: they only reach padding cells of C, which are dropped.
    if (!transA) {
      f.set(a.subarray(0, m * k), aOff);
    } else if (mp === m) {
      f.set(a.subarray(0, k * m), aOff);
    } else {
      for (let p = 0; p < k; p++) f.set(a.subarray(p * m, p * m + m), aOff + p * mp);
    }
    if (!transB) {
      if (np === n) f.set(b.subarray(0, k * n), bOff);
      else for (let p = 0; p < k; p++) f.set(b.subarray(p * n, p * n + n), bOff + p * np);
    } else {
      // b stored [N,K] → [K,Np]: read rows of b contiguously, scatter with stride Np.
      for (let j = 0; j < n; j++) {
        const row = j * k;
        let dst = bOff + j;
        for (let p = 0; p < k; p++, dst += np) f[dst] = b[row + p];
      }
    }
    if (accumulate) {
      if (np === n) f.set(out.subarray(0, m * n), cOff);
      else for (let i = 0; i < m; i++) f.set(out.subarray(i * n, i * n + n), cOff + i * np);
    }
    const shape: KernelShape = denseShape(k, np, transA ? mp : 0, accumulate);
    const job: MatmulJob = { shape, aPtr: aOff * 4, bPtr: bOff * 4, cPtr: cOff * 4, rows: mp, work: m * k * n };
    this.split(job, this.kernels.kernel(shape));
    if (np === n) out.set(f.subarray(cOff, cOff + m * n));
    else for (let i = 0; i < m; i++) out.set(f.subarray(cOff + i * np, cOff + i * np + n), i * n);
  }

  private gelu(): GeluKernels {
    if (!this.geluKernels) {
      this.geluKernels = instantiate(compileModule(geluModuleBytes(this.shared, MAX_PAGES)), this.memory) as unknown as GeluKernels;
    }
    return this.geluKernels;
  }

  /** y[len] = gelu(x), tanh approximation. */
  geluForward(y: Float32Array, x: Float32Array, length: number): void {
    const padded = roundUp(length, 4);
    const f = this.reserve(2 * padded);
    f.set(x.subarray(0, length), 0);
    this.gelu().forward(padded * 4, 0, 0, padded * 4);
    y.set(f.subarray(padded, padded + length));
  }

  /** dx (+)= dy · gelu'(x). */
  geluBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, length: number, accumulate: boolean): void {
    const padded = roundUp(length, 4);
    const f = this.reserve(3 * padded);
    f.set(x.subarray(0, length), 0);
    f.set(dy.subarray(0, length), padded);
    const kernels = this.gelu();
    if (accumulate) {
      f.set(dx.subarray(0, length), 2 * padded);
      kernels.backwardAccumulate(2 * padded * 4, padded * 4, 0, padded * 4);
    } else {
      kernels.backward(2 * padded * 4, padded * 4, 0, padded * 4);
    }
    dx.set(f.subarray(2 * padded, 2 * padded + length));
  }
}
