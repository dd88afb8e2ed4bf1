// The depth sweep (issue 11): the same probe at several depths L for several placements, and the three
// numbers per run it is plotted by — final loss, the last block's contribution, and how the held-out loss
// depends on the last third of the blocks against the first (DESIGN.md's `layerImportance`). Pure.

import type { Placement } from '../ir/model';
import { dilution } from '../theory/xiong';
import { importanceShare } from './layerImportance';
import { PROBE_LIMITS } from './probeConfig';
import { stallOf } from './stall';
import type { Stall } from './stall';
import { isProbePlacement } from './types';
import type { ProbeConfig, ProbePlacement, ProbeResult } from './types';

/** Steps per run of a sweep when none are given (CLI --steps, the setting normscope.sweep.steps). */
export const DEFAULT_SWEEP_STEPS = 100;

/** The depths a sweep runs when none are given. */
export const DEFAULT_SWEEP_LAYERS: readonly number[] = [6, 12, 24, 48];

/** `6,12, 24` → [6, 12, 24] (sorted, unique), or what is wrong with it, for the CLI and the editor alike. */
export function parseDepthList(text: string): { depths: number[] } | { error: string } {
  const parts = text.split(',').map((s) => s.trim());
  const { min, max } = PROBE_LIMITS.layers;
  const bad = parts.find((s) => !/^\d+$/.test(s) || Number(s) < min || Number(s) > max);
  if (bad !== undefined) return { error: `depths ${min}–${max} separated by commas (6,12,24), got '${bad}' in '${text}'` };
  return { depths: [...new Set(parts.map(Number))].sort((a, b) => a - b) };
}

/** One run of a sweep, in the order the sweep lists them (placement-major, then depth). */
export interface SweepRunPlan {
  placement: ProbePlacement;
  layers: number;
}

export interface SweepPlan {
  runs: SweepRunPlan[];
  /** Placements asked for that the probe cannot train (yet), each with why; they get no points. */
  skipped: { placement: string; reason: string }[];
}

/** Placements × depths, the trainable ones only; duplicates dropped, depths ascending. */
export function planSweep(placements: readonly string[], layers: readonly number[]): SweepPlan {
  const depths = [...new Set(layers)].sort((a, b) => a - b);
  const runs: SweepRunPlan[] = [];
  const skipped: SweepPlan['skipped'] = [];
  for (const placement of [...new Set(placements)]) {
    if (!isProbePlacement(placement)) {
      skipped.push({ placement, reason: 'the probe engine cannot train it yet, so it has no points' });
      continue;
    }
    for (const L of depths) runs.push({ placement, layers: L });
  }
  return { runs, skipped };
}

/** What one finished (or stopped) run contributes to the sweep's charts. Null where it was not measured. */
export interface SweepPoint {
  placement: ProbePlacement;
  layers: number;
  /** Training loss at the last recorded step; null when the run diverged. */
  finalLoss: number | null;
  /** contribution of block L at initialisation and at the last recorded step. */
  lastContributionInit: number | null;
  lastContributionFinal: number | null;
  /**
   * Depth utilisation: the last third's share of the positive layer importance (⅓ = every block matters
   * alike). Null when the engine recorded no layerImportance.
   */
  lastThirdShare: number | null;
  /** layerImportance of block L (held-out loss rise when it is skipped). */
  lastImportance: number | null;
  /** layerImportance per block, as recorded. */
  layerImportance: number[] | null;
  diverged: ProbeResult['diverged'];
  /**
   * Set when the run finished but never left the unigram plateau (stall.ts): its numbers are measured,
   * but its layer importance is not depth utilisation, so the views grey it out. Absent in sweeps saved
   * before stalls were judged.
   */
  stalled?: Stall | null;
  cancelled: boolean;
  /** Steps the run completed of those asked. */
  steps: number;
  totalSteps: number;
  /** Wall-clock seconds the run took, as the pool measured it. */
  seconds: number;
}

const finiteOrNull = (value: number | null | undefined): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : value;

/** The layerImportance the engine recorded, read by its DESIGN.md name; null when this engine has none. */
export function layerImportanceOf(result: ProbeResult): number[] | null {
  const values = result.layerImportance;
  return Array.isArray(values) && values.length > 0 ? values : null;
}

/**
 * The last third's share of the whole model's layer importance: importanceShare (layerImportance.ts, the
 * one definition) over the last ⌊L/3⌋ blocks, as lastThirdRatio takes its thirds. ⅓ when every block
 * matters alike; null below L = 3 or when no block raised the loss.
 */
export function lastThirdShare(importance: number[]): number | null {
  const L = importance.length;
  if (L < 3) return null;
  const share = importanceShare(importance, L - Math.floor(L / 3), L);
  return Number.isFinite(share) ? share : null;
}

/** Reads a run's sweep numbers: the last column of the metrics is the trained model (or where it stopped). */
export function summariseRun(result: ProbeResult, seconds: number): SweepPoint {
  const { config, metrics } = result;
  const lastRow = metrics.contribution[config.layers - 1] ?? [];
  const importance = layerImportanceOf(result);
  return {
    placement: config.placement,
    layers: config.layers,
    finalLoss: result.diverged ? null : finiteOrNull(metrics.loss.at(-1)),
    lastContributionInit: finiteOrNull(lastRow[0]),
    lastContributionFinal: result.diverged ? null : finiteOrNull(lastRow.at(-1)),
    lastThirdShare: importance && !result.diverged ? lastThirdShare(importance) : null,
    lastImportance: importance && !result.diverged ? finiteOrNull(importance.at(-1)) : null,
    layerImportance: importance,
    diverged: result.diverged,
    stalled: stallOf(result),
    cancelled: result.cancelled ?? false,
    steps: metrics.steps.at(-1) ?? 0,
    totalSteps: config.steps,
    seconds,
  };
}

/** Pre-LN's predicted contribution of block L at initialisation: √(δ/(1 + Lδ)) ~ 1/√L, δ ∈ [½, 3/2]. */
export function preLnLastContribution(layers: number): { lower: number; upper: number } {
  return { lower: dilution(layers, 0.5).contribution, upper: dilution(layers, 1.5).contribution };
}

/** A whole sweep as the CLI writes it as JSON and the views draw it. */
export interface SweepResult {
  /** Where the probed placement came from, when a file was analysed. */
  source: { file: string; block: string; line: number; placement: Placement } | null;
  /** The config every run shares, less placement and depth. */
  base: Omit<ProbeConfig, 'placement' | 'layers'>;
  placements: string[];
  layers: number[];
  points: SweepPoint[];
  skipped: SweepPlan['skipped'];
  /** Runs that failed with an error (a worker crash), with the message. */
  failed: { placement: string; layers: number; message: string }[];
  cancelled: boolean;
  /** The loss of the optimal predictor on the probe's task (shared by every run), in nats. */
  optimalLoss: number | null;
  /** How many runs ran at once, and the whole sweep's wall-clock seconds. */
  concurrency: number;
  seconds: number;
  /** Notes on clamping and backends, deduplicated. */
  notes: string[];
}
