// Causal attention on the SIMD matmul kernels: per (batch, head), the score and mixing products and
// their backward are small strided matmuls read straight out of qkv[B,T,3C] in wasm memory; only the
// softmax (forward and backward) and the K/V transposes run in JavaScript. Plain JS attention with
// head size 16 ran at well under 1 GFLOP/s and was 45% of a probe step. Falls back (returns false)
// where the kernel's blocking does not fit: T a multiple of 8, head size a multiple of 8.

import type { WasmOps } from './ops';
import type { KernelShape } from './matmulKernel';
import { MAX_PAGES, roundUp } from './matmulKernel';
import type { AttentionKernels, AttentionShape } from './attentionKernel';
import { attentionModuleBytes, attentionScratchFloats, fusedAttentionFits } from './attentionKernel';
import { compileModule, instantiate } from './runtime';

/** Whether the SIMD path handles this shape. */
export function attentionFits(t: number, c: number, h: number): boolean {
  const hs = c / h;
  return fusedAttentionFits(t, c, h) || (Number.isInteger(hs) && t % 8 === 0 && hs % 8 === 0);
}

function strided(k: number, np: number, aRowBytes: number, aKBytes: number, bRowBytes: number, cRowBytes: number, accumulate = false): KernelShape {
  return { k, np, aRowBytes, aKBytes, bRowBytes, cRowBytes, accumulate };
}

export class WasmAttention {
  private readonly fused = new Map<string, AttentionKernels>();

  constructor(private readonly ops: WasmOps) {}

  /** The fused kernels of this shape (attentionKernel.ts), compiled on first use. */
  private fusedKernels(shape: AttentionShape): AttentionKernels {
    const key = `${shape.b},${shape.t},${shape.c},${shape.h}`;
    let kernels = this.fused.get(key);
    if (!kernels) {
      const module = compileModule(attentionModuleBytes(shape, this.ops.shared, MAX_PAGES));
      kernels = instantiate(module, this.ops.memory) as unknown as AttentionKernels;
      this.fused.set(key, kernels);
    }
    return kernels;
  }

  private fusedForward(out: Float32Array, att: Float32Array, qkv: Float32Array, b: number, t: number, c: number, h: number): void {
    const n = b * t;
    const kernels = this.fusedKernels({ b, t, c, h });
    const ops = this.ops;
    if (ops.resident(out, att, qkv)) {
      ops.reserve(attentionScratchFloats({ b, t, c, h }));
      kernels.forward(ops.pointer(qkv), ops.pointer(out), ops.pointer(att), ops.scratchPointer(0));
      return;
    }
    const qkvOff = 0;
    const outOff = roundUp(n * 3 * c, 4);
    const attOff = roundUp(outOff + n * c, 4);
    const scratchOff = roundUp(attOff + b * h * t * t, 4);
    const f = this.ops.reserve(scratchOff + attentionScratchFloats({ b, t, c, h }));
    f.set(qkv.subarray(0, n * 3 * c), qkvOff);
    kernels.forward(ops.scratchPointer(qkvOff), ops.scratchPointer(outOff), ops.scratchPointer(attOff), ops.scratchPointer(scratchOff));
    att.set(f.subarray(attOff, attOff + b * h * t * t));
    out.set(f.subarray(outOff, outOff + n * c));
  }

