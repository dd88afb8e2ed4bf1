// Fused causal attention as one WebAssembly f32x4 function per direction, specialised to (B, T, C, H):
// per (batch, head) the scores, a vectorised softmax (exp from simdMath.ts) and the mixing run in one
// pass over each query row, with no call back into JavaScript. Small head sizes are what clamped
// models give (d = 64 with 8 heads: hs = 8), where per-head matmul calls and a scalar Math.exp per
// score left attention at a fifth of the matmul rate. Shapes as ../../backend.ts: qkv [B,T,3C],
// out [B,T,C], att [B,H,T,T] (post-softmax, zero above the diagonal).

import { Code, encodeModule, I32, V128 } from './encode';
import { emitExp, emitHorizontalMax, emitHorizontalSum } from './simdMath';

/** Head sizes the fused kernels keep in registers (hs/4 vectors per row, three rows at once). */
export const FUSED_MAX_HEAD = 16;

export function fusedAttentionFits(t: number, c: number, h: number): boolean {
  const hs = c / h;
  return Number.isInteger(hs) && hs % 4 === 0 && hs <= FUSED_MAX_HEAD && t % 4 === 0;
}

export interface AttentionShape {
  b: number;
  t: number;
  c: number;
  h: number;
}

/** `for (counter = start; counter < end; counter += step) body()`, with start/end pushed by callbacks. */
function loop(code: Code, counter: number, start: () => void, end: () => void, step: number, body: () => void): void {
  start();
  code.set(counter);
  code.block().loop();
  code.get(counter);
  end();
  code.geU().brIf(1);
  body();
  code.get(counter).i32(step).add().set(counter);
  code.br(0);
  code.end().end();
}

const constant = (code: Code, value: number) => () => code.i32(value);

// Forward locals: parameters, i32 counters and pointers, v128 registers.
const F = { QKV: 0, OUT: 1, ATT: 2, KT: 3, BI: 4, HI: 5, T1: 6, J: 7, T2: 8, QB: 9, AB: 10, OB: 11, QR: 12, AR: 13, VEND: 14, P: 15, Q: 16 };
const FV = { S: 17, X: 18, N: 19, R: 20, M: 21, SUM: 22, PS: 23, ACC: 24 }; // ACC..ACC+3

/**
 * forward(qkv, out, att, kT): out and att from qkv; kT is scratch of hs·T floats (K of one head,
 * transposed so that the scores of four keys are one vector product).
 */
