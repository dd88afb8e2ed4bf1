// The SIMD ops of the fast CPU backend on one wasm memory. On a shared memory the backend allocates
// the run's buffers (parameters, activations, gradients, Adam's moments) in that memory — an arena at
// its start that only grows, so views never move — and the kernels work on them in place. Operands
// from elsewhere (the op suite's arrays, a non-shared memory in the webview) take the copy path:
// matmul (matmulKernel.ts) copies them into the scratch above the arena (padding rows to 4 and columns
// to 8, transposing B when it is stored [N, K]), runs the kernel over row ranges — all here, or split
// with a worker thread by a `RowSplitter` — and copies C back; GELU (geluKernel.ts) likewise.

import type { KernelShape, MatmulKernel } from './matmulKernel';
import { MAX_PAGES, MatmulKernels, PAGE_BYTES, ROW_BLOCK, COL_BLOCK, denseShape, roundUp } from './matmulKernel';
import type { GeluKernels } from './geluKernel';
import { geluModuleBytes } from './geluKernel';
import type { LayerNormKernels } from './layerNormKernel';
import { layerNormModuleBytes } from './layerNormKernel';
import type { AdamKernels } from './adamKernel';
import { adamModuleBytes } from './adamKernel';
import type { WasmMemory } from './runtime';
import { compileModule, createMemory, instantiate } from './runtime';

