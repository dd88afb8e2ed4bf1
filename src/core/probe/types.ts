// The probe's configuration and results: the metrics of ../shared/DESIGN.md ("Metrics"), one definition,
// shared by the engine, the CLI report, the webview and the hover.

import type { Placement } from '../ir/model';

/**
 * The placements the probe can train; `conditional` and `unknown` must be resolved first. Every dilution
 * cure trains (src/core/probe/variants/*).
 */
export type ProbePlacement = Exclude<Placement, 'conditional' | 'unknown'>;

/** Every placement the probe can train, in the order pickers list them; the one list all callers share. */
export const PROBE_PLACEMENTS: readonly ProbePlacement[] = [
  'pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none', 'mixed',
  'layernorm-scaling', 'attention-residuals', 'denseformer', 'hyper-connections', 'residual', 'admin', 'ngpt',
];

export function isProbePlacement(placement: string): placement is ProbePlacement {
  return (PROBE_PLACEMENTS as readonly string[]).includes(placement);
}

export type ProbeNorm = 'layernorm' | 'rmsnorm';

export type BackendName = 'cpu' | 'gpujs';

/** Everything needed to re-create a run exactly. */
export interface ProbeConfig {
  placement: ProbePlacement;
  norm: ProbeNorm;
  /** Depth L (number of blocks). */
  layers: number;
  /** Width d of the residual stream. */
  dModel: number;
  heads: number;
  /** Tokens per sequence T. */
  seq: number;
  /** Sequences per batch B. */
  batch: number;
  vocab: number;
  steps: number;
  /** Metrics are recorded at step 0 (initialisation) and every recordEvery steps after. */
  recordEvery: number;
  lr: number;
  /** Linear warm-up length in steps; 0 for none. */
  warmup: number;
  seed: number;
  backend: BackendName;
  /** `none` only: ReZero (a learned gate α initialised to 0 on each branch) rather than a plain sum. */
  rezero?: boolean;
  /**
   * `attention-residuals` only: N groups of Block AttnRes over the 2L sublayers; absent, 0 or ≥ 2L is Full
   * AttnRes (every sublayer output its own value).
   */
  attnResGroups?: number;
  /** `hyper-connections` only: the number of streams n (1–8; default 4, the paper's usual rate). */
  hyperStreams?: number;
  /** `hyper-connections` only: dynamic (input-dependent) connections on top of the static ones; default static. */
  hyperDynamic?: boolean;
}

/**
 * Per-layer series are indexed [layer][recordedStep].
 * residualNorm and sumNorm have L+1 rows (row l = block l's output, row 0 = the embedding output);
 * contribution, cosine and the gradient norms have L rows (row l-1 = block l).
 */
export interface ProbeMetrics {
  /** The step numbers at which the columns were recorded. */
  steps: number[];
  /** RMS norm of the stream after block l, ‖x_l‖/√d averaged over tokens. */
  residualNorm: number[][];
  /** For norms on the stream (post, deepnorm, mixed post blocks): the same measure of the sum before that norm; null elsewhere. */
  sumNorm: (number | null)[][];
  /** ‖x_l − x_{l−1}‖ / ‖x_l‖ averaged over tokens (pre-normalisation sum for post-style blocks). */
  contribution: number[][];
  /** √(‖∇W_O‖² + ‖∇W_2‖²): the attention out-projection and the MLP's second matrix together. */
  gradNorm: number[][];
  gradNormAttnOut: number[][];
  gradNormMlpOut: number[][];
  /** cos(x_{l−1}, x_l) averaged over tokens. */
  cosine: number[][];
  /** Training loss at each recorded step. */
  loss: number[];
  /** Learning rate at each recorded step. */
  lr: number[];
  /** ResiDual only: the same measure as residualNorm of its un-normalised dual stream (L+1 rows). */
  dualNorm?: number[][];
}

export interface Divergence {
  step: number;
  /** What went non-finite first (`loss`, `residualNorm[7]`, …). */
  what: string;
}

export interface ProbeResult {
  config: ProbeConfig;
  metrics: ProbeMetrics;
  diverged: Divergence | null;
  /** Human-readable notes on clamped sizes ("d 8192 → 64 to fit the probe"), in the order applied. */
  clamped: string[];
  /** Which backend actually ran and why, when it differs from the one asked for. */
  backendNote?: string;
  /** The loss of the optimal predictor on the synthetic task (its conditional entropy), in nats. */
  optimalLoss?: number;
  /** True when the run was stopped (cancelled) before its last step; the metrics hold the steps done. */
  cancelled?: boolean;
  /**
   * Layer importance (DESIGN.md): per block (index l−1 = block l), the held-out loss with block l's update
   * removed minus heldOutLoss. Measured once, after the last step, on a held-out batch drawn from the seed;
   * null when the run was cancelled (a cancel returns at once) or diverged (the losses are not finite).
   */
  layerImportance?: number[] | null;
  /** The whole model's loss on that held-out batch; null where layerImportance is. */
  heldOutLoss?: number | null;
}

/** One element of the async sequence a run yields: progress after each recorded step. */
export interface ProbeSnapshot {
  /** Steps completed so far. */
  step: number;
  totalSteps: number;
  /** The whole result so far (whole snapshots, never deltas). */
  result: ProbeResult;
  done: boolean;
}
