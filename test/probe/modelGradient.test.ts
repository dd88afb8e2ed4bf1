// Whole-model gradient check: the backward pass against float64 central finite differences of the same
// forward run on Float64Arrays, for every placement and both norms, at tiny size (L=2, d=8, T=4, B=2).
//
// Tolerance: the analytic gradient is computed in float32 through ~20 ops, so it carries a relative error
// of ~1e-5 of the largest entry of a tensor; the float64 differences (h = 1e-5) are exact to ~1e-9. We
// allow 1e-3 of each tensor's largest gradient entry; a wrong term shows up as O(1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { allocateBackward, backward } from '../../src/core/probe/modelBackward';
import { allocateForward, forward } from '../../src/core/probe/modelForward';
import type { Allocate, ModelParams } from '../../src/core/probe/modelParams';
import { initParams, zeroGrads } from '../../src/core/probe/modelParams';
import type { ProbeConfig, ProbePlacement } from '../../src/core/probe/types';
import { PROBE_PLACEMENTS } from '../../src/core/probe/types';
import { rng } from './opSuite';

const allocate64: Allocate = (length) => new Float64Array(length) as unknown as Float32Array;
const PLACEMENTS: readonly ProbePlacement[] = PROBE_PLACEMENTS;
const TOLERANCE = 1e-3;

function tinyConfig(placement: ProbePlacement, norm: ProbeConfig['norm'], rezero = false, options: Partial<ProbeConfig> = {}): ProbeConfig {
  return {
    ...options, placement, norm, rezero, layers: placement === 'mixed' ? 4 : 2, dModel: 8, heads: 2, seq: 4, batch: 2, vocab: 7,
    steps: 1, recordEvery: 1, lr: 1e-3, warmup: 0, seed: 3, backend: 'cpu',
  };
}

/** Moves every parameter off its initial value so no gradient is trivially zero (gains of 1, gates of 0). */
function perturb(params: ModelParams, seed: number): void {
  const random = rng(seed);
  for (const p of params.all) for (let i = 0; i < p.data.length; i++) p.data[i] += 0.3 * (2 * random() - 1);
}

function check(config: ProbeConfig): void {
  const backend = new ReferenceBackend();
  const params = initParams(config);
  perturb(params, 17);
  const state = allocateForward(backend, params);
  const random = rng(5);
  for (let i = 0; i < state.tokens.length; i++) {
    state.tokens[i] = Math.floor(random() * config.vocab);
    state.targets[i] = Math.floor(random() * config.vocab);
  }
  zeroGrads(params);
  forward(backend, params, state);
  backward(backend, params, state, allocateBackward(params));

  const params64 = initParams(config, allocate64);
  params64.all.forEach((p, i) => p.data.set(params.all[i].data));
  const state64 = allocateForward(backend, params64, allocate64);
  state64.tokens.set(state.tokens);
  state64.targets.set(state.targets);
  const h = 1e-5;
  for (const [index, p] of params64.all.entries()) {
    const analytic = params.all[index].grad;
    let worst = 0;
    // Floor: a gradient that is zero by symmetry — Hyper-Connections' input weights A_m where every stream
    // is still x₀, or n = 1, feed a scale-invariant norm — is float32 rounding (≈1e-7 absolute); 1e-4 lets
    // that pass while a wrong term (≥ 1e-3 absolute at these sizes) still fails.
    let largest = 1e-4;
    // Every entry for small tensors, a strided sample of the large ones keeps the check to a second.
    const stride = Math.max(1, Math.floor(p.data.length / 24));
    for (let i = 0; i < p.data.length; i += stride) {
      const keep = p.data[i];
      p.data[i] = keep + h;
      const up = forward(backend, params64, state64);
      p.data[i] = keep - h;
      const down = forward(backend, params64, state64);
      p.data[i] = keep;
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - analytic[i]));
      largest = Math.max(largest, Math.abs(numeric));
    }
    assert.ok(worst / largest < TOLERANCE, `${config.placement}/${config.norm}${config.rezero ? '/rezero' : ''} ${p.name}: error ${(worst / largest).toExponential(2)} of max ${largest.toExponential(2)}`);
  }
}

for (const placement of PLACEMENTS) {
  for (const norm of ['layernorm', 'rmsnorm'] as const) {
    test(`whole-model gradient matches float64 finite differences: ${placement}, ${norm}`, () => check(tinyConfig(placement, norm)));
  }
}
test('whole-model gradient matches float64 finite differences: ReZero gates', () => check(tinyConfig('none', 'layernorm', true)));
test('whole-model gradient matches float64 finite differences: Block AttnRes (2 groups over 4 sublayers: running sums)', () => check(tinyConfig('attention-residuals', 'rmsnorm', false, { attnResGroups: 2 })));
test('whole-model gradient matches float64 finite differences: Block AttnRes (3 groups over 6 sublayers)', () => check({ ...tinyConfig('attention-residuals', 'layernorm', false, { attnResGroups: 3 }), layers: 3 }));
for (const streams of [1, 3]) {
  test(`whole-model gradient matches float64 finite differences: static Hyper-Connections, n = ${streams}`, () => check(tinyConfig('hyper-connections', 'layernorm', false, { hyperStreams: streams })));
  test(`whole-model gradient matches float64 finite differences: dynamic Hyper-Connections, n = ${streams}`, () => check(tinyConfig('hyper-connections', 'rmsnorm', false, { hyperStreams: streams, hyperDynamic: true })));
}