function forwardCode(shape: AttentionShape): Code {
  const { b, t, c, h } = shape;
  const hs = c / h;
  const vectors = hs / 4;
  const rowBytes = 3 * c * 4;
  const scale = 1 / Math.sqrt(hs);
  const code = new Code();
  loop(code, F.BI, constant(code, 0), constant(code, b), 1, () => {
    loop(code, F.HI, constant(code, 0), constant(code, h), 1, () => {
      code.get(F.QKV).get(F.BI).i32(t * rowBytes).mul().add().get(F.HI).i32(hs * 4).mul().add().set(F.QB);
      code.get(F.ATT).get(F.BI).i32(h).mul().get(F.HI).add().i32(t * t * 4).mul().add().set(F.AB);
      code.get(F.OUT).get(F.BI).i32(t * c * 4).mul().add().get(F.HI).i32(hs * 4).mul().add().set(F.OB);
      // kT[i][t2] = k[t2][i].
      loop(code, F.T2, constant(code, 0), constant(code, t), 1, () => {
        code.get(F.QB).get(F.T2).i32(rowBytes).mul().add().set(F.P);
        code.get(F.KT).get(F.T2).i32(4).mul().add().set(F.Q);
        for (let i = 0; i < hs; i++) code.get(F.Q).get(F.P).f32Load(c * 4 + i * 4).f32Store(i * t * 4);
      });
      loop(code, F.T1, constant(code, 0), constant(code, t), 1, () => {
        code.get(F.QB).get(F.T1).i32(rowBytes).mul().add().set(F.QR);
        code.get(F.AB).get(F.T1).i32(t * 4).mul().add().set(F.AR);
        // Bytes of the vectors that hold keys 0..t1: ((t1 >> 2) + 1) · 16.
        code.get(F.T1).i32(2).shrU().i32(1).add().i32(16).mul().set(F.VEND);
        // scores[t2] = scale · q[t1] · k[t2], four keys per vector.
        loop(code, F.J, constant(code, 0), () => code.get(F.VEND), 16, () => {
          for (let i = 0; i < hs; i++) {
            code.get(F.QR).load32Splat(i * 4).get(F.KT).get(F.J).add().v128Load(i * t * 4).f32x4Mul();
            if (i > 0) code.f32x4Add();
          }
          code.f32x4Const(scale).f32x4Mul().set(FV.S);
          code.get(F.AR).get(F.J).add().get(FV.S).v128Store(0);
        });
        // Keys after t1 in the last vector are masked with −∞ (exp gives exactly 0 there).
        loop(code, F.T2, () => code.get(F.T1).i32(1).add(), () => code.get(F.VEND).i32(2).shrU(), 1, () => {
          code.get(F.AR).get(F.T2).i32(4).mul().add().f32(-Infinity).f32Store(0);
        });
        code.f32x4Const(-Infinity).set(FV.M);
        loop(code, F.J, constant(code, 0), () => code.get(F.VEND), 16, () => {
          code.get(FV.M).get(F.AR).get(F.J).add().v128Load(0).f32x4Pmax().set(FV.M);
        });
        emitHorizontalMax(code, FV.M);
        code.f32x4Splat().set(FV.M);
        code.v128Zero().set(FV.SUM);
        loop(code, F.J, constant(code, 0), () => code.get(F.VEND), 16, () => {
          code.get(F.AR).get(F.J).add().v128Load(0).get(FV.M).f32x4Sub().set(FV.X);
          emitExp(code, FV.X, FV.N, FV.R);
          code.set(FV.S);
          code.get(F.AR).get(F.J).add().get(FV.S).v128Store(0);
          code.get(FV.SUM).get(FV.S).f32x4Add().set(FV.SUM);
        });
        code.f32(1);
        emitHorizontalSum(code, FV.SUM);
        code.f32Div().f32x4Splat().set(FV.M);
        loop(code, F.J, constant(code, 0), () => code.get(F.VEND), 16, () => {
          code.get(F.AR).get(F.J).add().get(F.AR).get(F.J).add().v128Load(0).get(FV.M).f32x4Mul().v128Store(0);
        });
        loop(code, F.J, () => code.get(F.VEND), constant(code, t * 4), 16, () => {
          code.get(F.AR).get(F.J).add().v128Zero().v128Store(0);
        });
        // out[t1] = Σ_{t2 ≤ t1} att[t1][t2] · v[t2].
        for (let v = 0; v < vectors; v++) code.v128Zero().set(FV.ACC + v);
        loop(code, F.T2, constant(code, 0), () => code.get(F.T1).i32(1).add(), 1, () => {
          code.get(F.AR).get(F.T2).i32(4).mul().add().load32Splat(0).set(FV.PS);
          code.get(F.QB).get(F.T2).i32(rowBytes).mul().add().set(F.P);
          for (let v = 0; v < vectors; v++) {
            code.get(FV.ACC + v).get(FV.PS).get(F.P).v128Load(2 * c * 4 + 16 * v).f32x4Mul().f32x4Add().set(FV.ACC + v);
          }
        });
        code.get(F.OB).get(F.T1).i32(c * 4).mul().add().set(F.P);
        for (let v = 0; v < vectors; v++) code.get(F.P).get(FV.ACC + v).v128Store(16 * v);
      });
    });
  });
  return code;
}

