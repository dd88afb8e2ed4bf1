// GELU (tanh approximation) forward and backward as WebAssembly f32x4 kernels. Math.tanh costs tens of
// nanoseconds per element in V8, which made GELU a third of a probe step; here tanh is Eigen's rational
// approximation (generic_fast_tanh_float: a degree-13/6 odd/even rational on [−7.905, 7.905]), whose
// error against float64 tanh stays below 1e-6 absolute — inside float32 rounding of the GELU itself.

import { Code, encodeModule, I32, V128 } from './encode';

const GELU_SCALE = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;
const TANH_CLAMP = 7.90531110763549805;
const ALPHA = [4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16];
const BETA = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];

// Locals: parameters 0..2 (out, dy or x, x), P, END, then v128 scratch.
const P = 4, V = 5, U = 6, X2 = 7, TH = 8, NUM = 9;

/** th = tanh(u) for the vector in local U (clobbers U with its clamped value). */
function emitTanh(code: Code): void {
  code.get(U).f32x4Const(TANH_CLAMP).f32x4Pmin().f32x4Const(-TANH_CLAMP).f32x4Pmax().set(U);
  code.get(U).get(U).f32x4Mul().set(X2);
  // Horner in x²: numerator α13..α1, then × u; denominator β6..β0.
  code.f32x4Const(ALPHA[6]);
  for (let i = 5; i >= 0; i--) code.get(X2).f32x4Mul().f32x4Const(ALPHA[i]).f32x4Add();
  code.get(U).f32x4Mul().set(NUM);
  code.f32x4Const(BETA[3]);
  for (let i = 2; i >= 0; i--) code.get(X2).f32x4Mul().f32x4Const(BETA[i]).f32x4Add();
  code.set(TH);
  code.get(NUM).get(TH).f32x4Div().set(TH);
}

/** u = √(2/π)·(v + 0.044715·v³) for the vector in local V. */
function emitInner(code: Code): void {
  code.get(V).get(V).f32x4Mul().f32x4Const(GELU_SCALE * GELU_CUBIC).f32x4Mul().f32x4Const(GELU_SCALE).f32x4Add();
  code.get(V).f32x4Mul().set(U);
}

function loop(code: Code, body: () => void): void {
  code.i32(0).set(P);
  code.block().loop();
  code.get(P).get(END_PARAM).geU().brIf(1);
  body();
  code.get(P).i32(16).add().set(P);
  code.br(0);
  code.end().end();
}
const END_PARAM = 3;

/** gelu(yPtr, xPtr, unused, endBytes): y = 0.5·v·(1 + tanh(u)). */
function forwardCode(): Code {
  const code = new Code();
  loop(code, () => {
    code.get(1).get(P).add().v128Load(0).set(V);
    emitInner(code);
    emitTanh(code);
    code.get(0).get(P).add();
    code.get(V).f32x4Const(0.5).f32x4Mul().set(V);
    code.get(V).get(V).get(TH).f32x4Mul().f32x4Add();
    code.v128Store(0);
  });
  return code;
}

/** geluBackward(dxPtr, dyPtr, xPtr, endBytes): dx (+)= dy·(0.5(1+th) + 0.5·v·(1−th²)·√(2/π)·(1 + 3·0.044715·v²)). */
function backwardCode(accumulate: boolean): Code {
  const code = new Code();
  loop(code, () => {
    code.get(2).get(P).add().v128Load(0).set(V);
    emitInner(code);
    emitTanh(code);
    code.get(0).get(P).add();
    // 0.5·(1 + th)
    code.get(TH).f32x4Const(1).f32x4Add().f32x4Const(0.5).f32x4Mul();
    // 0.5·v·(1 − th²)·S·(1 + 3c·v²)
    code.f32x4Const(1).get(TH).get(TH).f32x4Mul().f32x4Sub();
    code.get(V).f32x4Const(0.5 * GELU_SCALE).f32x4Mul().f32x4Mul();
    code.get(V).get(V).f32x4Mul().f32x4Const(3 * GELU_CUBIC).f32x4Mul().f32x4Const(1).f32x4Add().f32x4Mul();
    code.f32x4Add();
    code.get(1).get(P).add().v128Load(0).f32x4Mul();
    if (accumulate) code.get(0).get(P).add().v128Load(0).f32x4Add();
    code.v128Store(0);
  });
  return code;
}

export function geluModuleBytes(shared: boolean, maximumPages: number): Uint8Array<ArrayBuffer> {
  const params = [I32, I32, I32, I32];
  const locals: [number, number][] = [[1, I32], [5, V128]];
  return encodeModule([
    { exportName: 'forward', params, locals, code: forwardCode() },
    { exportName: 'backward', params, locals, code: backwardCode(false) },
    { exportName: 'backwardAccumulate', params, locals, code: backwardCode(true) },
  ], { initialPages: 1, maximumPages, shared });
}

export interface GeluKernels {
  forward(yPtr: number, xPtr: number, unused: number, endBytes: number): void;
  backward(dxPtr: number, dyPtr: number, xPtr: number, endBytes: number): void;
  backwardAccumulate(dxPtr: number, dyPtr: number, xPtr: number, endBytes: number): void;
}
