// What theory says at initialisation about the dilution cures (DESIGN.md's second table), in the units of
// predict.ts. Only statements that follow from the block equations at the probe's initialisation, or that
// the papers state, are drawn; the rest are notes. docs/probe-theory.md compares them with the probe.

import type { ProbeConfig } from '../probe/types';
import type { TheorySeries } from './predict';
import { dilution, mlpGain, postLnSumSquared, preLnBandSquared } from './xiong';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** nGPT's α at initialisation (variants/ngpt.ts). */
const NGPT_ALPHA = 0.05;

/** Σ_{i ≤ l} 1/i. */
export function harmonic(layer: number): number {
  let sum = 0;
  for (let i = 1; i <= layer; i++) sum += 1 / i;
  return sum;
}

/**
 * LayerNorm Scaling at init: block i's MLP reads N(x)/√i, so it adds mlpGain at input scale 1/√i (GELU is
 * not homogeneous, so this is computed, not 0.23/i); Xiong's per-block upper edge 3/2 scales by 1/i (ReLU
 * is homogeneous). E‖x_l‖²/d lies in [1 + Σ MLP(1/√i), 1 + 3/2·H_l]: logarithmic growth, not linear.
 */
export function layernormScalingBandSquared(layer: number): { lower: number; upper: number } {
  let lower = 1;
  for (let i = 1; i <= layer; i++) lower += mlpGain('gelu', 4, 1 / Math.sqrt(i)) * i;
  return { lower, upper: 1 + 1.5 * harmonic(layer) };
}

/**
 * Attention Residuals at init: every pseudo-query is 0, so block l+1's input is the plain mean of its m_l
 * values, and the sum of those values is Pre-LN's stream x_l. Its norm is Pre-LN's divided by m_l (the
 * branch's own norm makes the scale irrelevant, so the model computes what Pre-LN computes).
 * m_l for block l+1's attention: x₀ plus every earlier value (Full), or x₀, the completed groups and the
 * running sum of its own group when it has one (Block AttnRes).
 */
export function attnResSources(layers: number, groups: number, layer: number): number {
  const sublayers = 2 * layers;
  if (groups >= sublayers) return 1 + 2 * layer;
  const perGroup = Math.floor(sublayers / groups);
  const k = 2 * layer;
  if (k >= sublayers) return 1 + groups;
  const own = Math.min(Math.floor(k / perGroup), groups - 1);
  const start = own * perGroup;
  return 1 + own + (k > start ? 1 : 0);
}

