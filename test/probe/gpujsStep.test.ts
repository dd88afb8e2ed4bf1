// The device-resident gpu.js step (webasm in Node) against the reference backend: three Adam steps of
// every placement from one seeded initialisation, losses and every trained parameter within the op
// suite's tolerance, with launches and readbacks counted (no readback on an unrecorded step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPU } from 'gpu.js';
import { GpujsBackend } from '../../src/core/probe/backends/gpujs';
import { DeviceRunner } from '../../src/core/probe/backends/gpujsDevice';
import { GpujsStep } from '../../src/core/probe/backends/gpujsStep';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { runProbeToEnd } from '../../src/core/probe/engine';
import { initParams } from '../../src/core/probe/modelParams';
import type { ProbeConfig } from '../../src/core/probe/types';
import { probeConfig, trainSteps } from './backendAgreement';
import { OP_TOLERANCE, relativeError, rng } from './opSuite';

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

async function deviceTrain(config: ProbeConfig, steps: number) {
  const gpu = new GPU({ mode: 'webasm' });
  const runner = new DeviceRunner(gpu);
  const params = initParams(config);
  const device = new GpujsStep(runner, params, ADAM);
  await device.init();
  // The same fixed batch as backendAgreement.createTrainer.
  const n = config.batch * config.seq;
  const tokens = new Int32Array(n);
  const targets = new Int32Array(n);
  const random = rng(config.seed);
  for (let i = 0; i < n; i++) {
    tokens[i] = Math.floor(random() * config.vocab);
    targets[i] = Math.floor(random() * config.vocab);
  }
  const losses: number[] = [];
  const counts: { launches: number; readbacks: number }[] = [];
  for (let t = 1; t <= steps; t++) {
    runner.counters.launches = 0;
    runner.counters.readbacks = 0;
    const result = await device.step(tokens, targets, { record: true, update: { lr: config.lr, t } });
    losses.push(result!.loss);
    counts.push({ ...runner.counters });
  }
  runner.counters.launches = 0;
  runner.counters.readbacks = 0;
  await device.step(tokens, targets, { record: false, update: null });
  const unrecorded = { ...runner.counters };
  await device.readParams();
  const fallbacks = runner.fallbacks();
  device.dispose();
  runner.dispose();
  return { losses, params, counts, unrecorded, fallbacks };
}

const CASES: [ProbeConfig['placement'], ProbeConfig['norm'], boolean?][] = [
  ['pre', 'layernorm'], ['post', 'rmsnorm'], ['sandwich', 'layernorm'], ['deepnorm', 'layernorm'],
  ['parallel-pre', 'rmsnorm'], ['post-sublayer', 'layernorm'], ['mixed', 'layernorm'], ['none', 'layernorm', true],
];

for (const [placement, norm, rezero] of CASES) {
  test(`device step (gpu.js webasm) matches the reference over 3 steps: ${placement}/${norm}${rezero ? '/rezero' : ''}`, async () => {
    const config = { ...probeConfig(placement, 2, 16, norm), rezero, lr: 1e-2 };
    const expected = trainSteps(new ReferenceBackend(), config, 3);
    const actual = await deviceTrain(config, 3);
    actual.losses.forEach((loss, i) => assert.ok(Math.abs(loss - expected.losses[i]) < OP_TOLERANCE * Math.abs(expected.losses[i]), `loss ${i}: ${loss} vs ${expected.losses[i]}`));
    expected.params.all.forEach((p, i) => {
      const error = relativeError(actual.params.all[i].data, p.data);
      assert.ok(error < OP_TOLERANCE, `${p.name}: ${error.toExponential(2)}`);
    });
    assert.deepEqual(actual.fallbacks, []);
    assert.equal(actual.unrecorded.readbacks, 0);
    assert.ok(actual.unrecorded.launches > 0);
  });
}

test('runProbe on the gpu.js backend trains on the device step: the reference metrics, readbacks only at recorded steps', async () => {
  const config = { ...probeConfig('pre', 2, 16), steps: 6, recordEvery: 3, backend: 'gpujs' as const };
  const expected = await runProbeToEnd({ ...config, backend: 'cpu' });
  const backend = new GpujsBackend({ mode: 'webasm' });
  const actual = await runProbeToEnd(config, { backend });
  const counters = backend.deviceCounters();
  backend.dispose();
  assert.deepEqual(actual.metrics.steps, [0, 3, 6]);
  assert.deepEqual(actual.metrics.steps, expected.metrics.steps);
  const series = ['residualNorm', 'contribution', 'cosine', 'gradNorm', 'gradNormAttnOut', 'gradNormMlpOut'] as const;
  for (const name of series) {
    const flat = (rows: (number | null)[][]): Float32Array => Float32Array.from(rows.flat().map((value) => value ?? 0));
    assert.ok(relativeError(flat(actual.metrics[name]), flat(expected.metrics[name])) < OP_TOLERANCE, name);
  }
  assert.ok(relativeError(Float32Array.from(actual.metrics.loss), Float32Array.from(expected.metrics.loss)) < OP_TOLERANCE);
  // A recorded step reads the loss, the embedding, and per block its output and the W_O and W_2 gradients;
  // the run's end reads every parameter once, for the layer importance measured on the host.
  assert.equal(counters.readbacks, 3 * (2 + 3 * config.layers) + initParams(config).all.length);
  assert.ok(actual.layerImportance && actual.layerImportance.length === config.layers);
  assert.ok(relativeError(Float32Array.from(actual.layerImportance), Float32Array.from(expected.layerImportance!)) < 1e-2, 'layer importance');
  assert.ok(counters.launches > 7 * 50);
});