/** The arena stops short of the 1 GiB address space so the scratch above it always fits. */
const ARENA_LIMIT_BYTES = (MAX_PAGES * PAGE_BYTES * 3) / 4;

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
  private adamKernels: AdamKernels | null = null;
  private layerNormKernels: LayerNormKernels | null = null;
  /** Bytes at the start of the memory held by allocate(); the scratch of reserve() starts here. */
  private arenaBytes = 0;
  /** Every buffer object this memory has shown (a shared memory's grows give new ones, same bytes). */
  private readonly buffers = new Set<ArrayBufferLike>();

  constructor(readonly shared: boolean, private readonly split: RowSplitter = runHere) {
    this.memory = createMemory({ initial: 16, maximum: MAX_PAGES, shared });
    this.kernels = new MatmulKernels(this.memory, shared);
    this.view = new Float32Array(this.memory.buffer);
  }

  /** Grows the memory to at least `bytes`, by half its size at a time or more (a grow is a system call). */
  private grow(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      const needed = Math.ceil((bytes - have) / PAGE_BYTES);
      const pages = Math.min(MAX_PAGES - have / PAGE_BYTES, Math.max(needed, Math.ceil(have / PAGE_BYTES / 2)));
      this.memory.grow(pages);
    }
    if (!this.buffers.has(this.memory.buffer)) this.buffers.add(this.memory.buffer);
  }

  /**
   * A zeroed buffer in the wasm memory that the kernels use in place, on a shared memory (which never
   * moves when it grows); elsewhere, or past ARENA_LIMIT_BYTES, a plain Float32Array.
   */
  allocate(length: number): Float32Array {
    const start = this.arenaBytes;
    const end = roundUp(start + length * 4, 16);
    if (!this.shared || end > ARENA_LIMIT_BYTES) return new Float32Array(length);
    this.grow(end);
    this.arenaBytes = end;
    const buffer = new Float32Array(this.memory.buffer, start, length);
    buffer.fill(0); // the scratch may have used these bytes before
    return buffer;
  }

  /** Byte address of an allocate()d buffer, or −1 for an array that lives elsewhere. */
  pointer(array: Float32Array): number {
    return this.buffers.has(array.buffer) ? array.byteOffset : -1;
  }

  /** Byte address of scratch float `offset` (offsets as in the view reserve() returns). */
  scratchPointer(offset: number): number {
    return this.arenaBytes + offset * 4;
  }

  /**
   * The scratch above the arena, grown to hold at least `floats` floats, as a view whose index 0 is
   * scratch float 0 (views taken before may be stale); kernels address it through scratchPointer().
   */
  reserve(floats: number): Float32Array {
    this.grow(this.arenaBytes + floats * 4);
    if (this.view.buffer !== this.memory.buffer || this.view.byteOffset !== this.arenaBytes) {
      this.view = new Float32Array(this.memory.buffer, this.arenaBytes);
    }
    return this.view;
  }

  /** Whether every array is an allocate()d buffer (so a kernel can run on them in place). */
  resident(...arrays: Float32Array[]): boolean {
    return arrays.every((array) => this.pointer(array) >= 0);
  }

  /** out[M,N] (+)= op(a) · op(b), as ProbeBackend.matmul. */
  matmul(out: Float32Array, a: Float32Array, b: Float32Array, m: number, k: number, n: number, options: MatmulOptions = {}): void {
    const { transA = false, transB = false, accumulate = false } = options;
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) out.fill(0, 0, m * n);
      return;
    }
    if (m % ROW_BLOCK === 0 && n % COL_BLOCK === 0 && this.resident(out, a, b)) {
      this.matmulInPlace(out, a, b, m, k, n, transA, transB, accumulate);
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
    const job: MatmulJob = { shape, aPtr: this.scratchPointer(aOff), bPtr: this.scratchPointer(bOff), cPtr: this.scratchPointer(cOff), rows: mp, work: m * k * n };
    this.split(job, this.kernels.kernel(shape));
    if (np === n) out.set(f.subarray(cOff, cOff + m * n));
    else for (let i = 0; i < m; i++) out.set(f.subarray(cOff + i * np, cOff + i * np + n), i * n);
  }

  /** The matmul on allocate()d operands: no copies; only a B stored [N, K] is transposed into scratch. */
  private matmulInPlace(
    out: Float32Array, a: Float32Array, b: Float32Array, m: number, k: number, n: number,
    transA: boolean, transB: boolean, accumulate: boolean,
  ): void {
    let bPtr = this.pointer(b);
    if (transB) {
      const f = this.reserve(k * n);
      for (let j = 0; j < n; j++) {
        const row = j * k;
        for (let p = 0, dst = j; p < k; p++, dst += n) f[dst] = b[row + p];
      }
      bPtr = this.scratchPointer(0);
    }
    const shape = denseShape(k, n, transA ? m : 0, accumulate);
    this.split({ shape, aPtr: this.pointer(a), bPtr, cPtr: this.pointer(out), rows: m, work: m * k * n }, this.kernels.kernel(shape));
  }

  private gelu(): GeluKernels {
    if (!this.geluKernels) {
      this.geluKernels = instantiate(compileModule(geluModuleBytes(this.shared, MAX_PAGES)), this.memory) as unknown as GeluKernels;
    }
    return this.geluKernels;
  }

  /** y[len] = gelu(x), tanh approximation. */
  geluForward(y: Float32Array, x: Float32Array, length: number): void {
    if (length % 4 === 0 && this.resident(y, x)) {
      this.gelu().forward(this.pointer(y), this.pointer(x), 0, length * 4);
      return;
    }
    const padded = roundUp(length, 4);
    const f = this.reserve(2 * padded);
    f.set(x.subarray(0, length), 0);
    this.gelu().forward(this.scratchPointer(padded), this.scratchPointer(0), 0, padded * 4);
    y.set(f.subarray(padded, padded + length));
  }

  /** dx (+)= dy · gelu'(x). */
  geluBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, length: number, accumulate: boolean): void {
    if (length % 4 === 0 && this.resident(dx, dy, x)) {
      const run = accumulate ? this.gelu().backwardAccumulate : this.gelu().backward;
      run(this.pointer(dx), this.pointer(dy), this.pointer(x), length * 4);
      return;
    }
    const padded = roundUp(length, 4);
    const f = this.reserve(3 * padded);
    f.set(x.subarray(0, length), 0);
    f.set(dy.subarray(0, length), padded);
    const kernels = this.gelu();
    if (accumulate) {
      f.set(dx.subarray(0, length), 2 * padded);
      kernels.backwardAccumulate(this.scratchPointer(2 * padded), this.scratchPointer(padded), this.scratchPointer(0), padded * 4);
    } else {
      kernels.backward(this.scratchPointer(2 * padded), this.scratchPointer(padded), this.scratchPointer(0), padded * 4);
    }
    dx.set(f.subarray(2 * padded, 2 * padded + length));
  }

  /** One Adam step in place on allocate()d buffers (as ProbeBackend.adamUpdate); false elsewhere. */
  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number, eps: number, t: number): boolean {
    const length = param.length;
    if (length % 4 !== 0 || !this.resident(param, grad, m, v)) return false;
    this.adamKernels ??= instantiate(compileModule(adamModuleBytes(this.shared, MAX_PAGES)), this.memory) as unknown as AdamKernels;
    const correction1 = 1 - Math.pow(beta1, t);
    const correction2 = 1 - Math.pow(beta2, t);
    this.adamKernels.adam(this.pointer(param), this.pointer(grad), this.pointer(m), this.pointer(v), length * 4, lr / correction1, beta1, beta2, eps, 1 / correction2);
    return true;
  }

  private layerNorm(): LayerNormKernels {
    this.layerNormKernels ??= instantiate(compileModule(layerNormModuleBytes(this.shared, MAX_PAGES)), this.memory) as unknown as LayerNormKernels;
    return this.layerNormKernels;
  }

  /** LayerNorm forward in place on allocate()d buffers (as ProbeBackend.layerNormForward); false elsewhere. */
  layerNormForward(y: Float32Array, mean: Float32Array, rstd: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, n: number, c: number, eps: number): boolean {
    if (c % 4 !== 0 || !this.resident(y, mean, rstd, x, gamma, beta)) return false;
    const p = (array: Float32Array) => this.pointer(array);
    this.layerNorm().forward(p(y), p(mean), p(rstd), p(x), p(gamma), p(beta), n, c * 4, 1 / c, eps);
    return true;
  }

  /** LayerNorm backward in place on allocate()d buffers (as ProbeBackend.layerNormBackward); false elsewhere. */
  layerNormBackward(
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, dy: Float32Array, x: Float32Array,
    mean: Float32Array, rstd: Float32Array, gamma: Float32Array, n: number, c: number, accumulate: boolean,
  ): boolean {
    if (c % 4 !== 0 || !this.resident(dx, dgamma, dbeta, dy, x, mean, rstd, gamma)) return false;
    const p = (array: Float32Array) => this.pointer(array);
    const run = accumulate ? this.layerNorm().backwardAccumulate : this.layerNorm().backward;
    run(p(dx), p(dgamma), p(dbeta), p(dy), p(x), p(mean), p(rstd), p(gamma), n, c * 4, 1 / c);
    return true;
  }
}
