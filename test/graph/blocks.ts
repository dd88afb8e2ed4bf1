// BlockIR fixtures in the shapes real model code takes (GPT-2, BERT, Gemma 2, OLMo 2, DeepNet, GPT-J,
// GPT-NeoX, ReZero, Mix-LN, torch's TransformerEncoderLayer), written as the analyzer would report them.

import type { BlockIR, NormDefinition, NormType, NormUse, Placement, Span, SublayerIR } from '../../src/core/ir/model';

export function span(line: number, column = 8, length = 10): Span {
  const offset = line * 100 + column;
  return { line, column, endLine: line, endColumn: column + length, offset, endOffset: offset + length };
}

interface Spec {
  name: string;
  placement: Placement;
  norm?: NormType;
  /** [name, className, definition line] */
  defs: [string, string, number][];
  /** [name, role, use line] */
  uses: [string, NormUse['role'], number][];
  /** [kind, name, placement, norms, line] */
  subs: [SublayerIR['kind'], string, Placement, string[], number][];
  finalNorm?: boolean | null;
  layers?: number | null;
  extra?: Partial<BlockIR>;
}

export function block(spec: Spec): BlockIR {
  const norm = spec.norm ?? 'layernorm';
  const normDefinitions: NormDefinition[] = spec.defs.map(([name, className, line]) => ({
    name, className, type: /rms/i.test(className) ? 'rmsnorm' : norm, span: span(line),
  }));
  return {
    name: spec.name,
    line: 1,
    span: span(1, 0, 20),
    placement: spec.placement,
    reason: `fixture ${spec.name}`,
    sublayers: spec.subs.map(([kind, name, placement, norms, line]) => ({
      kind, name, placement, norms, line, span: span(line, 12, 6), reason: 'fixture',
    })),
    norm,
    finalNorm: spec.finalNorm === undefined ? null : spec.finalNorm,
    layers: spec.layers === undefined ? 12 : spec.layers,
    dModel: 768,
    heads: 12,
    flag: null,
    normDefinitions,
    normUses: spec.uses.map(([name, role, line]) => ({ name, role, span: span(line, 16, 8) })),
    ...spec.extra,
  };
}

/** GPT-2: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)); ln_f before the head. */
export const gpt2 = block({
  name: 'Block', placement: 'pre', finalNorm: true,
  defs: [['ln_1', 'nn.LayerNorm', 4], ['ln_2', 'nn.LayerNorm', 6], ['ln_f', 'nn.LayerNorm', 30]],
  uses: [['ln_1', 'sublayer-input', 10], ['ln_2', 'sublayer-input', 11], ['ln_f', 'final', 40]],
  subs: [['attention', 'attn', 'pre', ['ln_1'], 10], ['mlp', 'mlp', 'pre', ['ln_2'], 11]],
});

/** BERT: x = LayerNorm(x + attention(x)); x = LayerNorm(x + intermediate(x)). */
export const bert = block({
  name: 'BertLayer', placement: 'post', finalNorm: false,
  defs: [['attention_norm', 'nn.LayerNorm', 5], ['output_norm', 'nn.LayerNorm', 7]],
  uses: [['attention_norm', 'residual-sum', 12], ['output_norm', 'residual-sum', 14]],
  subs: [['attention', 'attention', 'post', ['attention_norm'], 12], ['mlp', 'intermediate', 'post', ['output_norm'], 14]],
});

/** Gemma 2: four RMSNorms, one before and one after each sublayer. */
export const gemma2 = block({
  name: 'Gemma2DecoderLayer', placement: 'sandwich', norm: 'rmsnorm', finalNorm: true,
  defs: [['input_layernorm', 'Gemma2RMSNorm', 5], ['post_attention_layernorm', 'Gemma2RMSNorm', 6],
    ['pre_feedforward_layernorm', 'Gemma2RMSNorm', 7], ['post_feedforward_layernorm', 'Gemma2RMSNorm', 8],
    ['norm', 'Gemma2RMSNorm', 50]],
  uses: [['input_layernorm', 'sublayer-input', 20], ['post_attention_layernorm', 'sublayer-output', 22],
    ['pre_feedforward_layernorm', 'sublayer-input', 25], ['post_feedforward_layernorm', 'sublayer-output', 27],
    ['norm', 'final', 60]],
  subs: [['attention', 'self_attn', 'sandwich', ['input_layernorm', 'post_attention_layernorm'], 21],
    ['mlp', 'mlp', 'sandwich', ['pre_feedforward_layernorm', 'post_feedforward_layernorm'], 26]],
});

