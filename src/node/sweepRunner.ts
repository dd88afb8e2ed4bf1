// Runs a depth sweep on the probe runner that --compare uses (probeRuns.ts: one worker thread per core):
// one probe config per (placement, depth), deepest first so the long runs start early and the workers end
// together, and folds the results into a SweepResult. Shared by the CLI (`normscope sweep`) and the
// extension host ("NormScope: Sweep Depth…").

import { planSweep, summariseRun } from '../core/probe/sweep';
import type { SweepResult } from '../core/probe/sweep';
import { probeConfigFor } from '../core/probe/probeConfig';
import type { AnalysedModel } from '../core/probe/probeConfig';
import type { ProbeConfig, ProbeResult } from '../core/probe/types';
import { runProbes } from './probeRuns';

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
  const runStarted = new Array<number>(configs.length).fill(0);
  const seconds = new Array<number>(configs.length).fill(0);
  const signal = options.signal ?? new AbortController().signal;
  // The runner reports each run by its index in the order given (deepest first); the plan's index is order[i].
  const outcome = await runProbes(order.map((i) => configs[i]), {
    request: 'cpu',
    signal,
    concurrency: options.concurrency,
    onStart: (index) => { runStarted[order[index]] = Date.now(); },
    onSnapshot: (index, snapshot) => {
      const planIndex = order[index];
      const config = configs[planIndex];
      stepsDone[planIndex] = snapshot.done ? config.steps : snapshot.step;
      if (snapshot.done) {
        done++;
        seconds[planIndex] = (Date.now() - runStarted[planIndex]) / 1000;
        report(`${label(config)} ${snapshot.result.cancelled ? 'stopped' : 'done'}`);
      } else {
        report(`${label(config)} step ${snapshot.step}/${snapshot.totalSteps}`);
      }
    },
  });
  // Back to plan order, so points list placement by placement, depth ascending.
  const results = new Array<ProbeResult | undefined>(configs.length);
  order.forEach((planIndex, runIndex) => { results[planIndex] = outcome.byIndex[runIndex]; });
  const result: SweepResult = {
    source: request.source,
    base: baseOf(configs[0] ?? null, request.overrides),
    placements: [...new Set(request.placements)],
    layers: [...new Set(request.layers)].sort((a, b) => a - b),
    points: [],
    skipped,
    failed: [],
    cancelled: signal.aborted,
    optimalLoss: outcome.results[0]?.optimalLoss ?? null,
    concurrency: outcome.concurrency,
    seconds: (Date.now() - started) / 1000,
    notes: [...(request.notes ?? []), ...notes],
  };
  results.forEach((run, i) => {
    if (run) result.points.push(summariseRun(run, seconds[i] || (Date.now() - runStarted[i]) / 1000));
  });
  return result;
}

function baseOf(config: ProbeConfig | null, overrides: Partial<ProbeConfig>): SweepResult['base'] {
  const { placement: _placement, layers: _layers, ...base } = config ?? probeConfigFor({ placement: 'pre' }, overrides).config;
  return base;
}
