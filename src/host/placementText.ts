// Names, block equations and at-initialisation predictions of each placement, as DESIGN.md's table and
// "Facts a user must be able to see" state them (Xiong et al. 2020). Pure: shared by hover, CodeLens,
// diagnostics and the panel; no vscode.

import type { BlockIR, Placement } from '../core/ir/model';
import { deepnormConstants, preLnBandSquared } from '../core/theory/xiong';

export const PLACEMENT_LABEL: Record<Placement, string> = {
  pre: 'Pre-LN',
  post: 'Post-LN',
  sandwich: 'Sandwich-LN',
  'post-sublayer': 'Post-sublayer-LN',
  deepnorm: 'DeepNorm',
  'parallel-pre': 'Parallel Pre-LN',
  none: 'No norm',
  mixed: 'Mix-LN',
  conditional: 'Conditional',
  unknown: 'Unknown placement',
  'layernorm-scaling': 'LayerNorm Scaling',
  'attention-residuals': 'Attention Residuals',
  denseformer: 'DenseFormer',
  'hyper-connections': 'Hyper-Connections',
  residual: 'ResiDual',
  admin: 'Admin',
  ngpt: 'nGPT',
};

export const PLACEMENT_EQUATION: Record<Placement, string> = {
  pre: 'x ← x + F(N(x)), plus a final N before the head',
  post: 'x ← N(x + F(x))',
  sandwich: 'x ← x + N₂(F(N₁(x)))',
  'post-sublayer': 'x ← x + N(F(x))',
  deepnorm: 'x ← N(α·x + F(x)), α = (2L)^¼, init scaled by β = (8L)^-¼',
  'parallel-pre': 'x ← x + Attn(N(x)) + MLP(N(x))',
  none: 'x ← x + F(x) (ReZero: x + α·F(x), α = 0 at init)',
  mixed: 'Post-LN for the first ⌊ρL⌋ blocks, Pre-LN after (ρ = 0.25)',
  conditional: 'depends on a flag: one reading per value',
  unknown: 'not determined from the source',
  'layernorm-scaling': 'x ← x + F(N(x)/√l), l the 1-based block index',
  'attention-residuals': 'block l reads Σ_{i<l} softmax_i(w_lᵀ·RMS(v_i))·v_i over earlier outputs',
  denseformer: 'after block l: x_l ← Σ_{i≤l} a_{l,i}·y_i',
  'hyper-connections': 'n residual streams mixed by learned width and depth connections',
  residual: 'x_post ← N(x_post + F), x_dual ← x_dual + F, joined by a final N',
  admin: 'x ← N(ω·x + F(x)), ω set from the model\'s output-variance profile',
  ngpt: 'h ← unit(h + α ⊙ (unit(F(h)) − h)), weights on the unit sphere',
};

/** The placement a probe can train for this block, resolving `conditional` by its flag's default. */
export function effectivePlacement(block: BlockIR): Placement {
  if (block.placement !== 'conditional' || !block.flag) return block.placement;
  const key = block.flag.default === null ? undefined : flagKey(block.flag.default);
  return (key !== undefined ? block.flag.placements[key] : undefined) ?? 'conditional';
}

/** Flag values are keyed as Python writes them (`True`, `False`, `0.25`, `'pre'`). */
export function flagKey(value: boolean | number | string): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

export interface DepthPrediction {
  /** One-line statements, in reading order. */
  lines: string[];
  /** Xiong's band for the RMS stream norm after the last block (Pre-LN), or null. */
  band: { low: number; high: number } | null;
  warmupNeeded: boolean | null;
}

/**
 * What the placement predicts at initialisation for depth L. RMS norms (‖x‖/√d), the unit every metric
 * uses: Pre-LN's E‖x_l‖² ∈ [(1 + l/2)d, (1 + 3l/2)d] becomes √(1 + l/2) … √(1 + 3l/2).
 */
export function predictForDepth(placement: Placement, layers: number | null): DepthPrediction {
  const L = layers ?? null;
  const depth = L === null ? 'L' : String(L);
  switch (placement) {
    case 'pre':
    case 'parallel-pre': {
      // The core theory's formula (src/core/theory/xiong.ts), in RMS units.
      const squared = L === null ? null : preLnBandSquared(L);
      const band = squared === null ? null : { low: Math.sqrt(squared.lower), high: Math.sqrt(squared.upper) };
      return {
        band,
        warmupNeeded: false,
        lines: [
          band
            ? `Stream grows with depth: RMS ‖x_${depth}‖/√d between ${band.low.toFixed(2)} and ${band.high.toFixed(2)} at init (Xiong's band √(1+l/2)…√(1+3l/2)).`
            : "Stream grows linearly in squared norm with depth: ‖x_l‖²/d between 1 + l/2 and 1 + 3l/2 at init (Xiong's band).",
          L === null
            ? 'Dilution: block l adds about 1/√l of the stream, so late blocks are under-used.'
            : `Dilution: the last block writes about 1/√${L} ≈ ${(1 / Math.sqrt(L)).toFixed(2)} of the stream, so late blocks are under-used.`,
          'Warm-up: not needed; trains at ordinary learning rates without it.',
        ],
      };
    }
    case 'post':
      return {
        band: null,
        warmupNeeded: true,
        lines: [
          'Stream is renormalised after every block: RMS 1 by construction; the sum before each norm has E‖x + F(x)‖² = (3/2)·d (RMS ≈ 1.22, ReLU, d_ff = d).',
          `Gradients near the output are O(d·√(ln d)) whatever the depth; without warm-up, ${L === null ? 'deep' : `${L}-block`} Post-LN tends to stall or diverge at ordinary learning rates.`,
          'Warm-up: needed.',
        ],
      };
    case 'deepnorm':
      return {
        band: null,
        warmupNeeded: false,
        lines: [
          L === null
            ? 'Residual scaled by α = (2L)^¼ before the norm and sublayers initialised ×β = (8L)^-¼, so updates stay bounded with depth.'
            : `α = (2·${L})^¼ ≈ ${deepnormConstants(L).alpha.toFixed(2)} on the residual, β = (8·${L})^-¼ ≈ ${deepnormConstants(L).beta.toFixed(3)} on the init: updates stay bounded with depth.`,
          'Warm-up: usually still used, but Post-LN stability without the deep-model divergence.',
        ],
      };
    case 'sandwich':
    case 'post-sublayer':
      return {
        band: null,
        warmupNeeded: false,
        lines: [
          'Each branch is normalised before it is added: every block adds O(√d), so the stream grows like √l (linearly in squared norm) but no single block can blow it up.',
          'Warm-up: not needed.',
        ],
      };
    case 'none':
      return {
        band: null,
        warmupNeeded: null,
        lines: ['No normalisation: the stream is whatever the sublayers add. With ReZero (α = 0 at init) every block starts as the identity.'],
      };
    case 'mixed':
      return {
        band: null,
        warmupNeeded: true,
        lines: ['Post-LN blocks first (bounded stream, large early gradients), Pre-LN after (growing stream): meant to use deep layers better than Pre-LN alone.'],
      };
    default:
      return { band: null, warmupNeeded: null, lines: [] };
  }
}
