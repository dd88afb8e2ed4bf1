// One op suite, every backend: the fast CPU (wasm SIMD) backend and the gpu.js backend run the float64
// op suite of opSuite.ts, then are held to the reference backend at probe sizes, per op and for whole
// training steps.
//
// Tolerances, and why. Every backend stores float32; they differ from the reference only in rounding:
// the wasm kernels round each product and each partial sum to float32, where the reference's JS
// arithmetic forms them in float64 and rounds once per store (and sums some dot products wholly in
// float64); gpu.js and the attention kernels sum in other orders; GELU's tanh is Eigen's rational
// approximation in wasm and GLSL's tanh on WebGL (both within 1e-6 absolute of float64 tanh).
// A float32 sum of K terms carries a rounding error of at most ≈ K·u·Σ|terms| (u = 6e-8) and typically
// √K·u·Σ|terms|; with K ≤ 256 and inputs of order 1 that is ≈ 1e-6 of the largest output, so per op we
// allow 2e-5 of the largest reference value (≈ 20× headroom, still far below any formula mistake,
// which shows as O(1e-1)). A whole step chains ~40 ops per layer: relative errors add up to ~1e-5,
// and Adam's first update divides the gradient by its own magnitude, so gradients near zero can move
// by O(lr) — hence gradients are compared after the first backward (1e-3 of each tensor's largest
// entry) and losses over five steps (1e-4 relative), not raw parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeBackend } from '../../src/core/probe/backend';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { GpujsBackend } from '../../src/core/probe/backends/gpujs';
import { ThreadedBackend } from '../../src/node/threadedBackend';
import { attentionFits } from '../../src/core/probe/backends/wasm/attention';
import { SimdBackend } from '../../src/core/probe/backends/simd';
import { wasmSimdSupported } from '../../src/core/probe/backends/wasm/runtime';
import { createNodeBackend } from '../../src/node/probeBackends';
import { randomArray, relativeError, rng, runOpSuite } from './opSuite';
import { probeConfig, trainSteps } from './backendAgreement';

const OP_AGREEMENT = 2e-5;
const GRAD_AGREEMENT = 1e-3;
const LOSS_AGREEMENT = 1e-4;

interface BackendCase {
  label: string;
  make: () => ProbeBackend;
}

const BACKENDS: BackendCase[] = [
  { label: 'wasm-simd (core, no worker)', make: () => new SimdBackend() },
  { label: 'wasm-simd (1 thread)', make: () => new ThreadedBackend({ threads: 1 }) },
  { label: 'wasm-simd (2 threads)', make: () => new ThreadedBackend({ threads: 2, splitThreshold: 0 }) },
  { label: 'gpujs (webasm)', make: () => new GpujsBackend({ mode: 'webasm' }) },
];

