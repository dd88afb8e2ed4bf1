// The fast CPU matmul: a WebAssembly f32x4 kernel generated per (K, N) shape, register-blocked 4 rows
// × 8 columns (eight v128 accumulators), operating on padded row-major copies in one wasm memory.
// The wasm memory may be shared so that worker threads run the same module over disjoint row ranges.

import { Code, encodeModule, I32, V128 } from './encode';
import type { WasmMemory, WasmModule } from './runtime';
import { compileModule, instantiate } from './runtime';

/** Rows of C computed together (each broadcasts one A value per k). */
export const ROW_BLOCK = 4;
/** Columns of C computed together (two f32x4 vectors). */
export const COL_BLOCK = 8;

export const PAGE_BYTES = 65536;
/** 1 GiB address space reserved up front so a shared memory never has to move. */
export const MAX_PAGES = 16384;

export function roundUp(value: number, block: number): number {
  return Math.ceil(value / block) * block;
}

// Local indices: the five parameters, then the loop counters and pointers, then the v128 registers.
const A_PTR = 0, B_PTR = 1, C_PTR = 2, ROW_START = 3, ROW_END = 4;
const I = 5, J = 6, AP = 7, BP = 8, P = 9, CP = 10;
const ACC = 11; // ACC + r·2 + c, r < 4, c < 2
const B0 = 19, B1 = 20, S = 21;

/** What one compiled kernel is specialised to: sizes and byte strides are immediates in its code. */
export interface KernelShape {
  k: number;
  /** Columns of B and C computed, a multiple of 8. */
  np: number;
  /** Bytes between A(i, p) and A(i+1, p), and between A(i, p) and A(i, p+1). */
  aRowBytes: number;
  aKBytes: number;
  /** Bytes between B(p, j) and B(p+1, j); B's columns are contiguous. */
  bRowBytes: number;
  /** Bytes between C(i, j) and C(i+1, j); C's columns are contiguous. */
  cRowBytes: number;
  /** Start from C's contents instead of zero. */
  accumulate: boolean;
}

export function shapeKey(shape: KernelShape): string {
  const { k, np, aRowBytes, aKBytes, bRowBytes, cRowBytes, accumulate } = shape;
  return `${k}x${np}:${aRowBytes},${aKBytes},${bRowBytes},${cRowBytes}${accumulate ? '+' : ''}`;
}

/** The shape of a plain product: A stored [Mp, K] (or, transposed, [K, Mp]), B [K, Np], C [Mp, Np]. */
export function denseShape(k: number, np: number, transposedRows: number, accumulate: boolean): KernelShape {
  return {
    k, np, accumulate,
    aRowBytes: transposedRows > 0 ? 4 : k * 4,
    aKBytes: transposedRows > 0 ? transposedRows * 4 : 4,
    bRowBytes: np * 4,
    cRowBytes: np * 4,
  };
}

/**
 * C[rows, Np] (+)= A[rows, K] · B[K, Np] for rows in [rowStart, rowEnd) (multiples of 4), f32, with the
 * strides of `shape`. The shape is baked into the code so every address offset is an immediate and
 * no loop bound comes from memory.
 */
export function matmulKernelCode(shape: KernelShape): Code {
  const { k, np, aRowBytes: rowBytes, aKBytes: kBytes, bRowBytes, cRowBytes: outRowBytes, accumulate } = shape;
  const code = new Code();
  code.get(ROW_START).set(I);
  code.block().loop(); // rows
  code.get(I).get(ROW_END).geU().brIf(1);
  code.i32(0).set(J);
  code.loop(); // columns
  code.get(C_PTR).get(I).i32(outRowBytes).mul().add().get(J).i32(4).mul().add().set(CP);
  for (let r = 0; r < ROW_BLOCK; r++) {
    for (let c = 0; c < 2; c++) {
      if (accumulate) code.get(CP).v128Load(r * outRowBytes + c * 16);
      else code.v128Zero();
      code.set(ACC + r * 2 + c);
    }
  }
  code.get(A_PTR).get(I).i32(rowBytes).mul().add().set(AP);
  code.get(B_PTR).get(J).i32(4).mul().add().set(BP);
  code.i32(k).set(P);
  code.loop(); // k
  code.get(BP).v128Load(0).set(B0);
  code.get(BP).v128Load(16).set(B1);
  for (let r = 0; r < ROW_BLOCK; r++) {
    code.get(AP).load32Splat(r * rowBytes).set(S);
    for (let c = 0; c < 2; c++) {
      const acc = ACC + r * 2 + c;
      code.get(acc).get(S).get(c === 0 ? B0 : B1).f32x4Mul().f32x4Add().set(acc);
    }
  }
  code.get(AP).i32(kBytes).add().set(AP);
  code.get(BP).i32(bRowBytes).add().set(BP);
  code.get(P).i32(1).sub().tee(P).brIf(0);
  code.end();
  for (let r = 0; r < ROW_BLOCK; r++) {
    for (let c = 0; c < 2; c++) code.get(CP).get(ACC + r * 2 + c).v128Store(r * outRowBytes + c * 16);
  }
  code.get(J).i32(COL_BLOCK).add().tee(J).i32(np).ltU().brIf(0);
  code.end();
  code.get(I).i32(ROW_BLOCK).add().set(I);
  code.br(0);
  code.end().end();
  return code;
}

export function matmulModuleBytes(shape: KernelShape, shared: boolean): Uint8Array<ArrayBuffer> {
  return encodeModule(
    [{ exportName: 'matmul', params: [I32, I32, I32, I32, I32], locals: [[6, I32], [11, V128]], code: matmulKernelCode(shape) }],
    { initialPages: 1, maximumPages: MAX_PAGES, shared },
  );
}

export type MatmulKernel = (aPtr: number, bPtr: number, cPtr: number, rowStart: number, rowEnd: number) => void;

/** Compiles and instantiates kernels per shape on one memory, caching both. */
export class MatmulKernels {
  private readonly modules = new Map<string, WasmModule>();
  private readonly kernels = new Map<string, MatmulKernel>();

  constructor(readonly memory: WasmMemory, private readonly shared: boolean) {}

  module(shape: KernelShape): WasmModule {
    const key = shapeKey(shape);
    let module = this.modules.get(key);
    if (!module) {
      module = compileModule(matmulModuleBytes(shape, this.shared));
      this.modules.set(key, module);
    }
    return module;
  }

  kernel(shape: KernelShape): MatmulKernel {
    const key = shapeKey(shape);
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = instantiate(this.module(shape), this.memory).matmul as MatmulKernel;
      this.kernels.set(key, kernel);
    }
    return kernel;
  }
}