// Backward locals.
const G = { QKV: 0, DOUT: 1, ATT: 2, DQKV: 3, SCR: 4, BI: 5, HI: 6, T1: 7, J: 8, T2: 9, QB: 10, DQB: 11, AB: 12, DOB: 13, QR: 14, AR: 15, DOR: 16, VEND: 17, P: 18, Q: 19 };
const GV = { S: 20, W: 21, D: 22, PS: 23, QREG: 24, DREG: 28, DQ: 32 }; // four registers each

/**
 * backward(qkv, dout, att, dqkv, scratch): dqkv (+)= ∂/∂qkv from dout and the saved att. scratch holds
 * vᵀ of one head (hs·T floats) and one row of dpre (T floats).
 */
function backwardCode(shape: AttentionShape, accumulate: boolean): Code {
  const { b, t, c, h } = shape;
  const hs = c / h;
  const vectors = hs / 4;
  const rowBytes = 3 * c * 4;
  const scale = 1 / Math.sqrt(hs);
  const drow = hs * t * 4; // byte offset of the dpre row in scratch
  const code = new Code();
  loop(code, G.BI, constant(code, 0), constant(code, b), 1, () => {
    loop(code, G.HI, constant(code, 0), constant(code, h), 1, () => {
      code.get(G.BI).i32(t * rowBytes).mul().get(G.HI).i32(hs * 4).mul().add().set(G.P);
      code.get(G.QKV).get(G.P).add().set(G.QB);
      code.get(G.DQKV).get(G.P).add().set(G.DQB);
      code.get(G.ATT).get(G.BI).i32(h).mul().get(G.HI).add().i32(t * t * 4).mul().add().set(G.AB);
      code.get(G.DOUT).get(G.BI).i32(t * c * 4).mul().add().get(G.HI).i32(hs * 4).mul().add().set(G.DOB);
      loop(code, G.T2, constant(code, 0), constant(code, t), 1, () => {
        code.get(G.QB).get(G.T2).i32(rowBytes).mul().add().set(G.P);
        if (!accumulate) {
          // dk and dv gather over query rows: start this head's dq, dk, dv at zero.
          code.get(G.DQB).get(G.T2).i32(rowBytes).mul().add().set(G.Q);
          for (let part = 0; part < 3; part++) {
            for (let v = 0; v < vectors; v++) code.get(G.Q).v128Zero().v128Store(part * c * 4 + 16 * v);
          }
        }
        // vT[i][t2] = v[t2][i].
        code.get(G.SCR).get(G.T2).i32(4).mul().add().set(G.Q);
        for (let i = 0; i < hs; i++) code.get(G.Q).get(G.P).f32Load(2 * c * 4 + i * 4).f32Store(i * t * 4);
      });
      loop(code, G.T1, constant(code, 0), constant(code, t), 1, () => {
        code.get(G.QB).get(G.T1).i32(rowBytes).mul().add().set(G.QR);
        code.get(G.AB).get(G.T1).i32(t * 4).mul().add().set(G.AR);
        code.get(G.DOB).get(G.T1).i32(c * 4).mul().add().set(G.DOR);
        code.get(G.T1).i32(2).shrU().i32(1).add().i32(16).mul().set(G.VEND);
        // datt[t2] = dout[t1] · v[t2], four keys per vector.
        loop(code, G.J, constant(code, 0), () => code.get(G.VEND), 16, () => {
          code.get(G.SCR).get(G.J).add();
          for (let i = 0; i < hs; i++) {
            code.get(G.DOR).load32Splat(i * 4).get(G.SCR).get(G.J).add().v128Load(i * t * 4).f32x4Mul();
            if (i > 0) code.f32x4Add();
          }
          code.v128Store(drow);
        });
        // weighted = Σ att·datt (att is zero after t1, so whole vectors may be summed).
        code.v128Zero().set(GV.W);
        loop(code, G.J, constant(code, 0), () => code.get(G.VEND), 16, () => {
          code.get(GV.W).get(G.AR).get(G.J).add().v128Load(0).get(G.SCR).get(G.J).add().v128Load(drow).f32x4Mul().f32x4Add().set(GV.W);
        });
        emitHorizontalSum(code, GV.W);
        code.f32x4Splat().set(GV.W);
        // dpre = att · (datt − weighted) · scale, with the scores' 1/√hs folded in.
        loop(code, G.J, constant(code, 0), () => code.get(G.VEND), 16, () => {
          code.get(G.SCR).get(G.J).add().set(G.P);
          code.get(G.P);
          code.get(G.AR).get(G.J).add().v128Load(0).get(G.P).v128Load(drow).get(GV.W).f32x4Sub().f32x4Mul();
          code.f32x4Const(scale).f32x4Mul().v128Store(drow);
        });
        for (let v = 0; v < vectors; v++) {
          code.get(G.QR).v128Load(16 * v).set(GV.QREG + v);
          code.get(G.DOR).v128Load(16 * v).set(GV.DREG + v);
          code.v128Zero().set(GV.DQ + v);
        }
        // dq[t1] += Σ dpre·k[t2]; dk[t2] += dpre·q[t1]; dv[t2] += att·dout[t1].
        loop(code, G.T2, constant(code, 0), () => code.get(G.T1).i32(1).add(), 1, () => {
          code.get(G.SCR).get(G.T2).i32(4).mul().add().load32Splat(drow).set(GV.D);
          code.get(G.AR).get(G.T2).i32(4).mul().add().load32Splat(0).set(GV.PS);
          code.get(G.QB).get(G.T2).i32(rowBytes).mul().add().set(G.P);
          code.get(G.DQB).get(G.T2).i32(rowBytes).mul().add().set(G.Q);
          for (let v = 0; v < vectors; v++) {
            const k = c * 4 + 16 * v;
            const dv = 2 * c * 4 + 16 * v;
            code.get(GV.DQ + v).get(GV.D).get(G.P).v128Load(k).f32x4Mul().f32x4Add().set(GV.DQ + v);
            code.get(G.Q).get(G.Q).v128Load(k).get(GV.D).get(GV.QREG + v).f32x4Mul().f32x4Add().v128Store(k);
            code.get(G.Q).get(G.Q).v128Load(dv).get(GV.PS).get(GV.DREG + v).f32x4Mul().f32x4Add().v128Store(dv);
          }
        });
        code.get(G.DQB).get(G.T1).i32(rowBytes).mul().add().set(G.Q);
        for (let v = 0; v < vectors; v++) code.get(G.Q).get(G.Q).v128Load(16 * v).get(GV.DQ + v).f32x4Add().v128Store(16 * v);
      });
    });
  });
  return code;
}

