// Probe configurations: the defaults (the benchmark's probe), the safe limits every run is clamped to
// (each clamp reported in words), the mapping from an analysed model to a probe, and the counterpart
// placements `--compare` runs beside a placement.

import type { ProbeConfig, ProbePlacement } from './types';
import { attnResGroups } from './variants/attentionResiduals';
import { hyperStreams } from './variants/hyperConnections';

export const DEFAULT_PROBE_CONFIG: ProbeConfig = {
  placement: 'pre',
  norm: 'layernorm',
  layers: 12,
  dModel: 64,
  heads: 4,
  seq: 32,
  batch: 8,
  vocab: 64,
  steps: 200,
  recordEvery: 10,
  lr: 1e-3,
  warmup: 0,
  seed: 1,
  backend: 'cpu',
};

export function defaultProbeConfig(partial: Partial<ProbeConfig> = {}): ProbeConfig {
  const config: ProbeConfig = { ...DEFAULT_PROBE_CONFIG };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  return config;
}

/** Hard limits: a probe must run in seconds to minutes on a laptop CPU and stay within ~200 MB. */
export const PROBE_LIMITS = {
  layers: { min: 1, max: 128 },
  dModel: { min: 8, max: 256 },
  seq: { min: 2, max: 128 },
  batch: { min: 1, max: 32 },
  vocab: { min: 4, max: 512 },
  steps: { min: 0, max: 20000 },
  /** Activation and parameter floats (×4 bytes) a run may hold. */
  floats: 48_000_000,
};

/** The width a probe uses when the analysed model is wider: the benchmark's, fast enough to watch. */
export const PROBE_WIDTH = 64;

/** Floats a run holds: per-block activations and parameters (with Adam's two moments), head and scratch. */
export function estimateFloats(config: Pick<ProbeConfig, 'layers' | 'dModel' | 'heads' | 'seq' | 'batch' | 'vocab'> & Partial<Pick<ProbeConfig, 'placement' | 'hyperStreams' | 'hyperDynamic'>>): number {
  const { layers, dModel: c, heads, seq, batch, vocab } = config;
  const n = batch * seq;
  // The stream-mixing cures keep [N, C] buffers per sublayer: HC n streams (twice with dynamic HC's
  // normalised copies), AttnRes its inputs and running sums, DenseFormer and ResiDual about five.
  const perSublayer = config.placement === 'hyper-connections' ? hyperStreams(config) * (config.hyperDynamic ? 2 : 1) + 1
    : config.placement === 'attention-residuals' || config.placement === 'denseformer' || config.placement === 'residual' ? 3 : 0;
  const activations = layers * n * (22 * c + heads * seq + 2 * perSublayer * c);
  const weights = 4 * (layers * 12 * c * c + (vocab + seq) * c + c * vocab);
  return activations + weights + n * (14 * c + 3 * vocab);
}

function clampInteger(config: ProbeConfig, key: 'layers' | 'dModel' | 'seq' | 'batch' | 'vocab' | 'steps', label: string, clamped: string[]): void {
  const { min, max } = PROBE_LIMITS[key];
  const value = Number.isFinite(config[key]) ? Math.round(config[key]) : min;
  const next = Math.min(max, Math.max(min, value));
  if (next !== config[key]) clamped.push(`${label} ${config[key]} → ${next} (the probe's limit is ${min}–${max})`);
  config[key] = next;
}

/** Applies the safe limits; returns the config that will run and a note per change, in order. */
export function clampProbeConfig(input: ProbeConfig): { config: ProbeConfig; clamped: string[] } {
  const config = { ...input };
  const clamped: string[] = [];
  clampInteger(config, 'layers', 'L', clamped);
  clampInteger(config, 'dModel', 'd', clamped);
  clampInteger(config, 'seq', 'seq', clamped);
  clampInteger(config, 'batch', 'batch', clamped);
  clampInteger(config, 'vocab', 'vocab', clamped);
  clampInteger(config, 'steps', 'steps', clamped);
  const recordEvery = Math.max(1, Math.round(config.recordEvery) || 1);
  if (recordEvery !== config.recordEvery) clamped.push(`recordEvery ${config.recordEvery} → ${recordEvery}`);
  config.recordEvery = recordEvery;
  if (!(config.lr > 0 && Number.isFinite(config.lr))) {
    clamped.push(`lr ${config.lr} → ${DEFAULT_PROBE_CONFIG.lr} (must be a positive number)`);
    config.lr = DEFAULT_PROBE_CONFIG.lr;
  }
  const warmup = Math.max(0, Math.round(config.warmup) || 0);
  if (warmup !== config.warmup) clamped.push(`warmup ${config.warmup} → ${warmup}`);
  config.warmup = warmup;
  // Memory: shrink the batch first (it changes the measurement least), then the sequence, then the width.
  const before = { batch: config.batch, seq: config.seq, dModel: config.dModel };
  const budget = `to stay within ${PROBE_LIMITS.floats * 4 / 1e6} MB`;
  const fits = (): boolean => estimateFloats(config) <= PROBE_LIMITS.floats;
  while (!fits() && config.batch > 1) config.batch = Math.max(1, Math.floor(config.batch / 2));
  while (!fits() && config.seq > 8) config.seq = Math.max(8, Math.floor(config.seq / 2));
  while (!fits() && config.dModel > PROBE_LIMITS.dModel.min) config.dModel = Math.max(PROBE_LIMITS.dModel.min, Math.floor(config.dModel / 2));
  if (config.batch !== before.batch) clamped.push(`batch ${before.batch} → ${config.batch} ${budget}`);
  if (config.seq !== before.seq) clamped.push(`seq ${before.seq} → ${config.seq} ${budget}`);
  if (config.dModel !== before.dModel) clamped.push(`d ${before.dModel} → ${config.dModel} ${budget}`);
  // Heads must divide the width and leave each head at least 4 dimensions.
  let heads = Math.max(1, Math.min(Math.round(config.heads) || 1, Math.floor(config.dModel / 4)));
  while (config.dModel % heads !== 0) heads--;
  if (heads !== config.heads) clamped.push(`heads ${config.heads} → ${heads} (must divide d = ${config.dModel}, ≥ 4 dims per head)`);
  config.heads = heads;
  return { config, clamped };
}