  private fusedBackward(
    dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, att: Float32Array,
    b: number, t: number, c: number, h: number, accumulate: boolean,
  ): void {
    const n = b * t;
    const kernels = this.fusedKernels({ b, t, c, h });
    const ops = this.ops;
    const run = accumulate ? kernels.backwardAccumulate : kernels.backward;
    if (ops.resident(dqkv, dout, qkv, att)) {
      ops.reserve(attentionScratchFloats({ b, t, c, h }));
      run(ops.pointer(qkv), ops.pointer(dout), ops.pointer(att), ops.pointer(dqkv), ops.scratchPointer(0));
      return;
    }
    const qkvOff = 0;
    const doutOff = roundUp(n * 3 * c, 4);
    const attOff = roundUp(doutOff + n * c, 4);
    const dqkvOff = roundUp(attOff + b * h * t * t, 4);
    const scratchOff = roundUp(dqkvOff + n * 3 * c, 4);
    const f = this.ops.reserve(scratchOff + attentionScratchFloats({ b, t, c, h }));
    f.set(qkv.subarray(0, n * 3 * c), qkvOff);
    f.set(dout.subarray(0, n * c), doutOff);
    f.set(att.subarray(0, b * h * t * t), attOff);
    if (accumulate) f.set(dqkv.subarray(0, n * 3 * c), dqkvOff);
    run(ops.scratchPointer(qkvOff), ops.scratchPointer(doutOff), ops.scratchPointer(attOff), ops.scratchPointer(dqkvOff), ops.scratchPointer(scratchOff));
    dqkv.set(f.subarray(dqkvOff, dqkvOff + n * 3 * c));
  }

  private run(shape: KernelShape, aPtr: number, bPtr: number, cPtr: number, rows: number): void {
    const ops = this.ops;
    ops.kernels.kernel(shape)(ops.scratchPointer(aPtr), ops.scratchPointer(bPtr), ops.scratchPointer(cPtr), 0, rows);
  }

  /** x[b,h] = columns [offset + h·hs, +hs) of qkv rows, transposed into [B,H,hs,T] at `into`. */
  private transposeHeads(f: Float32Array, qkv: Float32Array, into: number, offset: number, b: number, t: number, c: number, h: number): void {
    const hs = c / h;
    const c3 = 3 * c;
    for (let bi = 0; bi < b; bi++) {
      for (let hi = 0; hi < h; hi++) {
        const base = into + (bi * h + hi) * hs * t;
        for (let ti = 0; ti < t; ti++) {
          const src = (bi * t + ti) * c3 + offset + hi * hs;
          for (let i = 0; i < hs; i++) f[base + i * t + ti] = qkv[src + i];
        }
      }
    }
  }

  /** As ProbeBackend.attentionForward; false when the shape does not fit. */
  forward(out: Float32Array, att: Float32Array, qkv: Float32Array, b: number, t: number, c: number, h: number): boolean {
    if (!attentionFits(t, c, h)) return false;
    if (fusedAttentionFits(t, c, h)) {
      this.fusedForward(out, att, qkv, b, t, c, h);
      return true;
    }
    const hs = c / h;
    const c3 = 3 * c;
    const n = b * t;
    const qkvOff = 0;
    const kTOff = roundUp(n * c3, 4);
    const sOff = roundUp(kTOff + b * h * hs * t, 4);
    const outOff = roundUp(sOff + b * h * t * t, 4);
    const f = this.ops.reserve(outOff + n * c);
    f.set(qkv.subarray(0, n * c3), qkvOff);
    this.transposeHeads(f, qkv, kTOff, c, b, t, c, h);
    // scores[t1, t2] = q[t1] · k[t2]: A = q rows (stride 3C), B = kᵀ [hs, T].
    const scores = strided(hs, t, c3 * 4, 4, t * 4, t * 4);
    // out[t, :] = Σ P[t, u] · v[u, :]: A = P [T, T], B = v rows (stride 3C), C = out rows (stride C).
    const mix = strided(t, hs, t * 4, 4, c3 * 4, c * 4);
    const scale = 1 / Math.sqrt(hs);
    for (let bi = 0; bi < b; bi++) {
      for (let hi = 0; hi < h; hi++) {
        const bh = bi * h + hi;
        const s = sOff + bh * t * t;
        this.run(scores, qkvOff + bi * t * c3 + hi * hs, kTOff + bh * hs * t, s, t);
        // Softmax of each row over t2 ≤ t1, as the reference: scale, shift by the max, normalise.
        for (let t1 = 0; t1 < t; t1++) {
          const row = s + t1 * t;
          let max = -Infinity;
          for (let t2 = 0; t2 <= t1; t2++) {
            const score = f[row + t2] * scale;
            f[row + t2] = score;
            if (score > max) max = score;
          }
          let total = 0;
          for (let t2 = 0; t2 <= t1; t2++) {
            const e = Math.exp(f[row + t2] - max);
            f[row + t2] = e;
            total += e;
          }
          const inv = total === 0 ? 0 : 1 / total;
          for (let t2 = 0; t2 < t; t2++) f[row + t2] = t2 <= t1 ? f[row + t2] * inv : 0;
        }
        this.run(mix, s, qkvOff + bi * t * c3 + 2 * c + hi * hs, outOff + bi * t * c + hi * hs, t);
      }
    }
    att.set(f.subarray(sOff, sOff + b * h * t * t));
    out.set(f.subarray(outOff, outOff + n * c));
    return true;
  }

