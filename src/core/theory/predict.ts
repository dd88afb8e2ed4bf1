// What theory predicts for a probe config at initialisation, as per-layer series views draw over the
// measured metrics (same units as ../shared/DESIGN.md's metrics), plus the scalars a hover or report
// states. Formulas in ./xiong.ts; where the probe departs from the paper's setting, `notes` says so.

import type { ProbeConfig, ProbePlacement } from '../probe/types';
import { cureSeries } from './cures';
import { dilution, deepnormConstants, lastLayerGradientScale, mlpGain, postLnSumSquared, preLnBandSquared } from './xiong';

export type TheoryMetric = 'residualNorm' | 'sumNorm' | 'contribution' | 'cosine';

/**
 * One predicted curve over layers. `layers` holds DESIGN.md's layer numbers l (0 = embedding output,
 * 1..L = block outputs): residualNorm/sumNorm row = l, contribution/cosine row = l − 1.
 */
export interface TheorySeries {
  id: string;
  metric: TheoryMetric;
  label: string;
  kind: 'line' | 'band';
  layers: number[];
  /** For lines. */
  values?: number[];
  /** For bands. */
  lower?: number[];
  upper?: number[];
  /** `rms` (‖x‖/√d, residualNorm's unit) or `ratio` (dimensionless). */
  unit: 'rms' | 'ratio';
  /** Where the formula comes from. */
  source: string;
}

export interface TheoryPrediction {
  placement: ProbePlacement;
  layers: number;
  dModel: number;
  series: TheorySeries[];
  scalars: {
    deepnormAlpha: number;
    deepnormBeta: number;
    /** E‖x + MLP(x)‖²/d before a Post-LN norm: Xiong's 3/2 (ReLU, d_ff = d) and the probe's GELU/4d value. */
    postLnSumSquaredPaper: number;
    postLnSumSquaredProbe: number;
    /** Xiong's Theorem 1 scales of the last FFN's gradient (arbitrary constant, same for both). */
    lastLayerGradScale: { post: number; pre: number; preOverPost: number };
    needsWarmup: boolean;
  };
  /** Sentences: what the lines mean, and where the probe departs from the paper's setting. */
  notes: string[];
}

const XIONG = 'Xiong et al. 2020, Lemma 1–2';
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function flatLine(id: string, metric: TheoryMetric, label: string, layers: number[], value: number, source: string, unit: 'rms' | 'ratio' = 'rms'): TheorySeries {
  return { id, metric, label, kind: 'line', layers, values: layers.map(() => value), unit, source };
}

/** Pre-style stream growth from a normalised start at layer `from`: Xiong's band and the dilution it implies. */
function preSeries(from: number, to: number, idPrefix = 'pre'): TheorySeries[] {
  const layers = range(from, to);
  const blocks = range(Math.max(from, 0) + 1, to);
  const relative = (l: number): number => l - from;
  return [
    {
      id: `${idPrefix}-band`, metric: 'residualNorm', label: 'Pre-LN band √(1 + l/2) … √(1 + 3l/2)', kind: 'band', layers,
      lower: layers.map((l) => Math.sqrt(preLnBandSquared(relative(l)).lower)),
      upper: layers.map((l) => Math.sqrt(preLnBandSquared(relative(l)).upper)),
      unit: 'rms', source: XIONG,
    },
    {
      id: `${idPrefix}-dilution`, metric: 'contribution', label: 'dilution √(δ/(1 + lδ)), δ ∈ [½, 3/2]', kind: 'band', layers: blocks,
      lower: blocks.map((l) => dilution(relative(l), 0.5).contribution),
      upper: blocks.map((l) => dilution(relative(l), 1.5).contribution),
      unit: 'ratio', source: `${XIONG} (each block adds δ·d uncorrelated with the stream)`,
    },
  ];
}

