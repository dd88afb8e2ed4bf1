// The fused kernels' vector math against float64: exp (simdMath.ts) over the range a softmax feeds it,
// and the fused attention's masking, which relies on exp(−∞) being exactly 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, encodeModule, I32, V128 } from '../../src/core/probe/backends/wasm/encode';
import { emitExp } from '../../src/core/probe/backends/wasm/simdMath';
import { compileModule, createMemory, instantiate } from '../../src/core/probe/backends/wasm/runtime';
import { SimdBackend } from '../../src/core/probe/backends/simd';
import { fusedAttentionFits } from '../../src/core/probe/backends/wasm/attentionKernel';
import { assertCausalRows, randomArray, relativeError, rng } from './opSuite';

/** y[i] = exp(x[i]) for i < count (a multiple of 4), through emitExp. */
function vectorExp(x: Float32Array): Float32Array {
  const code = new Code();
  // locals: 0 = byte end; 1 = byte pointer; 2..4 = v128 x, n, r
  code.i32(0).set(1);
  code.block().loop();
  code.get(1).get(0).geU().brIf(1);
  code.get(1).v128Load(0).set(2);
  code.get(1).get(0).add();
  emitExp(code, 2, 3, 4);
  code.v128Store(0);
  code.get(1).i32(16).add().set(1);
  code.br(0);
  code.end().end();
  const memory = createMemory({ initial: 8, maximum: 8, shared: false });
  const bytes = encodeModule([{ exportName: 'exp', params: [I32], locals: [[1, I32], [3, V128]], code }], { initialPages: 8, maximumPages: 8, shared: false });
  const exports = instantiate(compileModule(bytes), memory) as { exp(end: number): void };
  const view = new Float32Array(memory.buffer);
  view.set(x);
  exports.exp(x.length * 4);
  return view.slice(x.length, 2 * x.length);
}

test('SIMD exp: within 3e-7 relative of float64 exp on [−87, 10]; exp(−∞) = 0 exactly, NaN stays NaN, exp(0) = 1', () => {
  const count = 40_000;
  const x = new Float32Array(count);
  for (let i = 0; i < count - 4; i++) x[i] = -87 + (97 * i) / count;
  x.set([-Infinity, Number.NaN, 0, -200], count - 4);
  const y = vectorExp(x);
  let worst = 0;
  for (let i = 0; i < count - 4; i++) worst = Math.max(worst, Math.abs(y[i] - Math.exp(x[i])) / Math.exp(x[i]));
  assert.ok(worst < 3e-7, `worst relative error ${worst}`);
  assert.equal(y[count - 4], 0);
  assert.ok(Number.isNaN(y[count - 3]));
  assert.equal(y[count - 2], 1);
  assert.equal(y[count - 1], 0);
});

test('fused attention: head sizes 4–16 take it; rows are distributions with exact zeros above the diagonal', () => {
  assert.ok(fusedAttentionFits(32, 64, 8) && fusedAttentionFits(32, 64, 4) && fusedAttentionFits(8, 48, 4));
  assert.ok(!fusedAttentionFits(32, 256, 8) && !fusedAttentionFits(30, 64, 8));
  const backend = new SimdBackend();
  const [b, t, c, h] = [2, 12, 24, 2];
  const qkv = randomArray(b * t * 3 * c, rng(9), 4);
  const out = new Float32Array(b * t * c);
  const att = new Float32Array(b * h * t * t).fill(9);
  backend.attentionForward(out, att, qkv, b, t, c, h);
  assertCausalRows(att, b * h, t);
  backend.dispose();
});

