// Adam (bias-corrected, no weight decay) as one WebAssembly f32x4 pass over a parameter and its
// gradient and moments, in place in the arena: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
// θ ← θ − (lr/c₁)·m / (√(v/c₂) + ε), with c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ formed once per call in float64.

import { Code, encodeModule, F32, I32, V128 } from './encode';

// Parameters: param, grad, m, v (byte pointers), end (bytes), lr/c1, beta1, beta2, eps, 1/c2.
const PARAM = 0, GRAD = 1, M = 2, V = 3, END = 4, STEP = 5, BETA1 = 6, BETA2 = 7, EPS = 8, INV_C2 = 9;
// Locals: byte offset; splatted constants; the gradient and the new moments.
const P = 10, S_STEP = 11, S_B1 = 12, S_1B1 = 13, S_B2 = 14, S_1B2 = 15, S_EPS = 16, S_INV_C2 = 17, G = 18, MN = 19, VN = 20;

function adamCode(): Code {
  const code = new Code();
  code.get(STEP).f32x4Splat().set(S_STEP);
  code.get(BETA1).f32x4Splat().set(S_B1);
  code.f32(1).get(BETA1).f32Sub().f32x4Splat().set(S_1B1);
  code.get(BETA2).f32x4Splat().set(S_B2);
  code.f32(1).get(BETA2).f32Sub().f32x4Splat().set(S_1B2);
  code.get(EPS).f32x4Splat().set(S_EPS);
  code.get(INV_C2).f32x4Splat().set(S_INV_C2);
  code.i32(0).set(P);
  code.block().loop();
  code.get(P).get(END).geU().brIf(1);
  code.get(GRAD).get(P).add().v128Load(0).set(G);
  code.get(S_B1).get(M).get(P).add().v128Load(0).f32x4Mul().get(S_1B1).get(G).f32x4Mul().f32x4Add().set(MN);
  code.get(S_B2).get(V).get(P).add().v128Load(0).f32x4Mul().get(S_1B2).get(G).get(G).f32x4Mul().f32x4Mul().f32x4Add().set(VN);
  code.get(M).get(P).add().get(MN).v128Store(0);
  code.get(V).get(P).add().get(VN).v128Store(0);
  code.get(PARAM).get(P).add();
  code.get(PARAM).get(P).add().v128Load(0);
  code.get(S_STEP).get(MN).f32x4Mul();
  code.get(VN).get(S_INV_C2).f32x4Mul().f32x4Sqrt().get(S_EPS).f32x4Add();
  code.f32x4Div().f32x4Sub().v128Store(0);
  code.get(P).i32(16).add().set(P);
  code.br(0);
  code.end().end();
  return code;
}

export function adamModuleBytes(shared: boolean, maximumPages: number): Uint8Array<ArrayBuffer> {
  return encodeModule([{
    exportName: 'adam',
    params: [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32],
    locals: [[1, I32], [10, V128]],
    code: adamCode(),
  }], { initialPages: 1, maximumPages, shared });
}

export interface AdamKernels {
  adam(param: number, grad: number, m: number, v: number, endBytes: number, step: number, beta1: number, beta2: number, eps: number, inverseCorrection2: number): void;
}