/** What the analyser knows of a model; null where it could not tell. */
export interface AnalysedModel {
  placement: ProbePlacement;
  norm?: ProbeConfig['norm'] | null;
  layers?: number | null;
  dModel?: number | null;
  heads?: number | null;
  /** `none` only: the branches are gated by a scalar initialised to zero (ReZero). */
  rezero?: boolean;
  /** The cures' parameters as read from the source: Block AttnRes's N, hyper-connections' n and dynamic. */
  attnResGroups?: number | null;
  hyperStreams?: number | null;
  hyperDynamic?: boolean | null;
}

/**
 * A probe of an analysed model: same placement, norm and depth, a small width. A wider model is probed at
 * PROBE_WIDTH and the note says so; explicit overrides win over both.
 */
export function probeConfigFor(model: AnalysedModel, overrides: Partial<ProbeConfig> = {}): { config: ProbeConfig; clamped: string[] } {
  const notes: string[] = [];
  const partial: Partial<ProbeConfig> = { placement: model.placement };
  if (model.norm) partial.norm = model.norm;
  if (model.placement === 'none' && model.rezero) partial.rezero = true;
  if (model.attnResGroups) partial.attnResGroups = model.attnResGroups;
  if (model.hyperStreams) partial.hyperStreams = model.hyperStreams;
  if (model.hyperDynamic) partial.hyperDynamic = true;
  if (model.layers) partial.layers = model.layers;
  if (overrides.dModel === undefined && model.dModel && model.dModel > PROBE_WIDTH) {
    notes.push(`d ${model.dModel} → ${PROBE_WIDTH}: probed at its depth with a small width`);
    partial.dModel = PROBE_WIDTH;
  } else if (model.dModel) {
    partial.dModel = model.dModel;
  }
  if (model.heads && overrides.heads === undefined) {
    // Keep the model's head count where the small width allows it; clampProbeConfig reports otherwise.
    partial.heads = model.heads;
  }
  const { config, clamped } = clampProbeConfig(defaultProbeConfig({ ...partial, ...overrides }));
  return { config, clamped: [...notes, ...clamped] };
}

/** The placements `--compare` runs beside one: its classical opposite first, then related designs. */
export function counterparts(placement: ProbePlacement): ProbePlacement[] {
  switch (placement) {
    case 'pre': return ['post'];
    case 'post': return ['pre'];
    case 'sandwich': return ['pre', 'post'];
    case 'post-sublayer': return ['pre', 'post'];
    case 'deepnorm': return ['post', 'pre'];
    case 'parallel-pre': return ['pre'];
    case 'none': return ['pre', 'post'];
    case 'mixed': return ['pre', 'post'];
    // A cure for dilution compares against the design it cures and the one it departs from.
    case 'layernorm-scaling': case 'attention-residuals': case 'denseformer': case 'hyper-connections':
    case 'residual': case 'admin': case 'ngpt':
      return ['pre', 'post'];
  }
}

/** The placement as a label names it, with the options that change the model: `attention-residuals (N=8)`. */
export function placementLabel(config: Pick<ProbeConfig, 'placement' | 'rezero' | 'attnResGroups' | 'hyperStreams' | 'hyperDynamic' | 'layers'>): string {
  switch (config.placement) {
    case 'none': return config.rezero ? 'none (ReZero)' : 'none';
    case 'attention-residuals': {
      const groups = attnResGroups(config);
      return groups < 2 * config.layers ? `attention-residuals (Block, N=${groups})` : 'attention-residuals (Full)';
    }
    case 'hyper-connections': return `hyper-connections (n=${hyperStreams(config)}${config.hyperDynamic ? ', dynamic' : ''})`;
    default: return config.placement;
  }
}