export function cureSeries(config: Pick<ProbeConfig, 'placement' | 'layers' | 'attnResGroups'>, source: string): { series: TheorySeries[]; notes: string[] } {
  const L = config.layers;
  const all = range(0, L);
  const blocks = range(1, L);
  const series: TheorySeries[] = [];
  const notes: string[] = [];
  switch (config.placement) {
    case 'layernorm-scaling': {
      series.push({
        id: 'lns-band', metric: 'residualNorm', label: 'LayerNorm Scaling: √(1 + Σ MLP(1/√i)) … √(1 + 3/2·H_l)', kind: 'band', layers: all,
        lower: all.map((l) => Math.sqrt(layernormScalingBandSquared(l).lower)), upper: all.map((l) => Math.sqrt(layernormScalingBandSquared(l).upper)),
        unit: 'rms', source: `Sun et al. 2025 (block l reads N(x)/√l) with ${source}`,
      });
      notes.push(`LayerNorm Scaling: block l's branches read N(x)/√l, so they write about 1/l of what a Pre-LN block writes and the stream grows like the harmonic sum (H_${L} = ${harmonic(L).toFixed(2)}) rather than like l. The paper's claim, that deep layers then contribute more after training, is about trained LLMs; at init their share is smaller than Pre-LN's.`);
      break;
    }
    case 'attention-residuals': {
      const groups = config.attnResGroups && config.attnResGroups >= 1 && config.attnResGroups < 2 * L ? Math.round(config.attnResGroups) : 2 * L;
      const sources = all.map((l) => attnResSources(L, groups, l));
      series.push({
        id: 'attnres-mean', metric: 'residualNorm', label: 'AttnRes at init: Pre-LN band / m_l (the mean of m_l values)', kind: 'band', layers: all,
        lower: all.map((l, i) => Math.sqrt(preLnBandSquared(l).lower) / sources[i]), upper: all.map((l, i) => Math.sqrt(preLnBandSquared(l).upper) / sources[i]),
        unit: 'rms', source: 'Kimi Team 2026 (AttnRes), pseudo-queries at 0: uniform softmax over depth',
      });
      notes.push(`Attention Residuals (${groups >= 2 * L ? 'Full' : `Block, N = ${groups}`}): each block's input is a convex combination of x₀ and earlier branch outputs, so its norm is bounded by theirs whatever the depth — the paper's headline. At init (queries 0) it is the mean of the values, i.e. Pre-LN's stream divided by their number, and since every branch normalises its input the model computes exactly what Pre-LN computes.`);
      break;
    }
    case 'denseformer':
    case 'hyper-connections':
      series.push({
        id: 'pre-band', metric: 'residualNorm', label: 'identical to Pre-LN at init: √(1 + l/2) … √(1 + 3l/2)', kind: 'band', layers: all,
        lower: all.map((l) => Math.sqrt(preLnBandSquared(l).lower)), upper: all.map((l) => Math.sqrt(preLnBandSquared(l).upper)),
        unit: 'rms', source,
      });
      notes.push(config.placement === 'denseformer'
        ? 'DenseFormer starts as the identity on each block\'s own output, so at init it is Pre-LN exactly; its depth-weighted averages can only depart from that by training.'
        : 'Hyper-Connections start with every stream a copy of the Pre-LN stream (A_r = I, B = 1), so at init the mean of the streams is Pre-LN\'s stream; with n = 1 the model is Pre-LN exactly.');
      break;
    case 'residual':
      series.push({ id: 'residual-post', metric: 'residualNorm', label: 'ResiDual\'s Post-LN stream: 1 by construction', kind: 'line', layers: all, values: all.map(() => 1), unit: 'rms', source: 'definition of LayerNorm/RMSNorm' });
      series.push({ id: 'residual-sum', metric: 'sumNorm', label: `Post-LN sum, GELU/4d: √${postLnSumSquared('gelu', 4).toFixed(3)}`, kind: 'line', layers: blocks, values: blocks.map(() => Math.sqrt(postLnSumSquared('gelu', 4))), unit: 'rms', source: `${source}, Lemma 1 redone for GELU/4d` });
      notes.push('ResiDual: the stream the blocks read is Post-LN\'s (flat at 1, its sum obeys the 3/2 lemma); the dual stream x₀ + Σ F sums outputs of normalised inputs, so it grows inside Xiong\'s Pre-LN band (dualNorm).');
      break;
    case 'admin':
      series.push({ id: 'admin-normalised', metric: 'residualNorm', label: 'after the norm: 1 by construction', kind: 'line', layers: all, values: all.map(() => 1), unit: 'rms', source: 'definition of LayerNorm/RMSNorm' });
      notes.push('Admin: ω_k = √(1 + Σ_{j<k} Var F_j) from a profiling forward, so the sum before each norm is dominated by the ω-scaled stream as in a Pre-LN stream of the same depth: each block changes the stream by about 1/√(2k) of it, where Post-LN changes it by a constant share.');
      break;
    case 'ngpt':
      series.push({ id: 'ngpt-sphere', metric: 'residualNorm', label: 'on the sphere: 1 by construction', kind: 'line', layers: all, values: all.map(() => 1), unit: 'rms', source: 'Loshchilov et al. 2024 (nGPT)' });
      series.push({ id: 'ngpt-step', metric: 'contribution', label: `two steps of α = ${NGPT_ALPHA} along the sphere: ≈ √2·α`, kind: 'line', layers: blocks, values: blocks.map(() => dilution(0, 2 * NGPT_ALPHA * NGPT_ALPHA).contribution), unit: 'ratio', source: 'nGPT: h ← unit(h + α(unit(F(h)) − h))' });
      notes.push(`nGPT: the stream has RMS 1 after every sublayer. A step h + α(g − h) toward an uncorrelated unit g, put back on the sphere, moves h by α along g (the −αh part is undone by the normalisation), so a block of two sublayers changes it by ≈ √2·α = ${(Math.SQRT2 * NGPT_ALPHA).toFixed(3)} at init, at every depth — no dilution by construction.`);
      break;
    default:
      break;
  }
  return { series, notes };
}
