// A growing recorded run is sent to the panel as its new columns only: the host finds how much of what it
// sent before still holds (columnsKept), sends the rest (sliceColumns), and the panel splices it onto its
// copy (extendColumns). What the panel ends up with equals the whole run sent afresh; the host keeps the
// whole run for a reload. Pure: both sides import it.

import type { ProbeMetrics as RunMetrics, RunSnapshot } from '../core/probe/types';
import type { RunView } from './messages';

const VECTORS = ['steps', 'loss', 'lr'] as const;
const MATRICES = ['residualNorm', 'sumNorm', 'contribution', 'cosine', 'gradNorm', 'gradNormAttnOut', 'gradNormMlpOut'] as const;

/** The columns from `from` on, every metric alike. */
export function sliceMetrics(m: RunMetrics, from: number): RunMetrics {
  const out = { ...m } as Record<string, unknown>;
  for (const key of VECTORS) out[key] = m[key].slice(from);
  for (const key of MATRICES) out[key] = m[key].map((row) => row.slice(from));
  if (m.dualNorm) out.dualNorm = m.dualNorm.map((row) => row.slice(from));
  return out as unknown as RunMetrics;
}

/** `kept` columns of `before`, then every column of `tail`; null when their shapes do not fit together. */
export function extendMetrics(before: RunMetrics, kept: number, tail: RunMetrics): RunMetrics | null {
  if (kept > before.steps.length) return null;
  for (const key of MATRICES) if (before[key].length !== tail[key].length) return null;
  if ((before.dualNorm?.length ?? -1) !== (tail.dualNorm?.length ?? -1)) return null;
  const out = { ...tail } as Record<string, unknown>;
  for (const key of VECTORS) out[key] = [...before[key].slice(0, kept), ...tail[key]];
  for (const key of MATRICES) out[key] = before[key].map((row, r) => [...row.slice(0, kept), ...tail[key][r]]);
  if (before.dualNorm && tail.dualNorm) out.dualNorm = before.dualNorm.map((row, r) => [...row.slice(0, kept), ...tail.dualNorm![r]]);
  return out as unknown as RunMetrics;
}

/** A snapshot of the run with only its columns from `from` on (all else whole): what extendRun carries. */
export function sliceColumns(snapshot: RunSnapshot, from: number): RunSnapshot {
  return { ...snapshot, result: { ...snapshot.result, metrics: sliceMetrics(snapshot.result.metrics, from) } } as RunSnapshot;
}

/** The panel's side: its snapshot with the sent columns put in from `from` on; null when they do not fit. */
export function extendColumns(before: RunSnapshot, from: number, tail: RunSnapshot): RunSnapshot | null {
  const metrics = extendMetrics(before.result.metrics, from, tail.result.metrics);
  return metrics ? ({ ...tail, result: { ...tail.result, metrics } } as RunSnapshot) : null;
}

/**
 * How many leading columns of the run as sent before (`before`) the run now (`after`) still has: the
 * first column whose step differs, provided it is the same recorded run (same file start, same rows).
 * null when the panel must be sent the run whole: a probe run, another recording, or nothing kept.
 */
export function columnsKept(before: RunView, after: RunView, sentSteps?: readonly number[]): number | null {
  const a = before.snapshot?.result;
  const b = after.snapshot?.result;
  if (!a?.recorded || !b?.recorded || a.recorded.started !== b.recorded.started || a.recorded.file !== b.recorded.file) return null;
  if (before.label !== after.label || before.error !== after.error || before.backendNote !== after.backendNote) return null;
  if (a.metrics.residualNorm.length !== b.metrics.residualNorm.length) return null;
  // A short recorded run's arrays are the reader's own, which grow in place as lines are read: what was
  // sent must be remembered as a copy (sentSteps), or the old view already holds the new columns.
  const x = sentSteps ?? a.metrics.steps;
  const y = b.metrics.steps;
  let kept = 0;
  while (kept < x.length && kept < y.length && x[kept] === y[kept]) kept++;
  // A diverged step turns values of kept columns into marks; send whole when divergence appears or moves.
  if ((a.diverged?.step ?? null) !== (b.diverged?.step ?? null)) return null;
  return kept > 0 ? kept : null;
}

export interface RunExtension {
  runId: string;
  from: number;
  snapshot: RunSnapshot;
}

/**
 * The extensions that turn the runs as sent (`before`) into `after`, one per recorded run that grew; null
 * when they cannot (the list changed, a run changed otherwise): then everything is sent.
 */
export function runExtensions(before: readonly RunView[], after: readonly RunView[], sentSteps: (runId: string) => readonly number[] | undefined = () => undefined): RunExtension[] | null {
  if (before.length !== after.length) return null;
  const out: RunExtension[] = [];
  for (let i = 0; i < after.length; i++) {
    if (before[i].runId !== after[i].runId) return null;
    const sent = sentSteps(after[i].runId);
    if (before[i] === after[i] && (!sent || sent.length === after[i].snapshot?.result.metrics.steps.length)) continue;
    const kept = columnsKept(before[i], after[i], sent);
    if (kept === null) return null;
    out.push({ runId: after[i].runId, from: kept, snapshot: sliceColumns(after[i].snapshot!, kept) });
  }
  return out;
}
