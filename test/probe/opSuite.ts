// The one op suite every ProbeBackend runs: each forward against a float64 re-implementation, each
// backward against float64 central finite differences of that re-implementation.
//
// Tolerance, and why: the backend computes in float32, so a sum of K products carries a relative error
// of about √K·6e-8 (≈ 1e-6 for the sizes here). The finite differences are taken in float64 with step
// h = 1e-5 on inputs of order 1: truncation error O(h²) ≈ 1e-10, cancellation ≈ 1e-16·|f|/h ≈ 1e-10.
// So a correct backward agrees to ~1e-6 of the largest gradient; we allow 2e-4 (≈ 200× headroom for
// accumulation order), while any formula mistake (a missing term, a wrong sign) shows as O(1e-1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeBackend } from '../../src/core/probe/backend';

export const OP_TOLERANCE = 2e-4;
const H = 1e-5;
const GELU_SCALE = Math.sqrt(2 / Math.PI);

/** A small deterministic PRNG (mulberry32) so every backend sees the same inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(length: number, random: () => number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = offset + scale * (2 * random() - 1);
  return out;
}

/** max |a − b| / max |b|: error relative to the largest reference value. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  let largest = 1e-12;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    largest = Math.max(largest, Math.abs(expected[i]));
  }
  return worst / largest;
}

/** Each attention row [rows·T, T] is a distribution over the past: sums to 1, exactly 0 above the diagonal. */
export function assertCausalRows(att: Float32Array, heads: number, t: number): void {
  for (let row = 0; row < heads * t; row++) {
    const ti = row % t;
    let total = 0;
    for (let t2 = 0; t2 < t; t2++) {
      if (t2 > ti) assert.equal(att[row * t + t2], 0);
      total += att[row * t + t2];
    }
    assert.ok(Math.abs(total - 1) < 1e-6);
  }
}

/** Central differences of a float64 scalar function at x (x is copied; f sees float64 values). */
export function finiteDifference(f: (x: Float64Array) => number, x: ArrayLike<number>, h = H): Float64Array {
  const point = Float64Array.from(x);
  const grad = new Float64Array(point.length);
  for (let i = 0; i < point.length; i++) {
    const keep = point[i];
    point[i] = keep + h;
    const up = f(point);
    point[i] = keep - h;
    const down = f(point);
    point[i] = keep;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

// Float64 forwards: the oracle, written as plainly as possible.
export function layerNorm64(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, n: number, c: number, eps: number): Float64Array {
  const y = new Float64Array(n * c);
  for (let r = 0; r < n; r++) {
    let mean = 0;
    for (let i = 0; i < c; i++) mean += x[r * c + i] / c;
    let variance = 0;
    for (let i = 0; i < c; i++) variance += (x[r * c + i] - mean) ** 2 / c;
    for (let i = 0; i < c; i++) y[r * c + i] = ((x[r * c + i] - mean) / Math.sqrt(variance + eps)) * gamma[i] + beta[i];
  }
  return y;
}

export function rmsNorm64(x: ArrayLike<number>, gamma: ArrayLike<number>, n: number, c: number, eps: number): Float64Array {
  const y = new Float64Array(n * c);
  for (let r = 0; r < n; r++) {
    let squares = 0;
    for (let i = 0; i < c; i++) squares += x[r * c + i] ** 2 / c;
    for (let i = 0; i < c; i++) y[r * c + i] = (x[r * c + i] / Math.sqrt(squares + eps)) * gamma[i];
  }
  return y;
}

export function gelu64(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x as ArrayLike<number>, (v) => 0.5 * v * (1 + Math.tanh(GELU_SCALE * (v + 0.044715 * v ** 3))));
}

export function attention64(qkv: ArrayLike<number>, b: number, t: number, c: number, h: number): Float64Array {
  const hs = c / h;
  const out = new Float64Array(b * t * c);
  for (let bi = 0; bi < b; bi++) for (let hi = 0; hi < h; hi++) for (let ti = 0; ti < t; ti++) {
    const scores: number[] = [];
    for (let t2 = 0; t2 <= ti; t2++) {
      let s = 0;
      for (let i = 0; i < hs; i++) s += qkv[(bi * t + ti) * 3 * c + hi * hs + i] * qkv[(bi * t + t2) * 3 * c + c + hi * hs + i];
      scores.push(s / Math.sqrt(hs));
    }
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const total = e.reduce((p, q) => p + q, 0);
    for (let t2 = 0; t2 <= ti; t2++) for (let i = 0; i < hs; i++) {
      out[(bi * t + ti) * c + hi * hs + i] += (e[t2] / total) * qkv[(bi * t + t2) * 3 * c + 2 * c + hi * hs + i];
    }
  }
  return out;
}

export function crossEntropy64(logits: ArrayLike<number>, targets: Int32Array, n: number, v: number): number {
  let loss = 0;
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let i = 0; i < v; i++) max = Math.max(max, logits[r * v + i]);
    let total = 0;
    for (let i = 0; i < v; i++) total += Math.exp(logits[r * v + i] - max);
    loss += Math.log(total) + max - logits[r * v + targets[r]];
  }
  return loss / n;
}

