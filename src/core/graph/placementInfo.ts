// Names and block equations of the placements, as written in the table of ../shared/DESIGN.md.

import type { Placement } from '../ir/model';

export const PLACEMENT_TITLES: Record<Placement, string> = {
  pre: 'Pre-LN',
  post: 'Post-LN',
  sandwich: 'Sandwich (Peri-LN)',
  'post-sublayer': 'Post-sublayer norm',
  deepnorm: 'DeepNorm',
  'parallel-pre': 'Parallel Pre-LN',
  none: 'No norm',
  mixed: 'Mix-LN',
  conditional: 'Conditional',
  unknown: 'Unknown',
  'layernorm-scaling': 'LayerNorm Scaling',
  'attention-residuals': 'Attention Residuals',
  denseformer: 'DenseFormer',
  'hyper-connections': 'Hyper-Connections',
  residual: 'ResiDual',
  admin: 'Admin',
  ngpt: 'nGPT',
};

export const PLACEMENT_EQUATIONS: Record<Placement, string> = {
  pre: 'x ← x + F(N(x)), final N before the head',
  post: 'x ← N(x + F(x))',
  sandwich: 'x ← x + N₂(F(N₁(x)))',
  'post-sublayer': 'x ← x + N(F(x))',
  deepnorm: 'x ← N(α·x + F(x)), α = (2L)^¼, branch init × β = (8L)^-¼',
  'parallel-pre': 'x ← x + Attn(N(x)) + MLP(N(x))',
  none: 'x ← x + F(x)  (ReZero: x + α·F(x), α = 0 at init)',
  mixed: 'post for the first ⌊ρL⌋ blocks, pre after (ρ = 0.25)',
  conditional: 'depends on a flag',
  unknown: 'not recognised',
  'layernorm-scaling': 'x ← x + F(N(x)/√l), l the 1-based block index',
  'attention-residuals': 'h_l = Σ_{i<l} softmax_i(w_lᵀ·RMS(v_i))·v_i over the embedding and earlier outputs',
  denseformer: 'x_l ← Σ_{i≤l} a_{l,i}·y_i (learned depth-weighted average)',
  'hyper-connections': 'n streams H; F reads Σ aᵢHᵢ; H ← M·H + b ⊗ F(·)',
  residual: 'a Post-LN stream and an un-normalised Pre-LN stream, joined by a final N',
  admin: 'x ← N(ω·x + F(x)), ω from the output-variance profile',
  ngpt: 'h ← unit(h + α ⊙ (unit(F(h)) − h))',
};

/** Placements that end the model with a final norm before the head. */
export const PRE_STYLE: ReadonlySet<Placement> = new Set<Placement>(['pre', 'sandwich', 'parallel-pre', 'mixed']);

/** DeepNorm's residual scale α = (2L)^¼ for a decoder-only stack of L blocks. */
export function deepnormAlpha(layers: number): number {
  return (2 * layers) ** 0.25;
}

/** DeepNorm's branch initialisation scale β = (8L)^-¼ for a decoder-only stack of L blocks. */
export function deepnormBeta(layers: number): number {
  return (8 * layers) ** -0.25;
}
