// Turns a detected block plus the user's `normscope.probe.*` settings into a ProbeConfig: placement,
// norm and depth from the source, sizes from the settings, then the engine's own mapping and clamps
// (src/core/probe/probeConfig.ts), so the panel, the CLI and the host probe the same way.

import type { BlockIR } from '../core/ir/model';
import { probeConfigFor as engineConfigFor } from '../core/probe/probeConfig';
import { PROBE_PLACEMENTS, isProbePlacement } from '../core/probe/types';
import type { ProbeConfig, ProbePlacement } from '../core/probe/types';
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
export { PROBE_PLACEMENTS, isProbePlacement };

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
  if (!isProbePlacement(resolved)) {
    return {
      ok: false,
      reason: `The probe cannot train ${PLACEMENT_LABEL[resolved]} yet; pick a placement it can with “NormScope: Compare Placements”.`,
    };
  }
  const notes: string[] = [];
  let layers = block.layers ?? settings.defaultLayers;
  if (block.layers === null) notes.push(`depth not fixed in the source: probing L=${layers}`);
  if (layers > settings.maxLayers) {
    notes.push(`L ${layers} → ${settings.maxLayers} (normscope.probe.maxLayers)`);
    layers = settings.maxLayers;
  }
  const steps = Math.max(1, Math.round(settings.steps));
  const { config, clamped } = engineConfigFor(
    { placement: resolved, norm: block.norm === 'rmsnorm' ? 'rmsnorm' : 'layernorm', layers, dModel: block.dModel, heads: block.heads },
    {
      dModel: Math.max(8, Math.round(settings.width / 8) * 8),
      steps,
      // About 50 recorded columns whatever the length, so heatmaps stay readable and snapshots small.
      recordEvery: Math.max(1, Math.floor(steps / 50)),
      lr: settings.learningRate,
      warmup: Math.max(0, Math.round(settings.warmup)),
      seed: Math.round(settings.seed),
      backend: settings.backend === 'cpu' ? 'cpu' : 'gpujs',
      ...(resolved === 'none' ? { rezero: true } : {}),
    },
  );
  return { ok: true, config, label: PLACEMENT_LABEL[resolved], notes: [...notes, ...clamped] };
}
