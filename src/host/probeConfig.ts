// Turns a detected block plus the user's `normscope.probe.*` settings into a ProbeConfig: the placement
// and depth come from the source, the sizes from the settings, so a probe is short wherever it runs.

import type { BlockIR, Placement } from '../core/ir/model';
import type { BackendName, ProbeConfig, ProbePlacement } from '../core/probe/types';
import { PLACEMENT_LABEL, effectivePlacement } from './placementText';

export interface ProbeSettings {
  steps: number;
  width: number;
  learningRate: number;
  warmup: number;
  seed: number;
  backend: 'auto' | 'gpu' | 'cpu';
  /** Depth used when the source does not fix it (a `num_layers` argument with no default). */
  defaultLayers: number;
  /** The deepest probe we run; deeper models are probed at this depth and say so. */
  maxLayers: number;
}

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = {
  steps: 200, width: 64, learningRate: 1e-3, warmup: 0, seed: 0, backend: 'auto', defaultLayers: 12, maxLayers: 48,
};

/** The placements the probe can train; the comparison quick pick offers these. */
export const PROBE_PLACEMENTS: readonly ProbePlacement[] = ['pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none', 'mixed'];

/** The placement(s) a block is compared against by default: Pre-LN ↔ Post-LN, everything else against both. */
export function counterparts(placement: Placement): ProbePlacement[] {
  if (placement === 'pre' || placement === 'parallel-pre') return ['post'];
  if (placement === 'post') return ['pre'];
  return ['pre', 'post'].filter((p) => p !== placement) as ProbePlacement[];
}

export type ProbePlan = { ok: true; config: ProbeConfig; label: string; notes: string[] } | { ok: false; reason: string };

/** A runnable config for `block`, optionally with its placement replaced (for comparisons). */
export function probeConfigFor(block: BlockIR, settings: ProbeSettings, override?: ProbePlacement): ProbePlan {
  const resolved = override ?? effectivePlacement(block);
  if (resolved === 'conditional' || resolved === 'unknown') {
    return {
      ok: false,
      reason: resolved === 'unknown'
        ? `The placement of ${block.name} is unknown (${block.reason}); pick one with “NormScope: Compare Placements”.`
        : `${block.name} is conditional on \`${block.flag?.name ?? 'a flag'}\` with no literal default; pick a reading with “NormScope: Compare Placements”.`,
    };
  }
  const notes: string[] = [];
  let layers = block.layers ?? settings.defaultLayers;
  if (block.layers === null) notes.push(`depth not fixed in the source: probing L=${layers}`);
  if (layers > settings.maxLayers) {
    notes.push(`L ${layers} → ${settings.maxLayers} to keep the probe short`);
    layers = settings.maxLayers;
  }
  const dModel = Math.max(8, Math.round(settings.width / 8) * 8);
  const steps = Math.max(1, Math.round(settings.steps));
  const backend: BackendName = settings.backend === 'cpu' ? 'cpu' : 'gpujs';
  const config: ProbeConfig = {
    placement: resolved,
    norm: block.norm === 'rmsnorm' ? 'rmsnorm' : 'layernorm',
    layers,
    dModel,
    heads: Math.max(1, Math.min(8, dModel / 16)),
    seq: 32,
    batch: 8,
    vocab: 64,
    steps,
    // About 50 recorded columns whatever the length, so heatmaps stay readable.
    recordEvery: Math.max(1, Math.floor(steps / 50)),
    lr: settings.learningRate,
    warmup: Math.max(0, Math.round(settings.warmup)),
    seed: Math.round(settings.seed),
    backend,
    ...(resolved === 'none' ? { rezero: true } : {}),
  };
  return { ok: true, config, label: PLACEMENT_LABEL[resolved], notes };
}