  /** As ProbeBackend.attentionBackward; false when the shape does not fit. */
  backward(
    dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, att: Float32Array,
    b: number, t: number, c: number, h: number, accumulate: boolean,
  ): boolean {
    if (!attentionFits(t, c, h)) return false;
    if (fusedAttentionFits(t, c, h)) {
      this.fusedBackward(dqkv, dout, qkv, att, b, t, c, h, accumulate);
      return true;
    }
    const hs = c / h;
    const c3 = 3 * c;
    const n = b * t;
    const qkvOff = 0;
    const doutOff = roundUp(n * c3, 4);
    const attOff = roundUp(doutOff + n * c, 4);
    const vTOff = roundUp(attOff + b * h * t * t, 4);
    const dOff = roundUp(vTOff + b * h * hs * t, 4);
    const dqkvOff = roundUp(dOff + b * h * t * t, 4);
    const f = this.ops.reserve(dqkvOff + n * c3);
    f.set(qkv.subarray(0, n * c3), qkvOff);
    f.set(dout.subarray(0, n * c), doutOff);
    f.set(att.subarray(0, b * h * t * t), attOff);
    if (accumulate) f.set(dqkv.subarray(0, n * c3), dqkvOff);
    this.transposeHeads(f, qkv, vTOff, 2 * c, b, t, c, h);
    const scale = 1 / Math.sqrt(hs);
    // datt[t1, t2] = dout[t1] · v[t2]: A = dout rows (stride C), B = vᵀ [hs, T].
    const dattShape = strided(hs, t, c * 4, 4, t * 4, t * 4);
    // dq = dpre · k and dk = dpreᵀ · q (B = rows of qkv, C = rows of dqkv, stride 3C).
    const dqShape = strided(t, hs, t * 4, 4, c3 * 4, c3 * 4, accumulate);
    const dkShape = strided(t, hs, 4, t * 4, c3 * 4, c3 * 4, accumulate);
    // dv = attᵀ · dout (B = dout rows, stride C).
    const dvShape = strided(t, hs, 4, t * 4, c * 4, c3 * 4, accumulate);
    for (let bi = 0; bi < b; bi++) {
      for (let hi = 0; hi < h; hi++) {
        const bh = bi * h + hi;
        const d = dOff + bh * t * t;
        const a = attOff + bh * t * t;
        this.run(dattShape, doutOff + bi * t * c + hi * hs, vTOff + bh * hs * t, d, t);
        // Softmax backward, with the 1/√hs of the scores folded in: dpre = att·(datt − Σ att·datt)·scale.
        for (let t1 = 0; t1 < t; t1++) {
          const row = t1 * t;
          let weighted = 0;
          for (let t2 = 0; t2 <= t1; t2++) weighted += f[a + row + t2] * f[d + row + t2];
          for (let t2 = 0; t2 < t; t2++) f[d + row + t2] = t2 <= t1 ? f[a + row + t2] * (f[d + row + t2] - weighted) * scale : 0;
        }
        const rows = qkvOff + bi * t * c3 + hi * hs;
        const dRows = dqkvOff + bi * t * c3 + hi * hs;
        this.run(dqShape, d, rows + c, dRows, t);
        this.run(dkShape, d, rows, dRows + c, t);
        this.run(dvShape, a, doutOff + bi * t * c + hi * hs, dRows + 2 * c, t);
      }
    }
    dqkv.set(f.subarray(dqkvOff, dqkvOff + n * c3));
    return true;
  }
}
