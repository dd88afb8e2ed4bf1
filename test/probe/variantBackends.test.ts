// The dilution cures on the fast backends: their mixing loops are plain JS around the backend ops, so a
// whole training step on the wasm-SIMD CPU backend (and gpu.js on webasm) must agree with the reference
// as every other placement does (backends.test.ts gives the tolerances and why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeBackend } from '../../src/core/probe/backend';
import { GpujsBackend } from '../../src/core/probe/backends/gpujs';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { SimdBackend } from '../../src/core/probe/backends/simd';
import type { ProbeConfig } from '../../src/core/probe/types';
import { DILUTION_CURES } from '../../src/core/ir/model';
import { probeConfig, trainSteps } from './backendAgreement';
import { relativeError } from './opSuite';

const GRAD_AGREEMENT = 1e-3;
const LOSS_AGREEMENT = 1e-4;
/**
 * Hyper-Connections' input weights A_m (and dynamic HC's W_m behind them) have a gradient that is zero by
 * symmetry while the streams are equal copies of x₀ — they feed a scale-invariant norm — so both backends
 * return float32 rounding there (≈1e-7). Those tensors are compared against a floor of 1e-4, as in the
 * finite-difference check; every other tensor against its own largest entry.
 */
const GRAD_FLOOR = 1e-4;

function gradError(actual: Float32Array, expected: Float32Array): number {
  const largest = Math.max(...Array.from(expected, Math.abs));
  return largest >= GRAD_FLOOR ? relativeError(actual, expected) : relativeError(actual, expected) * largest / GRAD_FLOOR;
}

const CASES: { label: string; config: ProbeConfig }[] = [
  ...DILUTION_CURES.map((placement) => ({ label: placement, config: probeConfig(placement, 3, 32) })),
  { label: 'Block AttnRes, 2 groups', config: { ...probeConfig('attention-residuals', 3, 32), attnResGroups: 2 } },
  { label: 'dynamic Hyper-Connections, n = 2', config: { ...probeConfig('hyper-connections', 3, 32, 'rmsnorm'), hyperStreams: 2, hyperDynamic: true } },
];

function agree(label: string, make: () => ProbeBackend, only?: string[]): void {
  for (const { label: name, config } of CASES.filter((c) => !only || only.includes(c.label))) {
    test(`${label}: five training steps of ${name} (L=3, d=32) agree with the reference`, () => {
      const backend = make();
      const expected = trainSteps(new ReferenceBackend(), config, 5);
      const actual = trainSteps(backend, config, 5);
      expected.firstGrads.forEach((grad, i) => {
        const error = gradError(actual.firstGrads[i], grad);
        assert.ok(error < GRAD_AGREEMENT, `${expected.params.all[i].name}: ${error}`);
      });
      expected.losses.forEach((loss, i) => {
        assert.ok(Math.abs(actual.losses[i] - loss) < LOSS_AGREEMENT * Math.abs(loss), `step ${i + 1}: ${actual.losses[i]} vs ${loss}`);
      });
      assert.ok(expected.losses[4] < expected.losses[0], 'the run learns the fixed batch');
      backend.dispose();
    });
  }
}

agree('wasm-simd', () => new SimdBackend());
// gpu.js on webasm takes 4–8 s a case: the three whose mixing differs most (a softmax over depth, per-token
// stream weights, the sphere) stand for the rest, which share their ops.
agree('gpujs (webasm)', () => new GpujsBackend({ mode: 'webasm' }), ['attention-residuals', 'dynamic Hyper-Connections, n = 2', 'ngpt']);
