// What `normscope view` prints: the JSON document of recorded runs (the same per-run shape as `probe
// --json`, the header in place of the config) and the terminal summary.

import type { RecordedResult, RecordedRunInfo } from '../core/probe/types';
import type { RunDiagnostic } from '../core/runs/runFile';
import { runTheory } from '../core/runs/recorded';
import type { TheoryPrediction } from '../core/theory/predict';
import type { ProbeRunJson } from './probeOutput';

export interface ViewRunJson {
  recorded: RecordedRunInfo;
  steps: number[];
  /** Layers × recorded steps, as `probe --json`; NaN/±∞ and cells not recorded are both null here. */
  metrics: ProbeRunJson['metrics'];
  /** Theory for the run's placement and depth; null when the placement is not known. */
  theory: TheoryPrediction | null;
  diverged: RecordedResult['diverged'];
}

export interface ViewJson {
  runs: ViewRunJson[];
  diagnostics: (RunDiagnostic & { file: string })[];
}

const finite = (value: number | null): number | null => (value === null || !Number.isFinite(value) ? null : value);
const rows = (series: readonly (readonly (number | null)[])[]): number[][] => series.map((row) => row.map(finite)) as number[][];

export function viewRunJson(result: RecordedResult): ViewRunJson {
  const m = result.metrics;
  return {
    recorded: result.recorded,
    steps: m.steps,
    metrics: {
      residualNorm: rows(m.residualNorm), sumNorm: rows(m.sumNorm), contribution: rows(m.contribution), gradNorm: rows(m.gradNorm),
      gradNormAttnOut: rows(m.gradNormAttnOut), gradNormMlpOut: rows(m.gradNormMlpOut), cosine: rows(m.cosine),
      loss: m.loss.map(finite) as number[], lr: m.lr.map(finite) as number[],
    },
    theory: runTheory(result),
    diverged: result.diverged,
  };
}

const fixed = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);

/** A few lines per run: what recorded it, the loss, the stream at the first and last recorded step. */
export function formatViewSummary(results: RecordedResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    const r = result.recorded;
    const m = result.metrics;
    const last = m.steps.length - 1;
    lines.push(`${r.name} · ${r.file} · ${r.source}${r.worldSize > 1 ? ` on ${r.worldSize} ranks` : ''} · ${r.placement ?? 'placement unknown'}${r.norm ? ` · ${r.norm}` : ''} · L=${r.layers} d=${r.dModel ?? '?'}${r.closed ? '' : ' · still being written'}`);
    for (const note of r.notes) lines.push(`  ${note}`);
    lines.push(`  ${m.steps.length} recorded steps (every ${r.every}), step ${m.steps[0] ?? '—'} → ${m.steps[last] ?? '—'}; loss ${fixed(m.loss[0])} → ${fixed(m.loss[last])}`);
    const stream = (column: number): string => [0, Math.floor(r.layers / 2), r.layers].map((l) => `x${l} ${fixed(m.residualNorm[l]?.[column])}`).join('  ');
    if (last >= 0) lines.push(`  residualNorm at step ${m.steps[0]}: ${stream(0)}`);
    if (last > 0) lines.push(`  residualNorm at step ${m.steps[last]}: ${stream(last)}`);
    if (result.diverged) lines.push(`  NON-FINITE from step ${result.diverged.step}: ${result.diverged.what}`);
    lines.push('');
  }
  return lines.join('\n');
}
