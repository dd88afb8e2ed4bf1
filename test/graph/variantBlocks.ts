// BlockIR fixtures of the seven dilution cures, written as the analyzer reports them (placement, the
// variant's parameters, the norms and sublayers of the public code each is modelled on).

import { block, span } from './blocks';

/** LayerNorm Scaling (Sun et al. 2025): Pre-LN whose norm output is scaled by 1/√(layer_id + 1). */
export const layerNormScaling = block({
  name: 'ScaledBlock', placement: 'layernorm-scaling', finalNorm: true, layers: 24,
  defs: [['ln_1', 'nn.LayerNorm', 5], ['ln_2', 'nn.LayerNorm', 6], ['ln_f', 'nn.LayerNorm', 40]],
  uses: [['ln_1', 'sublayer-input', 12], ['ln_2', 'sublayer-input', 13], ['ln_f', 'final', 50]],
  subs: [['attention', 'attn', 'layernorm-scaling', ['ln_1'], 12], ['mlp', 'mlp', 'layernorm-scaling', ['ln_2'], 13]],
  extra: { variant: { scale: { expression: '1 / math.sqrt(layer_id + 1)', layerDependent: true }, span: span(7) } },
});

/** Attention Residuals, Block form with N = 8 groups. */
export const attnRes = block({
  name: 'AttnResBlock', placement: 'attention-residuals', norm: 'rmsnorm', finalNorm: true, layers: 24,
  defs: [['attn_norm', 'RMSNorm', 5], ['mlp_norm', 'RMSNorm', 6]],
  uses: [['attn_norm', 'sublayer-input', 20], ['mlp_norm', 'sublayer-input', 23]],
  subs: [['attention', 'attn', 'attention-residuals', ['attn_norm'], 20], ['mlp', 'mlp', 'attention-residuals', ['mlp_norm'], 23]],
  extra: { variant: { groups: 8, span: span(17) } },
});

/** DenseFormer: Pre-LN blocks with a depth-weighted average after each. */
export const denseFormer = block({
  name: 'DenseBlock', placement: 'denseformer', finalNorm: true, layers: 48,
  defs: [['ln_1', 'nn.LayerNorm', 5], ['ln_2', 'nn.LayerNorm', 6]],
  uses: [['ln_1', 'sublayer-input', 12], ['ln_2', 'sublayer-input', 13]],
  subs: [['attention', 'attn', 'denseformer', ['ln_1'], 12], ['mlp', 'mlp', 'denseformer', ['ln_2'], 13]],
  extra: { variant: { alpha: 'self.dwa_weights', span: span(30) } },
});

/** Hyper-connections with n = 4 dynamic lanes. */
export const hyperConnections = block({
  name: 'HyperBlock', placement: 'hyper-connections', finalNorm: true, layers: 12,
  defs: [['ln_1', 'nn.LayerNorm', 5], ['ln_2', 'nn.LayerNorm', 6]],
  uses: [['ln_1', 'sublayer-input', 15], ['ln_2', 'sublayer-input', 18]],
  subs: [['attention', 'attn', 'hyper-connections', ['ln_1'], 15], ['mlp', 'mlp', 'hyper-connections', ['ln_2'], 18]],
  extra: { variant: { streams: 4, dynamic: true, span: span(14) } },
});

/** ResiDual: Post-LN norms on one stream, the un-normalised sum on the other. */
export const resiDual = block({
  name: 'ResiDualLayer', placement: 'residual', finalNorm: true, layers: 12,
  defs: [['attn_ln', 'nn.LayerNorm', 5], ['ffn_ln', 'nn.LayerNorm', 6]],
  uses: [['attn_ln', 'residual-sum', 14], ['ffn_ln', 'residual-sum', 17]],
  subs: [['attention', 'self_attn', 'residual', ['attn_ln'], 13], ['mlp', 'ffn', 'residual', ['ffn_ln'], 16]],
});

/** Admin: Post-LN with a learned ω on the residual. */
export const admin = block({
  name: 'AdminLayer', placement: 'admin', finalNorm: false, layers: 18,
  defs: [['attn_ln', 'nn.LayerNorm', 5], ['ffn_ln', 'nn.LayerNorm', 6]],
  uses: [['attn_ln', 'residual-sum', 14], ['ffn_ln', 'residual-sum', 17]],
  subs: [['attention', 'self_attn', 'admin', ['attn_ln'], 13], ['mlp', 'ffn', 'admin', ['ffn_ln'], 16]],
  extra: { variant: { omega: 'learned', span: span(8) } },
});

/** nGPT: no norm modules, unit-normalisation and a learned α per sublayer. */
export const ngpt = block({
  name: 'NGPTBlock', placement: 'ngpt', finalNorm: false, layers: 12,
  defs: [], uses: [],
  subs: [['attention', 'attn', 'ngpt', [], 20], ['mlp', 'mlp', 'ngpt', [], 24]],
  extra: { variant: { alpha: 'self.alpha_attn', span: span(21) } },
});

export const VARIANT_BLOCKS = { layerNormScaling, attnRes, denseFormer, hyperConnections, resiDual, admin, ngpt };