test('in place on allocate()d buffers, the kernels give bit for bit what the copy path gives (Adam, LayerNorm: to 1e-6)', () => {
  const inPlace = new SimdBackend({ shared: true });
  const copying = new SimdBackend();
  const random = rng(12);
  const on = (backend: SimdBackend, source: Float32Array, resident: boolean): Float32Array => {
    const buffer = resident ? backend.allocate(source.length) : new Float32Array(source.length);
    buffer.set(source);
    return buffer;
  };
  const both = (name: string, run: (backend: SimdBackend, resident: boolean) => Float32Array[]): void => {
    const expected = run(copying, false);
    const actual = run(inPlace, true);
    expected.forEach((array, i) => assert.deepEqual(actual[i], array, `${name} output ${i}`));
  };
  const [m, k, n] = [32, 24, 40];
  const a = randomArray(m * k, random), b = randomArray(k * n, random), c0 = randomArray(m * n, random);
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      both(`matmul transA=${transA} transB=${transB}`, (backend, resident) => {
        const out = on(backend, c0, resident);
        backend.matmul(out, on(backend, a, resident), on(backend, b, resident), m, k, n, { transA, transB, accumulate: true });
        return [out];
      });
    }
  }
  const x = randomArray(256, random, 3), dy = randomArray(256, random);
  both('gelu', (backend, resident) => {
    const y = on(backend, new Float32Array(256), resident), dx = on(backend, dy, resident);
    backend.geluForward(y, on(backend, x, resident), 256);
    backend.geluBackward(dx, on(backend, dy, resident), on(backend, x, resident), 256, true);
    return [y, dx];
  });
  const [bt, t, c, h] = [2, 8, 32, 4];
  const qkv = randomArray(bt * t * 3 * c, random), dout = randomArray(bt * t * c, random);
  both('attention', (backend, resident) => {
    const out = on(backend, new Float32Array(bt * t * c), resident), att = on(backend, new Float32Array(bt * h * t * t), resident);
    const q = on(backend, qkv, resident);
    backend.attentionForward(out, att, q, bt, t, c, h);
    const dqkv = on(backend, qkv, resident);
    backend.attentionBackward(dqkv, on(backend, dout, resident), q, att, bt, t, c, h, true);
    return [out, att, dqkv];
  });
  // Adam in wasm computes in float32 where the copy path (the reference's loop) uses float64: close, not equal.
  const adam = (backend: SimdBackend, resident: boolean): Float32Array[] => {
    const param = on(backend, x, resident), m1 = on(backend, new Float32Array(256), resident), v1 = on(backend, new Float32Array(256), resident);
    for (let step = 1; step <= 3; step++) backend.adamUpdate(param, on(backend, dy, resident), m1, v1, 1e-2, 0.9, 0.98, 1e-8, step);
    return [param, m1, v1];
  };
  const expected = adam(copying, false);
  adam(inPlace, true).forEach((array, i) => assert.ok(relativeError(array, expected[i]) < 1e-6, `adam output ${i}`));
  // LayerNorm in wasm sums in float32 where the copy path (the reference's loops) sums in float64.
  const [rows, width] = [16, 32];
  const gamma = randomArray(width, random, 0.5, 1), beta = randomArray(width, random, 0.5);
  const xs = randomArray(rows * width, random, 2, 0.3), dys = randomArray(rows * width, random);
  const layerNorm = (backend: SimdBackend, resident: boolean): Float32Array[] => {
    const y = on(backend, new Float32Array(rows * width), resident), mean = on(backend, new Float32Array(rows), resident);
    const rstd = on(backend, new Float32Array(rows), resident);
    backend.layerNormForward(y, mean, rstd, on(backend, xs, resident), on(backend, gamma, resident), on(backend, beta, resident), rows, width, 1e-5);
    const dx = on(backend, dys, resident), dgamma = on(backend, gamma, resident), dbeta = on(backend, beta, resident);
    backend.layerNormBackward(dx, dgamma, dbeta, on(backend, dys, resident), on(backend, xs, resident), mean, rstd, on(backend, gamma, resident), rows, width, true);
    return [y, mean, rstd, dx, dgamma, dbeta];
  };
  const expectedNorm = layerNorm(copying, false);
  layerNorm(inPlace, true).forEach((array, i) => assert.ok(relativeError(array, expectedNorm[i]) < 1e-6, `layerNorm output ${i}`));
  inPlace.dispose();
  copying.dispose();
});