export function attentionModuleBytes(shape: AttentionShape, shared: boolean, maximumPages: number): Uint8Array<ArrayBuffer> {
  return encodeModule([
    { exportName: 'forward', params: [I32, I32, I32, I32], locals: [[13, I32], [11, V128]], code: forwardCode(shape) },
    { exportName: 'backward', params: [I32, I32, I32, I32, I32], locals: [[15, I32], [16, V128]], code: backwardCode(shape, false) },
    { exportName: 'backwardAccumulate', params: [I32, I32, I32, I32, I32], locals: [[15, I32], [16, V128]], code: backwardCode(shape, true) },
  ], { initialPages: 1, maximumPages, shared });
}

export interface AttentionKernels {
  forward(qkvPtr: number, outPtr: number, attPtr: number, scratchPtr: number): void;
  backward(qkvPtr: number, doutPtr: number, attPtr: number, dqkvPtr: number, scratchPtr: number): void;
  backwardAccumulate(qkvPtr: number, doutPtr: number, attPtr: number, dqkvPtr: number, scratchPtr: number): void;
}

/** Floats of scratch the kernels need (forward: kᵀ; backward: vᵀ and a dpre row). */
export function attentionScratchFloats(shape: AttentionShape): number {
  return (shape.c / shape.h) * shape.t + shape.t;
}
