// The registry of Hugging Face model families: what each `model_type` in a config.json means for norm
// placement, read from the transformers modelling code of each family (not from module names, which lie:
// `post_attention_layernorm` is LLaMA's pre-MLP norm but an output norm in Gemma 2 and OLMo 2).

import type { NormType, Placement } from '../ir/model';

/** One reading of a family: the placement and why, and whether a final norm precedes the head. */
export interface FamilyReading {
  placement: Placement;
  reason: string;
  finalNorm?: boolean;
  /** Norm modules acting on [attention, mlp], as the family's code names them. */
  norms?: readonly [readonly string[], readonly string[]];
}

/**
 * A boolean config key that changes the placement. A null reading means "this value changes nothing":
 * the next flag, or the family's base reading, decides.
 */
export interface FamilyFlag {
  key: string;
  /** The value transformers uses when the key is absent (the config class's default). */
  default: boolean;
  whenTrue: FamilyReading | null;
  whenFalse: FamilyReading | null;
}

export interface ModelFamily {
  modelTypes: readonly string[];
  norm: NormType;
  /** Where the family's norm class differs from textbook LayerNorm/RMSNorm, a sentence saying how. */
  normNote?: string;
  finalNorm: boolean;
  encoderDecoder?: boolean;
  /** Sublayer attribute names as the family's code writes them: [attention, mlp]. */
  sublayerNames?: readonly [string, string];
  base: FamilyReading;
  flags?: readonly FamilyFlag[];
}

const BERT_STYLE = 'the add-and-norm lives in helper classes (SelfOutput/Output compute LayerNorm(hidden + input_tensor)): Post-LN as in the original Transformer';
const LLAMA_STYLE: FamilyReading = {
  placement: 'pre',
  reason: 'input_layernorm normalises the stream before self_attn and post_attention_layernorm (despite its name) before mlp; both outputs are added to the un-normalised residual; a final norm precedes lm_head',
  norms: [['input_layernorm'], ['post_attention_layernorm']],
};

