// The dilution cures' theory lines (src/core/theory/cures.ts) at hand-checked points, and predict()
// drawing one for every cure in the right rows and units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attnResSources, harmonic, layernormScalingBandSquared } from '../../src/core/theory/cures';
import { predict } from '../../src/core/theory/predict';
import { DILUTION_CURES } from '../../src/core/ir/model';
import { mlpGain } from '../../src/core/theory/xiong';

test('LayerNorm Scaling band: the MLP at input scale 1/√i below, 3/2·H_l above', () => {
  assert.ok(Math.abs(harmonic(4) - 25 / 12) < 1e-12);
  const band = layernormScalingBandSquared(2);
  // Block 1 reads N(x) (the Pre-LN gain 0.23), block 2 N(x)/√2: GELU is not homogeneous, so not 0.23/2.
  assert.ok(Math.abs(band.lower - (1 + mlpGain('gelu', 4) + 2 * mlpGain('gelu', 4, Math.SQRT1_2))) < 1e-12);
  assert.ok(band.lower - 1 - mlpGain('gelu', 4) < mlpGain('gelu', 4) / 2, 'a scaled-down input gains less than half');
  assert.equal(band.upper, 1 + 1.5 * 1.5);
});

test('AttnRes sources m_l: x₀ plus every earlier value (Full), or x₀, completed groups and a running sum (Block)', () => {
  // Full, L = 3: block 1 reads x₀ alone, block 2 x₀ and two values, the output x₀ and six.
  assert.deepEqual([0, 1, 2, 3].map((l) => attnResSources(3, 6, l)), [1, 3, 5, 7]);
  // Block, L = 3, N = 2 (three sublayers a group): sublayer 2 is inside group 1 (x₀ + running sum), sublayer
  // 4 inside group 2 (x₀, group 1, running sum), the output reads x₀ and both groups.
  assert.deepEqual([0, 1, 2, 3].map((l) => attnResSources(3, 2, l)), [1, 2, 3, 3]);
});

test('predict draws a line for every cure, in the metrics\' units, with finite values', () => {
  for (const placement of DILUTION_CURES) {
    const prediction = predict({ placement, layers: 12, dModel: 32 });
    assert.ok(prediction.series.length > 0, placement);
    assert.ok(prediction.notes.length > 2, placement);
    for (const series of prediction.series) {
      const values = [...(series.values ?? []), ...(series.lower ?? []), ...(series.upper ?? [])];
      assert.ok(values.length > 0 && values.every(Number.isFinite), `${placement} ${series.id}`);
      const rows = series.metric === 'residualNorm' || series.metric === 'sumNorm' ? [0, 12] : [1, 12];
      assert.ok(series.layers.every((l) => l >= rows[0] && l <= rows[1]), `${placement} ${series.id}`);
    }
  }
});