export function predict(config: Pick<ProbeConfig, 'placement' | 'layers' | 'dModel'> & Pick<Partial<ProbeConfig>, 'rezero' | 'attnResGroups'>): TheoryPrediction {
  const { placement, layers: L, dModel } = config;
  const { alpha, beta } = deepnormConstants(L);
  const gelu4 = mlpGain('gelu', 4);
  const all = range(0, L);
  const blocks = range(1, L);
  const series: TheorySeries[] = [];
  const notes: string[] = [
    'Units: residualNorm and sumNorm are RMS (‖x‖/√d); the embedding output has E‖x₀‖² = d, Xiong\'s assumption, so row 0 is ≈ 1.',
  ];
  const postLines = (layers: number[]): void => {
    series.push(flatLine('post-normalised', 'residualNorm', 'after the norm: 1 by construction', layers, 1, 'definition of LayerNorm/RMSNorm'));
    series.push(flatLine('post-sum-paper', 'sumNorm', 'Xiong\'s √(3/2) (ReLU, d_ff = d)', layers.filter((l) => l > 0), Math.sqrt(1.5), `${XIONG}`));
    series.push(flatLine('post-sum-probe', 'sumNorm', `closed form for GELU, d_ff = 4d: √${postLnSumSquared('gelu', 4).toFixed(3)}`, layers.filter((l) => l > 0), Math.sqrt(postLnSumSquared('gelu', 4)), `${XIONG}, Lemma 1 redone for GELU/4d`));
  };
  switch (placement) {
    case 'pre':
    case 'parallel-pre':
      series.push(...preSeries(0, L));
      notes.push(`Xiong's band assumes ReLU with d_ff = d (each block adds ≥ d/2); the probe's GELU/4d MLP adds ${gelu4.toFixed(2)}·d and attention at init averages over the past, so the first blocks sit near or just below the band's lower edge; deeper blocks, whose tokens have grown correlated, climb inside it.`);
      break;
    case 'sandwich':
    case 'post-sublayer': {
      // A norm on the branch output makes every sublayer add exactly d (unit RMS), uncorrelated at init.
      const line = all.map((l) => Math.sqrt(1 + 2 * l));
      series.push({ id: 'branch-normalised', metric: 'residualNorm', label: 'each sublayer adds exactly d: √(1 + 2l)', kind: 'line', layers: all, values: line, unit: 'rms', source: 'norm on the branch output (Peri-LN, OLMo 2) with branches uncorrelated at init' });
      series.push({ id: 'branch-dilution', metric: 'contribution', label: 'dilution √(2/(1 + 2l))', kind: 'line', layers: blocks, values: blocks.map((l) => dilution(l, 2).contribution), unit: 'ratio', source: 'as the Pre-LN dilution with δ = 2' });
      break;
    }
    case 'post':
      postLines(all);
      break;
    case 'deepnorm': {
      series.push(flatLine('post-normalised', 'residualNorm', 'after the norm: 1 by construction', all, 1, 'definition of LayerNorm/RMSNorm'));
      const branch = mlpGain('gelu', 4, beta);
      series.push(flatLine('deepnorm-sum', 'sumNorm', `√(α² + MLP gain at β) = ${Math.sqrt(alpha * alpha + branch).toFixed(3)}`, blocks, Math.sqrt(alpha * alpha + branch), 'Wang et al. 2022 (DeepNet), α = (2L)^¼, β = (8L)^-¼'));
      series.push(flatLine('deepnorm-update', 'contribution', 'MLP update at β relative to the α-scaled stream (attention not counted)', blocks, Math.sqrt(branch / (alpha * alpha + branch)), 'DeepNet: updates bounded by β/α', 'ratio'));
      notes.push(`DeepNorm at L = ${L}: α = ${alpha.toFixed(3)}, β = ${beta.toFixed(3)}; the stream after each norm stays at RMS 1 and each block changes it by a few per cent.`);
      break;
    }
    case 'mixed': {
      const postBlocks = Math.floor(0.25 * L);
      postLines(range(0, postBlocks));
      series.push(...preSeries(postBlocks, L, 'mixed-pre'));
      notes.push(`Mix-LN: blocks 1–${postBlocks} are Post-LN (flat stream), the rest Pre-LN, growing from the normalised output of block ${postBlocks}.`);
      break;
    }
    case 'none':
      if (config.rezero) {
        series.push(flatLine('rezero-identity', 'residualNorm', 'ReZero: every gate is 0, each block is the identity at init', all, 1, 'Bachlechner et al. 2020'));
      } else {
        // Without a norm each sublayer's output scales with its input: growth is geometric, not linear.
        const values = all.map((l) => Math.sqrt(Math.pow(1 + gelu4, l)));
        series.push({ id: 'none-geometric', metric: 'residualNorm', label: `geometric growth, at least √((1 + ${gelu4.toFixed(2)})^l) (MLP alone)`, kind: 'line', layers: all, values, unit: 'rms', source: 'no norm: E‖x_l‖² ≥ (1 + MLP gain)·E‖x_{l−1}‖²' });
        notes.push('Without a norm the stream grows geometrically with depth; attention, whose softmax sharpens as the stream grows, makes it faster than the MLP-only lower line.');
      }
      break;
    default: {
      // The dilution cures (theory/cures.ts).
      const cure = cureSeries(config, XIONG);
      series.push(...cure.series);
      notes.push(...cure.notes);
    }
  }
  const grad = lastLayerGradientScale(dModel, L);
  notes.push(`Last-layer gradient (Xiong's Theorem 1): Post-LN ∝ d√(ln d), Pre-LN ∝ d√(ln d / L): at L = ${L}, Pre/Post ≈ ${grad.preOverPost.toFixed(2)}.`);
  // Admin and ResiDual keep a Post-LN stream but were built to train without the warm-up Post-LN needs.
  const needsWarmup = placement === 'post' || placement === 'mixed';
  if (needsWarmup) notes.push('Post-LN blocks need learning-rate warm-up: without it, ordinary learning rates stall or diverge them (Xiong et al. 2020, §3).');
  return {
    placement, layers: L, dModel, series,
    scalars: {
      deepnormAlpha: alpha, deepnormBeta: beta,
      postLnSumSquaredPaper: postLnSumSquared('relu', 1), postLnSumSquaredProbe: postLnSumSquared('gelu', 4),
      lastLayerGradScale: grad, needsWarmup,
    },
    notes,
  };
}