export const MODEL_FAMILIES: readonly ModelFamily[] = [
  // Post-LN: x ← N(x + F(x)).
  { modelTypes: ['bert', 'roberta', 'xlm-roberta', 'camembert', 'electra'], norm: 'layernorm', finalNorm: false, sublayerNames: ['attention', 'intermediate'],
    base: { placement: 'post', reason: BERT_STYLE, norms: [['attention.output.LayerNorm'], ['output.LayerNorm']] } },
  { modelTypes: ['distilbert'], norm: 'layernorm', finalNorm: false, sublayerNames: ['attention', 'ffn'],
    base: { placement: 'post', reason: 'TransformerBlock computes sa_layer_norm(sa_output + x) and output_layer_norm(ffn_output + sa_output): Post-LN', norms: [['sa_layer_norm'], ['output_layer_norm']] } },
  { modelTypes: ['albert'], norm: 'layernorm', finalNorm: false, sublayerNames: ['attention', 'ffn'],
    base: { placement: 'post', reason: 'AlbertLayer computes full_layer_layer_norm(ffn_output + attention_output) after an attention add-and-norm: Post-LN', norms: [['attention.LayerNorm'], ['full_layer_layer_norm']] } },
  { modelTypes: ['deberta', 'deberta-v2'], norm: 'layernorm', finalNorm: false, sublayerNames: ['attention', 'intermediate'],
    base: { placement: 'post', reason: BERT_STYLE, norms: [['attention.output.LayerNorm'], ['output.LayerNorm']] } },
  { modelTypes: ['bart', 'marian'], norm: 'layernorm', finalNorm: false, encoderDecoder: true, sublayerNames: ['self_attn', 'fc1/fc2'],
    base: { placement: 'post', reason: 'each encoder and decoder layer adds the sublayer output to the residual and then applies self_attn_layer_norm / final_layer_norm to the sum: Post-LN (no norm after the last layer)', norms: [['self_attn_layer_norm'], ['final_layer_norm']] } },

  // Pre-LN: x ← x + F(N(x)), with a final norm.
  { modelTypes: ['gpt2', 'gpt_neo', 'gpt_bigcode'], norm: 'layernorm', finalNorm: true, sublayerNames: ['attn', 'mlp'],
    base: { placement: 'pre', reason: 'the block normalises the stream before attention and before the MLP (ln_1, ln_2) and adds each output to the un-normalised residual; ln_f precedes the head: Pre-LN', norms: [['ln_1'], ['ln_2']] } },
  { modelTypes: ['mpt'], norm: 'layernorm', finalNorm: true, sublayerNames: ['attn', 'ffn'],
    base: { placement: 'pre', reason: 'norm_1 precedes attention and norm_2 the FFN, each output added to the un-normalised residual; norm_f precedes the head: Pre-LN', norms: [['norm_1'], ['norm_2']] } },
  { modelTypes: ['starcoder2', 'persimmon'], norm: 'layernorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'], base: LLAMA_STYLE },
  { modelTypes: ['llama', 'llama4_text', 'mistral', 'mixtral', 'qwen2', 'qwen2_moe', 'qwen2_vl', 'qwen2_5_vl', 'phi3', 'granite', 'smollm3', 'deepseek_v2', 'deepseek_v3'], norm: 'rmsnorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'], base: LLAMA_STYLE },
  { modelTypes: ['qwen3', 'qwen3_moe'], norm: 'rmsnorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'],
    base: { ...LLAMA_STYLE, reason: `${LLAMA_STYLE.reason}; q_norm/k_norm inside attention normalise queries and keys, not the stream` } },
  { modelTypes: ['gemma'], norm: 'rmsnorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'], normNote: 'GemmaRMSNorm scales by (1 + weight)',
    base: LLAMA_STYLE },
  { modelTypes: ['olmo'], norm: 'layernorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'], normNote: 'OlmoLayerNorm has no learnable parameters',
    base: LLAMA_STYLE },
  { modelTypes: ['t5', 'mt5', 'umt5', 'longt5'], norm: 'rmsnorm', finalNorm: true, encoderDecoder: true, sublayerNames: ['SelfAttention', 'DenseReluDense'],
    normNote: 'T5LayerNorm is an RMS norm: no mean subtraction, no bias',
    base: { placement: 'pre', reason: 'T5LayerSelfAttention and T5LayerFF compute hidden + dropout(F(layer_norm(hidden))); final_layer_norm closes encoder and decoder: Pre-LN', norms: [['layer[0].layer_norm'], ['layer[-1].layer_norm']] } },
  { modelTypes: ['mbart', 'pegasus', 'm2m_100', 'whisper', 'blenderbot'], norm: 'layernorm', finalNorm: true, encoderDecoder: true, sublayerNames: ['self_attn', 'fc1/fc2'],
    base: { placement: 'pre', reason: 'unlike BART, each layer applies self_attn_layer_norm / final_layer_norm before the sublayer and adds to the un-normalised residual; encoder and decoder end in layer_norm: Pre-LN', norms: [['self_attn_layer_norm'], ['final_layer_norm']] } },
  { modelTypes: ['vit', 'deit'], norm: 'layernorm', finalNorm: true, sublayerNames: ['attention', 'mlp'],
    base: { placement: 'pre', reason: 'layernorm_before precedes attention and layernorm_after (despite its name) precedes the MLP; both outputs are added to the un-normalised stream; a final layernorm precedes the head: Pre-LN', norms: [['layernorm_before'], ['layernorm_after']] } },
  { modelTypes: ['opt'], norm: 'layernorm', finalNorm: true, sublayerNames: ['self_attn', 'fc1/fc2'],
    base: { placement: 'pre', reason: 'do_layer_norm_before: self_attn_layer_norm and final_layer_norm precede their sublayers; the decoder ends in final_layer_norm: Pre-LN', norms: [['self_attn_layer_norm'], ['final_layer_norm']] },
    flags: [{ key: 'do_layer_norm_before', default: true, whenTrue: null,
      whenFalse: { placement: 'post', finalNorm: false, reason: 'do_layer_norm_before is false (as in OPT-350m): the norms are applied after each residual add and the decoder has no final norm: Post-LN', norms: [['self_attn_layer_norm'], ['final_layer_norm']] } }] },
  { modelTypes: ['bloom'], norm: 'layernorm', finalNorm: true, sublayerNames: ['self_attention', 'mlp'],
    base: { placement: 'pre', reason: 'input_layernorm precedes self_attention and post_attention_layernorm (despite its name) precedes the MLP; the residual is the un-normalised stream; ln_f precedes the head: Pre-LN', norms: [['input_layernorm'], ['post_attention_layernorm']] },
    flags: [{ key: 'apply_residual_connection_post_layernorm', default: false, whenFalse: null,
      whenTrue: { placement: 'post', reason: 'apply_residual_connection_post_layernorm is true: the residual is taken after the norm, x ← N(x) + F(N(x)), which is Post-LN shifted by one norm (the stream is re-normalised before every add)', norms: [['input_layernorm'], ['post_attention_layernorm']] } }] },

  { modelTypes: ['nemotron'], norm: 'layernorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'], normNote: 'NemotronLayerNorm1P scales by (1 + weight)', base: LLAMA_STYLE },
  // BERT-shaped names, Pre-LN code: the trap opposite to `post_attention_layernorm`.
  { modelTypes: ['megatron-bert', 'esm', 'xlm-roberta-xl'], norm: 'layernorm', finalNorm: true, sublayerNames: ['attention', 'intermediate'],
    base: { placement: 'pre', reason: 'unlike BERT, the attention module normalises its input before self-attention and the layer normalises attention_output before the intermediate MLP; the helper output classes add the residual without a norm, and the encoder ends in a norm: Pre-LN' } },
  { modelTypes: ['modernbert'], norm: 'layernorm', finalNorm: true, sublayerNames: ['attn', 'mlp'],
    base: { placement: 'pre', reason: 'unlike BERT, attn_norm and mlp_norm precede their sublayers and the outputs are added to the un-normalised stream (attn_norm is an Identity in layer 0, after the embedding norm); final_norm closes the encoder: Pre-LN', norms: [['attn_norm'], ['mlp_norm']] } },

  // Sandwich (Peri-LN): x ← x + N₂(F(N₁(x))).
  { modelTypes: ['gemma2', 'gemma3', 'gemma3_text'], norm: 'rmsnorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'], normNote: 'GemmaRMSNorm scales by (1 + weight)',
    base: { placement: 'sandwich', reason: 'input_layernorm and pre_feedforward_layernorm normalise each sublayer\'s input, and post_attention_layernorm / post_feedforward_layernorm normalise its output before the residual add (here post_attention_layernorm is an output norm, not LLaMA\'s pre-MLP norm): sandwich', norms: [['input_layernorm', 'post_attention_layernorm'], ['pre_feedforward_layernorm', 'post_feedforward_layernorm']] } },

  // Post-sublayer: x ← x + N(F(x)).
  { modelTypes: ['olmo2'], norm: 'rmsnorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'],
    base: { placement: 'post-sublayer', reason: 'there is no input norm: post_attention_layernorm and post_feedforward_layernorm normalise each sublayer\'s output before it is added to the residual (post_attention_layernorm is an output norm here, not LLaMA\'s pre-MLP norm): post-sublayer', norms: [['post_attention_layernorm'], ['post_feedforward_layernorm']] } },

  // Parallel: x ← x + Attn(N(x)) + MLP(N(x)).
  { modelTypes: ['gptj', 'codegen'], norm: 'layernorm', finalNorm: true, sublayerNames: ['attn', 'mlp'],
    base: { placement: 'parallel-pre', reason: 'one ln_1 feeds both attention and MLP, whose outputs are added to the residual together; ln_f precedes the head: parallel', norms: [['ln_1'], ['ln_1']] } },
  { modelTypes: ['phi'], norm: 'layernorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'],
    base: { placement: 'parallel-pre', reason: 'one input_layernorm feeds both self_attn and mlp, whose outputs are added to the residual together; final_layernorm precedes the head: parallel', norms: [['input_layernorm'], ['input_layernorm']] } },
  { modelTypes: ['cohere'], norm: 'layernorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'], normNote: 'CohereLayerNorm has no bias',
    base: { placement: 'parallel-pre', reason: 'one input_layernorm feeds both self_attn and mlp, whose outputs are added to the residual together: parallel', norms: [['input_layernorm'], ['input_layernorm']] } },
  { modelTypes: ['gpt_neox'], norm: 'layernorm', finalNorm: true, sublayerNames: ['attention', 'mlp'],
    base: { placement: 'pre', reason: 'use_parallel_residual is false: input_layernorm precedes attention and post_attention_layernorm (despite its name) precedes the MLP, one after the other: Pre-LN', norms: [['input_layernorm'], ['post_attention_layernorm']] },
    flags: [{ key: 'use_parallel_residual', default: true, whenFalse: null,
      whenTrue: { placement: 'parallel-pre', reason: 'use_parallel_residual: x + attn(input_layernorm(x)) + mlp(post_attention_layernorm(x)), two norms both reading the block input: parallel', norms: [['input_layernorm'], ['post_attention_layernorm']] } }] },
  { modelTypes: ['stablelm'], norm: 'layernorm', finalNorm: true, sublayerNames: ['self_attn', 'mlp'],
    base: { ...LLAMA_STYLE, reason: `use_parallel_residual is false: ${LLAMA_STYLE.reason}` },
    flags: [{ key: 'use_parallel_residual', default: false, whenFalse: null,
      whenTrue: { placement: 'parallel-pre', reason: 'use_parallel_residual: input_layernorm feeds both self_attn and mlp, added to the residual together: parallel', norms: [['input_layernorm'], ['input_layernorm']] } }] },
  { modelTypes: ['falcon', 'RefinedWeb', 'RefinedWebModel'], norm: 'layernorm', finalNorm: true, sublayerNames: ['self_attention', 'mlp'],
    base: { placement: 'pre', reason: 'parallel_attn and new_decoder_architecture are false: input_layernorm precedes attention and post_attention_layernorm precedes the MLP in sequence: Pre-LN', norms: [['input_layernorm'], ['post_attention_layernorm']] },
    flags: [
      { key: 'new_decoder_architecture', default: false, whenFalse: null,
        whenTrue: { placement: 'parallel-pre', reason: 'new_decoder_architecture: ln_attn and ln_mlp both read the block input and attention and MLP are added to the residual together (Falcon-40B/180B): parallel', norms: [['ln_attn'], ['ln_mlp']] } },
      { key: 'parallel_attn', default: true, whenFalse: null,
        whenTrue: { placement: 'parallel-pre', reason: 'parallel_attn: one input_layernorm feeds attention and MLP, added to the residual together (Falcon-7B): parallel', norms: [['input_layernorm'], ['input_layernorm']] } },
    ] },
];