function agreeWithReference(label: string, make: () => ProbeBackend): void {
  test(`${label}: matmul agrees with the reference at probe shapes, every transpose, with and without accumulate`, () => {
    const backend = make();
    const reference = new ReferenceBackend();
    const random = rng(21);
    // Probe shapes (N=B·T rows, C, 3C, 4C, V) plus ragged ones that exercise the padding to 4 × 8.
    const shapes: [number, number, number][] = [[256, 64, 192], [64, 256, 64], [256, 64, 64], [37, 13, 21], [5, 3, 9], [1, 1, 1]];
    for (const [m, k, n] of shapes) {
      for (const transA of [false, true]) for (const transB of [false, true]) for (const accumulate of [false, true]) {
        const a = randomArray(m * k, random);
        const b = randomArray(k * n, random);
        const start = randomArray(m * n, random);
        const expected = Float32Array.from(start);
        const actual = Float32Array.from(start);
        reference.matmul(expected, a, b, m, k, n, { transA, transB, accumulate });
        backend.matmul(actual, a, b, m, k, n, { transA, transB, accumulate });
        const error = relativeError(actual, expected);
        assert.ok(error < OP_AGREEMENT, `${m}×${k}×${n} transA=${transA} transB=${transB} accumulate=${accumulate}: ${error}`);
      }
    }
    backend.dispose();
  });

  test(`${label}: every other op agrees with the reference at probe sizes`, () => {
    const backend = make();
    const reference = new ReferenceBackend();
    const random = rng(22);
    const [b, t, c, h, v] = [4, 16, 32, 4, 24];
    const n = b * t;
    const pairs: [string, (be: ProbeBackend) => Float32Array[]][] = [];
    const x = randomArray(n * c, random, 2, 0.3);
    const gamma = randomArray(c, random, 0.5, 1);
    const beta = randomArray(c, random, 0.5);
    const dy = randomArray(n * c, random);
    const wide = randomArray(n * 4 * c, random, 4);
    const dwide = randomArray(n * 4 * c, random);
    const qkv = randomArray(n * 3 * c, random, 1.5);
    const dout = randomArray(n * c, random);
    const logits = randomArray(n * v, random, 3);
    const targets = Int32Array.from({ length: n }, () => Math.floor(random() * v));
    pairs.push(['layerNorm', (be) => {
      const y = new Float32Array(n * c), mean = new Float32Array(n), rstd = new Float32Array(n);
      be.layerNormForward(y, mean, rstd, x, gamma, beta, n, c, 1e-5);
      const dx = new Float32Array(n * c).fill(1), dgamma = new Float32Array(c), dbeta = new Float32Array(c);
      be.layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, n, c, true);
      return [y, mean, rstd, dx, dgamma, dbeta];
    }]);
    pairs.push(['rmsNorm', (be) => {
      const y = new Float32Array(n * c), rstd = new Float32Array(n);
      be.rmsNormForward(y, rstd, x, gamma, n, c, 1e-5);
      const dx = new Float32Array(n * c), dgamma = new Float32Array(c);
      be.rmsNormBackward(dx, dgamma, dy, x, rstd, gamma, n, c);
      return [y, rstd, dx, dgamma];
    }]);
    pairs.push(['gelu', (be) => {
      const y = new Float32Array(n * 4 * c);
      be.geluForward(y, wide, n * 4 * c);
      const dx = new Float32Array(n * 4 * c);
      be.geluBackward(dx, dwide, wide, n * 4 * c);
      const dxAccumulated = Float32Array.from(dwide);
      be.geluBackward(dxAccumulated, dwide, wide, n * 4 * c, true);
      return [y, dx, dxAccumulated];
    }]);
    pairs.push(['attention', (be) => {
      const out = new Float32Array(n * c), att = new Float32Array(b * h * t * t);
      be.attentionForward(out, att, qkv, b, t, c, h);
      const dqkv = new Float32Array(n * 3 * c);
      be.attentionBackward(dqkv, dout, qkv, att, b, t, c, h);
      const dqkvAccumulated = Float32Array.from(qkv);
      be.attentionBackward(dqkvAccumulated, dout, qkv, att, b, t, c, h, true);
      return [out, att, dqkv, dqkvAccumulated];
    }]);
    pairs.push(['crossEntropy', (be) => {
      const probs = new Float32Array(n * v);
      const loss = be.crossEntropyForward(probs, logits, targets, n, v);
      const dlogits = new Float32Array(n * v);
      be.crossEntropyBackward(dlogits, probs, targets, n, v);
      return [Float32Array.of(loss), probs, dlogits];
    }]);
    pairs.push(['adam', (be) => {
      const param = Float32Array.from(x), m = new Float32Array(n * c), vv = new Float32Array(n * c);
      for (let step = 1; step <= 3; step++) be.adamUpdate(param, dy, m, vv, 1e-2, 0.9, 0.95, 1e-8, step);
      return [param, m, vv];
    }]);
    for (const [name, run] of pairs) {
      const expected = run(reference);
      const actual = run(backend);
      expected.forEach((e, i) => {
        const error = relativeError(actual[i], e);
        assert.ok(error < OP_AGREEMENT, `${name} output ${i}: ${error}`);
      });
    }
    backend.dispose();
  });

  for (const placement of ['pre', 'post', 'deepnorm'] as const) {
    test(`${label}: five training steps (${placement}, L=3, d=32) agree with the reference`, () => {
      const config = probeConfig(placement, 3, 32);
      const backend = make();
      const expected = trainSteps(new ReferenceBackend(), config, 5);
      const actual = trainSteps(backend, config, 5);
      expected.firstGrads.forEach((grad, i) => {
        const error = relativeError(actual.firstGrads[i], grad);
        assert.ok(error < GRAD_AGREEMENT, `${expected.params.all[i].name}: ${error}`);
      });
      expected.losses.forEach((loss, i) => {
        assert.ok(Math.abs(actual.losses[i] - loss) < LOSS_AGREEMENT * Math.abs(loss), `step ${i + 1}: ${actual.losses[i]} vs ${loss}`);
      });
      // The run must actually learn the fixed batch, or agreement would be vacuous.
      assert.ok(expected.losses[4] < expected.losses[0]);
      backend.dispose();
    });
  }
}