/** OLMo 2: h = x + post_attention_layernorm(self_attn(x)). */
export const olmo2 = block({
  name: 'Olmo2DecoderLayer', placement: 'post-sublayer', norm: 'rmsnorm', finalNorm: true,
  defs: [['post_attention_layernorm', 'Olmo2RMSNorm', 5], ['post_feedforward_layernorm', 'Olmo2RMSNorm', 6], ['norm', 'Olmo2RMSNorm', 40]],
  uses: [['post_attention_layernorm', 'sublayer-output', 15], ['post_feedforward_layernorm', 'sublayer-output', 18], ['norm', 'final', 45]],
  subs: [['attention', 'self_attn', 'post-sublayer', ['post_attention_layernorm'], 14],
    ['mlp', 'mlp', 'post-sublayer', ['post_feedforward_layernorm'], 17]],
});

/** torchscale DeepNet: x = self_attn_layer_norm(x * alpha + self_attn(x)). */
export const deepnet = block({
  name: 'DecoderLayer', placement: 'deepnorm', layers: 24, finalNorm: false,
  defs: [['self_attn_layer_norm', 'LayerNorm', 5], ['final_layer_norm', 'LayerNorm', 6]],
  uses: [['self_attn_layer_norm', 'residual-sum', 20], ['final_layer_norm', 'residual-sum', 24]],
  subs: [['attention', 'self_attn', 'deepnorm', ['self_attn_layer_norm'], 19], ['mlp', 'ffn', 'deepnorm', ['final_layer_norm'], 23]],
  extra: { deepnormAlpha: 'math.pow(2.0 * args.decoder_layers, 0.25)' },
});

/** GPT-J: one ln_1 feeds attention and MLP, both added at once. */
export const gptj = block({
  name: 'GPTJBlock', placement: 'parallel-pre', finalNorm: true,
  defs: [['ln_1', 'nn.LayerNorm', 4], ['ln_f', 'nn.LayerNorm', 40]],
  uses: [['ln_1', 'sublayer-input', 10], ['ln_f', 'final', 50]],
  subs: [['attention', 'attn', 'parallel-pre', ['ln_1'], 11], ['mlp', 'mlp', 'parallel-pre', ['ln_1'], 12]],
});

/** GPT-NeoX: input_layernorm and post_attention_layernorm each feed one parallel branch. */
export const neox = block({
  name: 'GPTNeoXLayer', placement: 'parallel-pre', finalNorm: true,
  defs: [['input_layernorm', 'nn.LayerNorm', 4], ['post_attention_layernorm', 'nn.LayerNorm', 5], ['final_layer_norm', 'nn.LayerNorm', 40]],
  uses: [['input_layernorm', 'sublayer-input', 10], ['post_attention_layernorm', 'sublayer-input', 12], ['final_layer_norm', 'final', 50]],
  subs: [['attention', 'attention', 'parallel-pre', ['input_layernorm'], 10], ['mlp', 'mlp', 'parallel-pre', ['post_attention_layernorm'], 12]],
});

/** ReZero: x = x + self.resweight * self.self_attn(x). */
export const rezero = block({
  name: 'RZTXEncoderLayer', placement: 'none', finalNorm: false, defs: [], uses: [],
  subs: [['attention', 'self_attn', 'none', [], 10], ['mlp', 'linear2', 'none', [], 12]],
  extra: { reason: 'no norm; the branch is scaled by resweight (ReZero)' },
});

/** Mix-LN: post-norm for the first ⌊L/4⌋ layers, pre-norm after. */
export const mixln = block({
  name: 'MixLNBlock', placement: 'mixed', layers: 12, finalNorm: true,
  defs: [['ln_1', 'nn.LayerNorm', 4], ['ln_2', 'nn.LayerNorm', 5], ['ln_f', 'nn.LayerNorm', 40]],
  uses: [['ln_1', 'residual-sum', 12], ['ln_2', 'residual-sum', 13], ['ln_1', 'sublayer-input', 16], ['ln_2', 'sublayer-input', 17], ['ln_f', 'final', 50]],
  subs: [['attention', 'attn', 'mixed', ['ln_1'], 12], ['mlp', 'mlp', 'mixed', ['ln_2'], 13]],
  extra: { mixed: { postBlocks: 3, expression: 'int(0.25 * n_layer)' } },
});

/** torch.nn.TransformerEncoderLayer: norm_first=False by default. */
export const torchEncoder = block({
  name: 'TransformerEncoderLayer', placement: 'conditional', finalNorm: null,
  defs: [['norm1', 'LayerNorm', 5], ['norm2', 'LayerNorm', 6]],
  uses: [['norm1', 'sublayer-input', 20], ['norm2', 'sublayer-input', 21], ['norm1', 'residual-sum', 23], ['norm2', 'residual-sum', 24]],
  subs: [['attention', 'self_attn', 'conditional', ['norm1'], 20], ['mlp', 'linear2', 'conditional', ['norm2'], 21]],
  extra: { flag: { name: 'norm_first', default: false, placements: { True: 'pre', False: 'post' } } },
});

export const mystery = block({
  name: 'WeirdBlock', placement: 'unknown', defs: [], uses: [], subs: [],
  extra: { reason: 'the norm is applied through a helper that is never defined in this file' },
});