/** Flags whose meaning is the same wherever they appear (fairseq, ESPnet, torch): true = Pre-LN. */
export const GENERIC_PRE_NORM_FLAGS: readonly string[] = ['normalize_before', 'do_layer_norm_before', 'pre_norm', 'norm_first'];

const BY_MODEL_TYPE = new Map<string, ModelFamily>(MODEL_FAMILIES.flatMap((family) => family.modelTypes.map((type) => [type, family] as const)));

export function findFamily(modelType: string): ModelFamily | undefined {
  return BY_MODEL_TYPE.get(modelType);
}

/** Key names that mean depth, width and heads across families, first match wins. */
export const LAYER_KEYS = ['num_hidden_layers', 'n_layer', 'num_layers', 'n_layers', 'encoder_layers'] as const;
export const WIDTH_KEYS = ['hidden_size', 'n_embd', 'd_model', 'dim'] as const;
export const HEAD_KEYS = ['num_attention_heads', 'n_head', 'num_heads', 'n_heads', 'encoder_attention_heads'] as const;
/** Keys that say a JSON file describes a model even without a model_type. */
export const STRUCTURE_KEYS: readonly string[] = [...LAYER_KEYS, ...WIDTH_KEYS, ...HEAD_KEYS, 'intermediate_size', 'vocab_size', 'architectures'];
