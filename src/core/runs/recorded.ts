// A recorded run as the views draw it (a RecordedResult), and the few facts every view asks of any run,
// probe or recorded, in one place: placement, depth, width, the last step, the recording interval and
// the theory to draw. A recorded run says what its header knew and nothing more; no config is invented.

import type { ProbePlacement, RecordedResult, RecordedSnapshot, RunResult } from '../probe/types';
import { predict } from '../theory/predict';
import type { TheoryPrediction } from '../theory/predict';
import type { RecordedRun } from './runFile';

export interface RecordedOptions {
  /** The run file's name as the user gave it. */
  file: string;
  /** The placement the analyzer found in the header's model file, used when the header has none. */
  detected?: { placement: ProbePlacement; from: string } | null;
  /** More sentences for the run's notes (diagnostics of its file, for instance). */
  notes?: string[];
}

export function recordedResult(run: RecordedRun, options: RecordedOptions): RecordedResult {
  const h = run.header;
  const notes = [...(options.notes ?? [])];
  let placement = h.placement;
  if (placement === null && options.detected) {
    placement = options.detected.placement;
    notes.push(`Placement ${placement} detected by the analyzer in ${options.detected.from}; the run file does not say.`);
  } else if (placement === null) {
    notes.push('The run file does not say its placement: no theory lines are drawn.');
  }
  if (h.worldSize > 1) notes.push(`Recorded across ${h.worldSize} ranks (statistics reduced over all of them).`);
  const first = run.metrics.steps[0];
  if (first !== undefined && first > 0) notes.push(`The first recorded step is ${first}, not 0: the charts "at initialisation" show step ${first}.`);
  return {
    recorded: {
      name: h.name, started: h.started, source: h.source, file: options.file, model: h.model, blockClass: h.blockClass,
      layers: h.layers, dModel: h.dModel, heads: h.heads, placement, norm: h.norm, worldSize: h.worldSize, every: h.every,
      gradParams: h.gradParams, closed: run.closedAt !== null, notes,
    },
    metrics: run.metrics,
    diverged: run.diverged,
    clamped: [],
  };
}

/** The snapshot the panel receives: steps so far; done once the writer closed the file. */
export function recordedSnapshot(result: RecordedResult): RecordedSnapshot {
  const step = result.metrics.steps.at(-1) ?? 0;
  return { step, totalSteps: step, result, done: result.recorded.closed };
}

export function isRecorded(result: RunResult): result is RecordedResult {
  return result.recorded !== undefined;
}

/** The placement to draw and predict; null for a recorded run that does not say and was not detected. */
export function runPlacement(result: RunResult): ProbePlacement | null {
  return result.recorded ? result.recorded.placement : result.config.placement;
}

export function runLayers(result: RunResult): number {
  return result.recorded ? result.recorded.layers : result.config.layers;
}

export function runWidth(result: RunResult): number | null {
  return result.recorded ? result.recorded.dModel : result.config.dModel;
}

/** The step the x axes run to: the probe's planned length, or the last step a recording holds so far. */
export function runLastStep(result: RunResult): number {
  return result.recorded ? (result.metrics.steps.at(-1) ?? 0) : result.config.steps;
}

export function runInterval(result: RunResult): number {
  return result.recorded ? result.recorded.every : result.config.recordEvery;
}

export function runRezero(result: RunResult): boolean {
  return result.recorded ? false : result.config.rezero === true;
}

/**
 * What theory predicts for the run's placement and depth; null when the placement is unknown. The width
 * enters only the gradient scale's constant, which no view draws, so an unknown width is NaN there.
 */
export function runTheory(result: RunResult): TheoryPrediction | null {
  const placement = runPlacement(result);
  if (placement === null) return null;
  return predict({ placement, layers: runLayers(result), dModel: runWidth(result) ?? Number.NaN, rezero: runRezero(result) });
}

/**
 * The stride thinRecorded keeps every stride-th step at: the smallest power of two that leaves at most
 * `maxColumns` columns (the last step included). A power of two, so a growing run keeps the columns it had
 * (new ones are added at its end) until it doubles, when every other one goes: the panel is sent only the
 * new columns of a growing run (src/protocol/runPatch.ts), and all of them again a handful of times.
 */
export function thinStride(steps: number, maxColumns: number): number {
  let stride = 1;
  while (Math.floor((steps - 1) / stride) + 2 > maxColumns) stride *= 2;
  return stride;
}

/**
 * At most `maxColumns` of a recorded run's steps, for a view a few hundred pixels wide: every
 * thinStride-th step from the first, the last, and the step where it diverged. The same result when it is
 * short enough.
 */
export function thinRecorded(result: RecordedResult, maxColumns: number): RecordedResult {
  const m = result.metrics;
  const n = m.steps.length;
  if (n <= maxColumns || maxColumns < 2) return result;
  const stride = thinStride(n, maxColumns);
  const keep = new Set<number>();
  for (let c = 0; c < n; c += stride) keep.add(c);
  keep.add(n - 1);
  if (result.diverged) {
    const at = m.steps.indexOf(result.diverged.step);
    if (at >= 0) keep.add(at);
  }
  const columns = [...keep].sort((a, b) => a - b);
  const pick = <T>(row: readonly T[]): T[] => columns.map((c) => row[c]);
  const rows = <T>(matrix: readonly (readonly T[])[]): T[][] => matrix.map(pick);
  return {
    ...result,
    recorded: { ...result.recorded, notes: [...result.recorded.notes, `Drawn from ${columns.length} of its ${n} recorded steps: one in ${stride}, and the last (hovers and exports use all of them).`] },
    metrics: {
      steps: pick(m.steps), loss: pick(m.loss), lr: pick(m.lr),
      residualNorm: rows(m.residualNorm), sumNorm: rows(m.sumNorm), contribution: rows(m.contribution), cosine: rows(m.cosine),
      gradNorm: rows(m.gradNorm), gradNormAttnOut: rows(m.gradNormAttnOut), gradNormMlpOut: rows(m.gradNormMlpOut),
    },
  };
}
