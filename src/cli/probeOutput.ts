// What `normscope probe` prints: the JSON document (one run, or {runs: [...]} with --compare), the
// terminal summary, and the progress bar drawn on stderr when it is a terminal.

import type { ProbeMetrics, ProbeResult, ProbeSnapshot } from '../core/probe/types';
import type { TheoryPrediction } from '../core/theory/predict';
import { predict } from '../core/theory/predict';
import { lastThirdRatio } from '../core/probe/layerImportance';
import { placementLabel } from '../core/probe/probeConfig';

/**
 * One run as JSON: every metric is layers × recorded steps (residualNorm and sumNorm have L+1 rows, row 0
 * the embedding; the others L rows, row l−1 block l); `steps` names the recorded steps (the columns).
 */
export interface ProbeRunJson {
  config: ProbeResult['config'];
  steps: number[];
  /** The metrics of ProbeMetrics, less `steps` (given once, above). */
  metrics: Omit<ProbeMetrics, 'steps'>;
  theory: TheoryPrediction;
  diverged: ProbeResult['diverged'];
  cancelled: boolean;
  clamped: string[];
  optimalLoss: number | null;
  /** Per block (index l−1 = block l): the held-out loss's rise with block l's update removed; null when cancelled or diverged. */
  layerImportance: (number | null)[] | null;
  heldOutLoss: number | null;
  backendNote: string | null;
  /** Where the probe's placement came from: the file and block, or the command line. */
  source: { file: string; block: string; line: number } | null;
}

/** Non-finite numbers (a diverged run's last column) become null, which JSON can carry. */
function finite<T>(value: T): T | null {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

function rows<T>(series: T[][]): (T | null)[][] {
  return series.map((row) => row.map(finite));
}

export function runJson(result: ProbeResult, source: ProbeRunJson['source']): ProbeRunJson {
  const m = result.metrics;
  return {
    config: result.config,
    steps: m.steps,
    metrics: {
      residualNorm: rows(m.residualNorm) as number[][],
      sumNorm: rows(m.sumNorm),
      contribution: rows(m.contribution) as number[][],
      gradNorm: rows(m.gradNorm) as number[][],
      gradNormAttnOut: rows(m.gradNormAttnOut) as number[][],
      gradNormMlpOut: rows(m.gradNormMlpOut) as number[][],
      cosine: rows(m.cosine) as number[][],
      loss: m.loss.map(finite) as number[],
      lr: m.lr,
      ...(m.dualNorm ? { dualNorm: rows(m.dualNorm) as number[][] } : {}),
    },
    theory: predict(result.config),
    diverged: result.diverged,
    cancelled: result.cancelled ?? false,
    clamped: result.clamped,
    optimalLoss: result.optimalLoss ?? null,
    layerImportance: result.layerImportance ? result.layerImportance.map(finite) : null,
    heldOutLoss: finite(result.heldOutLoss ?? null),
    backendNote: result.backendNote ?? null,
    source,
  };
}

/** The JSON document: one run as an object, several (--compare) as {runs: [...]}. */
export function formatProbeJson(runs: ProbeRunJson[], compare: boolean): string {
  return `${JSON.stringify(compare ? { runs } : runs[0], null, 2)}\n`;
}

const fixed = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);

/** A few lines per run: loss against the optimum, the stream at init and at the end, the last block's share. */
export function formatProbeSummary(results: ProbeResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    const { config, metrics } = result;
    const last = metrics.steps.length - 1;
    const L = config.layers;
    lines.push(`${placementLabel(config)} · ${config.norm} · L=${L} d=${config.dModel} heads=${config.heads} seq=${config.seq} batch=${config.batch} · ${config.steps} steps, lr ${config.lr}${config.warmup ? `, warm-up ${config.warmup}` : ''} · seed ${config.seed}`);
    for (const note of result.clamped) lines.push(`  clamped: ${note}`);
    if (result.backendNote) lines.push(`  backend: ${result.backendNote}`);
    lines.push(`  loss ${fixed(metrics.loss[0])} → ${fixed(metrics.loss[last])} (optimum ${fixed(result.optimalLoss)})`);
    const stream = (column: number): string => [0, Math.floor(L / 2), L].map((l) => `x${l} ${fixed(metrics.residualNorm[l]?.[column])}`).join('  ');
    lines.push(`  residualNorm at init: ${stream(0)}`);
    if (last > 0) lines.push(`  residualNorm at step ${metrics.steps[last]}: ${stream(last)}`);
    lines.push(`  last block wrote ${fixed(metrics.contribution[L - 1]?.[0])} of the stream at init (first block ${fixed(metrics.contribution[0]?.[0])})`);
    if (result.layerImportance && result.layerImportance.length > 0) {
      const importance = result.layerImportance;
      lines.push(`  layer importance (held-out loss ${fixed(result.heldOutLoss)}; rise without block l): ${importance.map((value) => fixed(value, 3)).join(' ')}`);
      if (importance.length >= 3) lines.push(`  last third / first third: ${fixed(lastThirdRatio(importance))}`);
    }
    const dual = metrics.dualNorm;
    if (dual) lines.push(`  dual stream (ResiDual) at init: ${[0, Math.floor(L / 2), L].map((l) => `x${l} ${fixed(dual[l]?.[0])}`).join('  ')}`);
    if (result.diverged) lines.push(`  DIVERGED at step ${result.diverged.step}: ${result.diverged.what} is not finite`);
    if (result.cancelled) lines.push(`  cancelled after step ${metrics.steps[last]}`);
    lines.push('');
  }
  return `${lines.join('\n')}`;
}

/** A one-line bar, redrawn in place: `[#####-----]  50%  pre  step 100/200  loss 1.93`. */
export function progressLine(snapshot: ProbeSnapshot, label: string, width = 30): string {
  const fraction = snapshot.totalSteps > 0 ? Math.min(1, snapshot.step / snapshot.totalSteps) : 1;
  const filled = Math.round(fraction * width);
  const loss = snapshot.result.metrics.loss.at(-1);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${label}  step ${snapshot.step}/${snapshot.totalSteps}  loss ${fixed(loss)}`;
}
