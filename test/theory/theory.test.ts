// The theory's closed forms against values derivable by hand, and predict()'s series against their units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predict } from '../../src/core/theory/predict';
import { deepnormConstants, dilution, lastLayerGradientScale, meanSquareOfActivation, mlpGain, postLnSumSquared, preLnBandSquared } from '../../src/core/theory/xiong';

test('Gaussian moments: E[h²] = σ², E[relu(h)²] = σ²/2', () => {
  assert.ok(Math.abs(meanSquareOfActivation((x) => x, 0.7) - 0.7) < 1e-9);
  assert.ok(Math.abs(meanSquareOfActivation((x) => Math.max(0, x), 0.4) - 0.2) < 1e-9);
});

test('Xiong Lemma 1: E‖x + FFN(x)‖² = 3/2·d for ReLU with d_ff = d; ≈ 1.23·d for the probe\'s GELU/4d', () => {
  assert.ok(Math.abs(postLnSumSquared('relu', 1) - 1.5) < 1e-9);
  // DESIGN.md's PyTorch reference: "1.23 = its closed form for GELU/4d".
  assert.ok(Math.abs(postLnSumSquared('gelu', 4) - 1.23) < 0.005, `${postLnSumSquared('gelu', 4)}`);
  // A small gain puts GELU in its linear regime, gelu(h) ≈ h/2: gain² · 2r/(1+r) · σ²/4 with σ² = gain²·2/(1+r).
  const g = 0.05;
  assert.ok(Math.abs(mlpGain('gelu', 4, g) / (g ** 4 * 1.6 * 0.4 / 4) - 1) < 0.01);
});

test('Pre-LN band, DeepNorm constants, gradient scales and dilution at hand-checked points', () => {
  assert.deepEqual(preLnBandSquared(12), { lower: 7, upper: 19 });
  const { alpha, beta } = deepnormConstants(12);
  assert.ok(Math.abs(alpha - 24 ** 0.25) < 1e-12 && Math.abs(beta - 96 ** -0.25) < 1e-12);
  assert.ok(Math.abs(lastLayerGradientScale(64, 16).preOverPost - 0.25) < 1e-12);
  // A 96-layer Pre-LN stack: the last block is about a tenth of the stream (DESIGN.md).
  assert.ok(Math.abs(dilution(96, 1).contribution - 0.1) < 0.003);
  assert.ok(Math.abs(dilution(1, 1).cosine - Math.SQRT1_2) < 1e-12);
});

test('predict: series cover the right rows in the right units for every placement', () => {
  for (const placement of ['pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none', 'mixed'] as const) {
    const prediction = predict({ placement, layers: 8, dModel: 64 });
    assert.ok(prediction.series.length > 0, placement);
    for (const series of prediction.series) {
      // residualNorm has a row for the embedding (l = 0); the others start at block 1.
      const min = series.metric === 'residualNorm' ? 0 : 1;
      assert.ok(series.layers.every((l) => l >= min && l <= 8), `${placement} ${series.id}`);
      if (series.kind === 'band') {
        assert.equal(series.lower!.length, series.layers.length);
        assert.ok(series.lower!.every((v, i) => v <= series.upper![i] && Number.isFinite(v)));
      } else {
        assert.equal(series.values!.length, series.layers.length);
        assert.ok(series.values!.every(Number.isFinite));
      }
    }
  }
  const pre = predict({ placement: 'pre', layers: 12, dModel: 64 }).series.find((s) => s.id === 'pre-band')!;
  assert.ok(Math.abs(pre.lower![12] - Math.sqrt(7)) < 1e-12 && Math.abs(pre.upper![12] - Math.sqrt(19)) < 1e-12);
  const mixed = predict({ placement: 'mixed', layers: 8, dModel: 64 });
  assert.deepEqual(mixed.series.find((s) => s.id === 'mixed-pre-band')!.layers, [2, 3, 4, 5, 6, 7, 8]);
  assert.equal(predict({ placement: 'post', layers: 12, dModel: 64 }).scalars.needsWarmup, true);
  assert.equal(predict({ placement: 'pre', layers: 12, dModel: 64 }).scalars.needsWarmup, false);
  assert.equal(predict({ placement: 'none', rezero: true, layers: 4, dModel: 64 }).series[0].id, 'rezero-identity');
});
