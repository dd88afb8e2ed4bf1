// Runs a depth sweep on the run pool: one probe config per (placement, depth), deepest first so the long
// runs start early and the pool ends together, and folds the results into a SweepResult. Shared by the
// CLI (`normscope sweep`) and the extension host ("NormScope: Sweep Depth…").

import { planSweep, summariseRun } from '../core/probe/sweep';
import type { SweepResult } from '../core/probe/sweep';
import { probeConfigFor } from '../core/probe/probeConfig';
import type { AnalysedModel } from '../core/probe/probeConfig';
import type { ProbeConfig } from '../core/probe/types';
import { runPool } from './runPool';
import type { RunOutcome, RunProgressEvent } from './runPool';

export interface SweepRequest {
  /** The analysed model (its norm, width, heads); its placement and depth are swept over. */
  model: Omit<AnalysedModel, 'placement' | 'layers'>;
  /** Placements in the order the charts list them; those the probe cannot train are reported, not run. */
  placements: string[];
  layers: number[];
  overrides: Partial<ProbeConfig>;
  source: SweepResult['source'];
  /** Notes about the model already (how the file was read). */
  notes?: string[];
}

export interface SweepProgress {
  /** Runs finished (or stopped) and all runs. */
  done: number;
  total: number;
  /** Steps done across every run, of all steps. */
  steps: number;
  totalSteps: number;
  /** The run that reported last: `pre L=24 step 40/100`. */
  latest: string;
}

export interface SweepOptions {
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SweepProgress) => void;
  workerFile?: string | null;
}

/** The configs of a sweep in plan order (placement-major, depth ascending), with their clamping notes. */
export function sweepConfigs(request: SweepRequest): { configs: ProbeConfig[]; notes: string[]; skipped: SweepResult['skipped'] } {
  const plan = planSweep(request.placements, request.layers);
  const notes: string[] = [];
  const configs = plan.runs.map((run) => {
    const { config, clamped } = probeConfigFor({ ...request.model, placement: run.placement, layers: run.layers }, request.overrides);
    for (const note of clamped) if (!notes.includes(note)) notes.push(note);
    return config;
  });
  return { configs, notes, skipped: plan.skipped };
}

export async function runSweep(request: SweepRequest, options: SweepOptions = {}): Promise<SweepResult> {
  const started = Date.now();
  const { configs, notes, skipped } = sweepConfigs(request);
  // Longest first: a run costs about L·steps, and the pool hands out runs in the order given.
  const order = configs.map((_, i) => i).sort((a, b) => configs[b].layers * configs[b].steps - configs[a].layers * configs[a].steps || a - b);
  const totalSteps = configs.reduce((sum, c) => sum + c.steps, 0);
  const stepsDone = new Array<number>(configs.length).fill(0);
  let done = 0;
  const label = (config: ProbeConfig): string => `${config.placement} L=${config.layers}`;
  const report = (latest: string): void => options.onProgress?.({
    done, total: configs.length, steps: stepsDone.reduce((a, b) => a + b, 0), totalSteps, latest,
  });
  const pool = await runPool(order.map((i) => configs[i]), {
    concurrency: options.concurrency,
    signal: options.signal,
    workerFile: options.workerFile,
    onProgress: (event: RunProgressEvent) => {
      const config = configs[order[event.index]];
      stepsDone[order[event.index]] = event.step;
      report(`${label(config)} step ${event.step}/${event.totalSteps}`);
    },
    onDone: (index, outcome) => {
      done++;
      const config = configs[order[index]];
      if (outcome.ok) stepsDone[order[index]] = config.steps;
      report(`${label(config)} ${outcome.ok ? (outcome.result.cancelled ? 'stopped' : 'done') : 'failed'}`);
    },
  });
  const result: SweepResult = {
    source: request.source,
    base: baseOf(configs[0] ?? null, request.overrides),
    placements: [...new Set(request.placements)],
    layers: [...new Set(request.layers)].sort((a, b) => a - b),
    points: [],
    skipped,
    failed: [],
    cancelled: options.signal?.aborted ?? false,
    optimalLoss: pool.outcomes.find((o): o is Extract<RunOutcome, { ok: true }> => o.ok)?.result.optimalLoss ?? null,
    concurrency: pool.concurrency,
    seconds: (Date.now() - started) / 1000,
    notes: [...(request.notes ?? []), ...notes, ...(pool.note ? [pool.note] : [])],
  };
  // Back to plan order, so points list placement by placement, depth ascending.
  const outcomes = new Array(configs.length);
  order.forEach((planIndex, poolIndex) => { outcomes[planIndex] = pool.outcomes[poolIndex]; });
  configs.forEach((config, i) => {
    const outcome = outcomes[i];
    if (outcome.ok) result.points.push(summariseRun(outcome.result, outcome.seconds));
    else if (outcome.started) result.failed.push({ placement: config.placement, layers: config.layers, message: outcome.error });
  });
  return result;
}

function baseOf(config: ProbeConfig | null, overrides: Partial<ProbeConfig>): SweepResult['base'] {
  const { placement: _placement, layers: _layers, ...base } = config ?? probeConfigFor({ placement: 'pre' }, overrides).config;
  return base;
}
