// The model IR: what the analyzer understood of a model-definition file, and nothing it had to run.
// Mirrors the placements of ../shared/DESIGN.md ("The science in one page"); every consumer (graph,
// hover, CodeLens, CLI, probe) reads this and only this.

/** Placement names exactly as DESIGN.md defines them; `unknown` always carries a reason. */
export type Placement =
  | 'pre'
  | 'post'
  | 'sandwich'
  | 'post-sublayer'
  | 'deepnorm'
  | 'parallel-pre'
  | 'none'
  | 'mixed'
  | 'conditional'
  | 'unknown'
  | DilutionCure;

/** The cures for Pre-LN dilution (DESIGN.md's second table). */
export type DilutionCure =
  | 'layernorm-scaling'
  | 'attention-residuals'
  | 'denseformer'
  | 'hyper-connections'
  | 'residual'
  | 'admin'
  | 'ngpt';

export const PLACEMENTS: readonly Placement[] = [
  'pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none', 'mixed', 'conditional', 'unknown',
  'layernorm-scaling', 'attention-residuals', 'denseformer', 'hyper-connections', 'residual', 'admin', 'ngpt',
];

/** The dilution cures: placements that change how the stream is carried across depth, not only where N sits. */
export const DILUTION_CURES: readonly DilutionCure[] = [
  'layernorm-scaling', 'attention-residuals', 'denseformer', 'hyper-connections', 'residual', 'admin', 'ngpt',
];

/**
 * The parameters a dilution cure is defined by, as read from the source (each only for its placement).
 * Expressions are kept as written; numbers where the source states them as literals.
 */
export interface VariantIR {
  /** layernorm-scaling: the scale applied to the norm's output as written (`1 / math.sqrt(layer_id + 1)`), and whether it depends on the layer index. */
  scale?: { expression: string; layerDependent: boolean } | null;
  /** attention-residuals: the number of groups N of Block AttnRes; null for the full (per-layer) form. */
  groups?: number | null;
  /** hyper-connections: the number of parallel streams n; whether the connections depend on the input (dynamic). */
  streams?: number | null;
  dynamic?: boolean | null;
  /** admin: whether ω is a learned parameter or a constant (buffer, float). */
  omega?: 'learned' | 'constant' | null;
  /** ngpt: the step size α as written (`self.alpha_attn`), and denseformer's weights' name. */
  alpha?: string | null;
  /** Where the construct that decided the variant is written. */
  span?: Span | null;
}

export type NormType = 'layernorm' | 'rmsnorm' | 'other';
export type SublayerKind = 'attention' | 'mlp' | 'other';

/**
 * A source range. Lines are 1-based (as people and the CLI speak); columns and offsets count UTF-16
 * code units from 0 (as editors do), so the host can turn a Span into a vscode.Range without re-reading
 * the text. Only the host does that conversion.
 */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  offset: number;
  endOffset: number;
}

/** Where a norm module is defined (`self.ln_1 = nn.LayerNorm(d)`) or a functional norm is called. */
export interface NormDefinition {
  /** The attribute or call as written: `ln_1`, `input_layernorm`, `F.rms_norm`. */
  name: string;
  type: NormType;
  /** The class or function that computes it (`nn.LayerNorm`, `LlamaRMSNorm`, `F.layer_norm`). */
  className: string;
  span: Span;
}

/** A place in forward/__call__ where a norm is applied to the stream or to a branch. */
export interface NormUse {
  name: string;
  /** What the norm reads from: the residual stream before a sublayer, a sublayer's output, or the sum. */
  role: 'sublayer-input' | 'sublayer-output' | 'residual-sum' | 'final' | 'other';
  span: Span;
}

export interface SublayerIR {
  kind: SublayerKind;
  /** Attribute or call name as written (`attn`, `self_attn`, `mlp`, `feed_forward`). */
  name: string;
  placement: Placement;
  line: number;
  span: Span;
  /** Names of the norms that act on this sublayer (matching NormDefinition.name). */
  norms: string[];
  /** Why this placement was chosen, or why it is unknown. */
  reason: string;
}

/** A placement that depends on a constructor or config flag (`norm_first`, `normalize_before`, …). */
export interface FlagIR {
  name: string;
  /** The default as written in the source, parsed where it is a literal; null when there is none. */
  default: boolean | number | string | null;
  /** The placement under each value of the flag, keyed by the value as text (`"True"`, `"False"`). */
  placements: Record<string, Placement>;
}

export interface BlockIR {
  /** The block class (`Block`, `LlamaDecoderLayer`) or, for a config.json, the model_type. */
  name: string;
  line: number;
  span: Span;
  /** One value for the whole block; `mixed` / `conditional` where the sublayers or blocks differ. */
  placement: Placement;
  reason: string;
  sublayers: SublayerIR[];
  norm: NormType | null;
  /** Whether a final norm precedes the head; null when no model class stacking the blocks was found. */
  finalNorm: boolean | null;
  /** Number of blocks; null when it cannot be determined without running code. */
  layers: number | null;
  dModel: number | null;
  heads: number | null;
  flag: FlagIR | null;
  /** DeepNorm's residual scale as written (`(2 * num_layers) ** 0.25`), when placement is deepnorm. */
  deepnormAlpha?: string | null;
  /** Mix-LN: how many leading blocks are post-norm, and the expression that decides it. */
  mixed?: { postBlocks: number | null; expression: string } | null;
  /** A dilution cure's parameters (N groups, n streams, ω, α, the 1/√l scale), when placement is one of DILUTION_CURES. */
  variant?: VariantIR | null;
  /** The class that stacks the blocks (the model), where found. */
  model?: { name: string; span: Span } | null;
  normDefinitions: NormDefinition[];
  normUses: NormUse[];
  /**
   * 'low' when the reading rests on a norm recognised by its name only (an imported class, a builder or
   * an argument the analyzer cannot see); the reason says which. Absent when every norm was seen.
   */
  confidence?: 'low' | null;
  /** Every flag that changes the placement (the first is `flag`), when more than one does; each read with the others at their defaults. */
  flags?: FlagIR[] | null;
  /** For a config.json (or a .py resolved by one): the keys read, with their lines, so hovers can point at them. */
  configKeys?: ConfigKeyIR[] | null;
}

/** A config.json key that decided something about a block. */
export interface ConfigKeyIR {
  /** Dotted path of the key (`text_config.hidden_size`). */
  key: string;
  value: boolean | number | string | null;
  /** 1-based line of the key in its file. */
  line: number;
  /** The file the key came from, when it is not the block's own file (a sibling config.json). */
  file?: string;
}

export interface Diagnostic {
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** 1-based; 0 when the diagnostic concerns the whole file. */
  line: number;
  column?: number;
  /** A short stable id (`syntax-error`, `no-transformer`, `not-a-model-config`, …). */
  code?: string;
}

export interface FileReport {
  file: string;
  language: 'python' | 'json' | 'unknown';
  blocks: BlockIR[];
  diagnostics: Diagnostic[];
}