function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, transA: boolean, transB: boolean): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
    out[i * n + j] = s;
  }
  return out;
}

/** Registers the whole op suite for one backend under `node:test`. */
export function runOpSuite(label: string, makeBackend: () => ProbeBackend, tolerance = OP_TOLERANCE): void {
  const N = 6;
  const C = 8;

  test(`${label}: matmul agrees with float64 for every transpose and accumulates`, () => {
    const backend = makeBackend();
    const random = rng(1);
    const [m, k, n] = [5, 7, 6];
    for (const transA of [false, true]) for (const transB of [false, true]) {
      const a = randomArray(m * k, random);
      const b = randomArray(k * n, random);
      const out = new Float32Array(m * n).fill(99);
      backend.matmul(out, a, b, m, k, n, { transA, transB });
      const expected = matmul64(a, b, m, k, n, transA, transB);
      assert.ok(relativeError(out, expected) < 1e-6, `transA=${transA} transB=${transB}`);
      const start = randomArray(m * n, random);
      const accumulated = Float32Array.from(start);
      backend.matmul(accumulated, a, b, m, k, n, { transA, transB, accumulate: true });
      assert.ok(relativeError(accumulated, expected.map((e, i) => e + start[i])) < 1e-6);
    }
    backend.dispose();
  });

  test(`${label}: layerNorm forward and backward (x, gamma, beta) against float64 finite differences`, () => {
    const backend = makeBackend();
    const random = rng(2);
    const eps = 1e-5;
    const x = randomArray(N * C, random, 2, 0.5);
    const gamma = randomArray(C, random, 0.5, 1);
    const beta = randomArray(C, random, 0.5);
    const w = randomArray(N * C, random);
    const y = new Float32Array(N * C);
    const mean = new Float32Array(N);
    const rstd = new Float32Array(N);
    backend.layerNormForward(y, mean, rstd, x, gamma, beta, N, C, eps);
    assert.ok(relativeError(y, layerNorm64(x, gamma, beta, N, C, eps)) < 1e-6);
    const dx = new Float32Array(N * C);
    const dgamma = new Float32Array(C);
    const dbeta = new Float32Array(C);
    backend.layerNormBackward(dx, dgamma, dbeta, w, x, mean, rstd, gamma, N, C);
    assert.ok(relativeError(dx, finiteDifference((p) => dot(w, layerNorm64(p, gamma, beta, N, C, eps)), x)) < tolerance);
    assert.ok(relativeError(dgamma, finiteDifference((p) => dot(w, layerNorm64(x, p, beta, N, C, eps)), gamma)) < tolerance);
    assert.ok(relativeError(dbeta, finiteDifference((p) => dot(w, layerNorm64(x, gamma, p, N, C, eps)), beta)) < tolerance);
    // dx accumulates when asked; parameter grads always do.
    const again = Float32Array.from(dx);
    backend.layerNormBackward(again, dgamma, dbeta, w, x, mean, rstd, gamma, N, C, true);
    assert.ok(relativeError(again, dx.map((v) => 2 * v)) < 1e-6);
    assert.ok(relativeError(dbeta, finiteDifference((p) => 2 * dot(w, layerNorm64(x, gamma, p, N, C, eps)), beta)) < tolerance);
    backend.dispose();
  });

  test(`${label}: rmsNorm forward and backward against float64 finite differences`, () => {
    const backend = makeBackend();
    const random = rng(3);
    const eps = 1e-5;
    const x = randomArray(N * C, random, 2, 0.3);
    const gamma = randomArray(C, random, 0.5, 1);
    const w = randomArray(N * C, random);
    const y = new Float32Array(N * C);
    const rstd = new Float32Array(N);
    backend.rmsNormForward(y, rstd, x, gamma, N, C, eps);
    assert.ok(relativeError(y, rmsNorm64(x, gamma, N, C, eps)) < 1e-6);
    const dx = new Float32Array(N * C).fill(7);
    const dgamma = new Float32Array(C);
    backend.rmsNormBackward(dx, dgamma, w, x, rstd, gamma, N, C);
    assert.ok(relativeError(dx, finiteDifference((p) => dot(w, rmsNorm64(p, gamma, N, C, eps)), x)) < tolerance);
    assert.ok(relativeError(dgamma, finiteDifference((p) => dot(w, rmsNorm64(x, p, N, C, eps)), gamma)) < tolerance);
    const again = Float32Array.from(dx);
    backend.rmsNormBackward(again, dgamma, w, x, rstd, gamma, N, C, true);
    assert.ok(relativeError(again, dx.map((v) => 2 * v)) < 1e-6);
    backend.dispose();
  });

  test(`${label}: gelu forward and backward against float64 finite differences`, () => {
    const backend = makeBackend();
    const random = rng(4);
    const x = randomArray(64, random, 4);
    const w = randomArray(64, random);
    const y = new Float32Array(64);
    backend.geluForward(y, x, 64);
    assert.ok(relativeError(y, gelu64(x)) < 1e-6);
    const dx = new Float32Array(64);
    backend.geluBackward(dx, w, x, 64);
    assert.ok(relativeError(dx, finiteDifference((p) => dot(w, gelu64(p)), x)) < tolerance);
    const again = Float32Array.from(dx);
    backend.geluBackward(again, w, x, 64, true);
    assert.ok(relativeError(again, dx.map((v) => 2 * v)) < 1e-6);
    backend.dispose();
  });

  test(`${label}: causal attention forward and backward against float64 finite differences`, () => {
    const backend = makeBackend();
    const random = rng(5);
    const [b, t, c, h] = [2, 5, 8, 2];
    const qkv = randomArray(b * t * 3 * c, random, 1.5);
    const w = randomArray(b * t * c, random);
    const out = new Float32Array(b * t * c);
    const att = new Float32Array(b * h * t * t).fill(5);
    backend.attentionForward(out, att, qkv, b, t, c, h);
    assert.ok(relativeError(out, attention64(qkv, b, t, c, h)) < 1e-6);
    assertCausalRows(att, b * h, t);
    const dqkv = new Float32Array(b * t * 3 * c).fill(3);
    backend.attentionBackward(dqkv, w, qkv, att, b, t, c, h);
    assert.ok(relativeError(dqkv, finiteDifference((p) => dot(w, attention64(p, b, t, c, h)), qkv)) < tolerance);
    const again = Float32Array.from(dqkv);
    backend.attentionBackward(again, w, qkv, att, b, t, c, h, true);
    assert.ok(relativeError(again, dqkv.map((v) => 2 * v)) < 1e-6);
    backend.dispose();
  });

  test(`${label}: cross-entropy loss and dlogits against float64 finite differences`, () => {
    const backend = makeBackend();
    const random = rng(6);
    const [n, v] = [5, 7];
    const logits = randomArray(n * v, random, 3);
    const targets = Int32Array.from({ length: n }, (_, i) => (i * 3) % v);
    const probs = new Float32Array(n * v);
    const loss = backend.crossEntropyForward(probs, logits, targets, n, v);
    assert.ok(Math.abs(loss - crossEntropy64(logits, targets, n, v)) < 1e-6 * Math.max(1, loss));
    const dlogits = new Float32Array(n * v).fill(1);
    backend.crossEntropyBackward(dlogits, probs, targets, n, v);
    assert.ok(relativeError(dlogits, finiteDifference((p) => crossEntropy64(p, targets, n, v), logits)) < tolerance);
    backend.dispose();
  });

  test(`${label}: Adam matches the bias-corrected update over several steps`, () => {
    const backend = makeBackend();
    const random = rng(7);
    const size = 16;
    const param = randomArray(size, random);
    const m = new Float32Array(size);
    const v = new Float32Array(size);
    const p64 = Float64Array.from(param);
    const m64 = new Float64Array(size);
    const v64 = new Float64Array(size);
    const [lr, beta1, beta2, eps] = [1e-2, 0.9, 0.95, 1e-8];
    for (let step = 1; step <= 4; step++) {
      const grad = randomArray(size, random);
      backend.adamUpdate(param, grad, m, v, lr, beta1, beta2, eps, step);
      for (let i = 0; i < size; i++) {
        m64[i] = beta1 * m64[i] + (1 - beta1) * grad[i];
        v64[i] = beta2 * v64[i] + (1 - beta2) * grad[i] ** 2;
        p64[i] -= (lr * m64[i] / (1 - beta1 ** step)) / (Math.sqrt(v64[i] / (1 - beta2 ** step)) + eps);
      }
    }
    assert.ok(relativeError(param, p64) < 1e-6);
    backend.dispose();
  });
}