test('Node 20 runs WebAssembly SIMD, so the wasm-simd cases below exercise the kernels', () => {
  assert.ok(wasmSimdSupported());
});

test('the agreement shapes take the SIMD attention path, the op suite\'s small shape the fallback', () => {
  assert.ok(attentionFits(16, 32, 4));
  assert.ok(!attentionFits(5, 8, 2));
});

test('the two-thread backend really starts its worker (else the 2-thread cases would test one thread)', () => {
  const backend = new ThreadedBackend({ threads: 2 });
  assert.equal(backend.threadNote, undefined);
  assert.equal(backend.threads, 2);
  backend.dispose();
});

test('gpujs (webasm) runs a whole training step on webasm kernels, none fallen back to cpu', () => {
  const backend = new GpujsBackend({ mode: 'webasm' });
  trainSteps(backend, probeConfig('sandwich', 2, 16, 'rmsnorm'), 1);
  assert.equal(backend.mode, 'webasm');
  assert.deepEqual(backend.fallbacks(), []);
  backend.dispose();
});

for (const { label, make } of BACKENDS) {
  runOpSuite(label, make);
  agreeWithReference(label, make);
}

test('createNodeBackend: cpu and auto give the wasm-SIMD backend on two threads, gpujs gives webasm gpu.js', () => {
  const cpu = createNodeBackend('cpu');
  assert.ok(cpu.backend instanceof ThreadedBackend);
  assert.equal(cpu.backend.name, 'cpu');
  assert.equal((cpu.backend as ThreadedBackend).threads, 2);
  assert.equal(cpu.note, undefined);
  cpu.backend.dispose();
  const auto = createNodeBackend('auto');
  assert.ok(auto.backend instanceof ThreadedBackend);
  assert.match(auto.note ?? '', /auto chose/);
  auto.backend.dispose();
  const gpujs = createNodeBackend('gpujs');
  assert.ok(gpujs.backend instanceof GpujsBackend);
  assert.equal(gpujs.backend.name, 'gpujs');
  assert.equal((gpujs.backend as GpujsBackend).mode, 'webasm');
  gpujs.backend.dispose();
});

test('a worker that cannot start makes matmul throw (after the timeout, then with its reason), never hang', async () => {
  const backend = new ThreadedBackend({ threads: 2, splitThreshold: 0, workerFile: '/nonexistent/probe.worker.js', workerTimeoutMs: 300 });
  const [m, k, n] = [64, 32, 64];
  const call = (): void => backend.matmul(new Float32Array(m * n), new Float32Array(m * k), new Float32Array(k * n), m, k, n);
  assert.throws(call, /did not answer within 300 ms/);
  // Once the event loop has delivered the worker's error, the next call names it at once.
  for (let waited = 0; backend.workerError === null && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(backend.workerError ?? '', /Cannot find module/);
  assert.throws(call, /probe worker failed: .*Cannot find module/);
  backend.dispose();
});
