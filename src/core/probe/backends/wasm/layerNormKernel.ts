// LayerNorm forward and backward as WebAssembly f32x4 passes over rows of C floats (C a multiple of 4),
// in place on the arena's buffers; the formulas of ReferenceBackend.layerNormForward/Backward, summed
// in float32 four lanes at a time instead of float64 one by one.

import { Code, encodeModule, F32, I32, V128 } from './encode';
import { emitHorizontalSum } from './simdMath';

/** `for (counter = 0; counter < end; counter += step)`, end a local. */
function loop(code: Code, counter: number, end: number, step: number, body: () => void): void {
  code.i32(0).set(counter);
  code.block().loop();
  code.get(counter).get(end).geU().brIf(1);
  body();
  code.get(counter).i32(step).add().set(counter);
  code.br(0);
  code.end().end();
}

// forward(y, mean, rstd, x, gamma, beta, rows, rowBytes, invC, eps)
const FY = 0, FMEAN = 1, FRSTD = 2, FX = 3, FGAMMA = 4, FBETA = 5, FROWS = 6, FROWBYTES = 7, FINVC = 8, FEPS = 9;
const FROW = 10, FJ = 11, FXR = 12, FYR = 13, FMU = 14, FS = 15, FACC = 16, FV = 17, FMUV = 18, FSV = 19;

function forwardCode(): Code {
  const code = new Code();
  loop(code, FROW, FROWS, 1, () => {
    code.get(FX).get(FROW).get(FROWBYTES).mul().add().set(FXR);
    code.get(FY).get(FROW).get(FROWBYTES).mul().add().set(FYR);
    code.v128Zero().set(FACC);
    loop(code, FJ, FROWBYTES, 16, () => {
      code.get(FACC).get(FXR).get(FJ).add().v128Load(0).f32x4Add().set(FACC);
    });
    emitHorizontalSum(code, FACC);
    code.get(FINVC).f32Mul().set(FMU);
    code.get(FMU).f32x4Splat().set(FMUV);
    code.v128Zero().set(FACC);
    loop(code, FJ, FROWBYTES, 16, () => {
      code.get(FXR).get(FJ).add().v128Load(0).get(FMUV).f32x4Sub().set(FV);
      code.get(FACC).get(FV).get(FV).f32x4Mul().f32x4Add().set(FACC);
    });
    // s = 1 / √(variance + eps)
    code.f32(1);
    emitHorizontalSum(code, FACC);
    code.get(FINVC).f32Mul().get(FEPS).f32Add().f32Sqrt().f32Div().set(FS);
    code.get(FS).f32x4Splat().set(FSV);
    loop(code, FJ, FROWBYTES, 16, () => {
      code.get(FYR).get(FJ).add();
      code.get(FXR).get(FJ).add().v128Load(0).get(FMUV).f32x4Sub().get(FSV).f32x4Mul();
      code.get(FGAMMA).get(FJ).add().v128Load(0).f32x4Mul();
      code.get(FBETA).get(FJ).add().v128Load(0).f32x4Add();
      code.v128Store(0);
    });
    code.get(FMEAN).get(FROW).i32(4).mul().add().get(FMU).f32Store(0);
    code.get(FRSTD).get(FROW).i32(4).mul().add().get(FS).f32Store(0);
  });
  return code;
}

// backward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, rows, rowBytes, invC)
const BDX = 0, BDGAMMA = 1, BDBETA = 2, BDY = 3, BX = 4, BMEAN = 5, BRSTD = 6, BGAMMA = 7, BROWS = 8, BROWBYTES = 9, BINVC = 10;
const BROW = 11, BJ = 12, BOFF = 13;
const BMUV = 14, BSV = 15, BG = 16, BXH = 17, BMG = 18, BMGX = 19, BDYV = 20;

function backwardCode(accumulate: boolean): Code {
  const code = new Code();
  loop(code, BROW, BROWS, 1, () => {
    code.get(BROW).get(BROWBYTES).mul().set(BOFF);
    code.get(BMEAN).get(BROW).i32(4).mul().add().load32Splat(0).set(BMUV);
    code.get(BRSTD).get(BROW).i32(4).mul().add().load32Splat(0).set(BSV);
    const xhat = (): void => {
      code.get(BX).get(BOFF).add().get(BJ).add().v128Load(0).get(BMUV).f32x4Sub().get(BSV).f32x4Mul().set(BXH);
      code.get(BDY).get(BOFF).add().get(BJ).add().v128Load(0).set(BDYV);
      code.get(BDYV).get(BGAMMA).get(BJ).add().v128Load(0).f32x4Mul().set(BG);
    };
    code.v128Zero().set(BMG);
    code.v128Zero().set(BMGX);
    loop(code, BJ, BROWBYTES, 16, () => {
      xhat();
      code.get(BMG).get(BG).f32x4Add().set(BMG);
      code.get(BMGX).get(BG).get(BXH).f32x4Mul().f32x4Add().set(BMGX);
    });
    emitHorizontalSum(code, BMG);
    code.get(BINVC).f32Mul().f32x4Splat().set(BMG);
    emitHorizontalSum(code, BMGX);
    code.get(BINVC).f32Mul().f32x4Splat().set(BMGX);
    loop(code, BJ, BROWBYTES, 16, () => {
      xhat();
      code.get(BDGAMMA).get(BJ).add().get(BDGAMMA).get(BJ).add().v128Load(0).get(BDYV).get(BXH).f32x4Mul().f32x4Add().v128Store(0);
      code.get(BDBETA).get(BJ).add().get(BDBETA).get(BJ).add().v128Load(0).get(BDYV).f32x4Add().v128Store(0);
      code.get(BDX).get(BOFF).add().get(BJ).add();
      code.get(BG).get(BMG).f32x4Sub().get(BXH).get(BMGX).f32x4Mul().f32x4Sub().get(BSV).f32x4Mul();
      if (accumulate) code.get(BDX).get(BOFF).add().get(BJ).add().v128Load(0).f32x4Add();
      code.v128Store(0);
    });
  });
  return code;
}

export function layerNormModuleBytes(shared: boolean, maximumPages: number): Uint8Array<ArrayBuffer> {
  const backwardParams = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32];
  return encodeModule([
    { exportName: 'forward', params: [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32], locals: [[4, I32], [2, F32], [4, V128]], code: forwardCode() },
    { exportName: 'backward', params: backwardParams, locals: [[3, I32], [7, V128]], code: backwardCode(false) },
    { exportName: 'backwardAccumulate', params: backwardParams, locals: [[3, I32], [7, V128]], code: backwardCode(true) },
  ], { initialPages: 1, maximumPages, shared });
}

export interface LayerNormKernels {
  forward(y: number, mean: number, rstd: number, x: number, gamma: number, beta: number, rows: number, rowBytes: number, invC: number, eps: number): void;
  backward(dx: number, dgamma: number, dbeta: number, dy: number, x: number, mean: number, rstd: number, gamma: number, rows: number, rowBytes: number, invC: number): void;
  backwardAccumulate(dx: number, dgamma: number, dbeta: number, dy: number, x: number, mean: number, rstd: number, gamma: number, rows: number, rowBytes: number, invC: number): void;
}
