// Vector math the fused kernels share: exp on f32x4 lanes, emitted inline. Cephes' expf scheme
// (Moshier, "Methods and Programs for Mathematical Functions"): exp(x) = 2ⁿ·exp(r) with n = round(x/ln 2),
// r = x − n·ln 2 in two parts (Cody–Waite), exp(r) by a degree-7 polynomial on |r| ≤ ln 2 / 2. Relative
// error about 2e-7 (two float32 ulps) against float64 exp; test/probe/simdMath.test.ts measures it.

import type { Code } from './encode';

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
/** 1.5·2²³ and its float bits. */
const ROUND_MAGIC = 12582912;
const ROUND_MAGIC_BITS = 0x4b400000;
const POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/**
 * Pushes exp(x) of the v128 local `x` (four f32 lanes); overwrites locals x, n and r. Inputs are clamped
 * to [−88, 88]: at −88 and below, n = −127 makes the power-of-two factor's bits zero, so exp(−∞) is
 * exactly 0 (the softmax's masked lanes rely on it). NaN stays NaN.
 */
export function emitExp(code: Code, x: number, n: number, r: number): void {
  // Pseudo-min/max (single instructions) rather than the NaN-canonicalising min/max: NaN in x survives.
  code.get(x).f32x4Const(-88).f32x4Pmax().f32x4Const(88).f32x4Pmin().set(x);
  // n = round(x·log2 e) by the 1.5·2²³ trick: adding it rounds to an integer in the low mantissa bits,
  // which also hold n for building 2ⁿ below (no float→int conversion, which wasm emulates slowly).
  code.get(x).f32x4Const(LOG2E).f32x4Mul().f32x4Const(ROUND_MAGIC).f32x4Add().set(n);
  code.get(n).f32x4Const(ROUND_MAGIC).f32x4Sub().set(r); // r holds n as a float for now
  code.get(x).get(r).f32x4Const(LN2_HI).f32x4Mul().f32x4Sub().get(r).f32x4Const(LN2_LO).f32x4Mul().f32x4Sub().set(r);
  code.f32x4Const(POLY[0]);
  for (const coefficient of POLY.slice(1)) code.get(r).f32x4Mul().f32x4Const(coefficient).f32x4Add();
  code.get(r).get(r).f32x4Mul().f32x4Mul().get(r).f32x4Add().f32x4Const(1).f32x4Add();
  // 2ⁿ as float bits: (n + 127) << 23, with n = bits(n + magic) − bits(magic).
  code.get(n).i32(ROUND_MAGIC_BITS - 127).i32x4Splat().i32x4Sub().i32(23).i32x4Shl().f32x4Mul();
}

/** Pushes the sum of the four lanes of v128 local `v` as an f32. */
export function emitHorizontalSum(code: Code, v: number): void {
  code.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Add();
  code.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Add().f32Add();
}

/** Pushes the largest of the four lanes of v128 local `v` as an f32. */
export function emitHorizontalMax(code: Code, v: number): void {
  code.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Max();
  code.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Max().f32Max();
}
