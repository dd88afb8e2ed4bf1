// Line-chart view models: loss curves per compared run (optimal loss dashed, divergence marked) and the
// theory overlay (measured residualNorm at initialisation per layer against a predicted band or line).
// Pure: paths come from d3-shape as strings, so tests read numbers and snapshots stay stable.

import { scaleLinear, scaleLog } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { RunResult } from '../../src/core/probe/types';
import type { TheoryPrediction } from '../../src/core/theory/predict';
import { formatValue } from './heatmapModel';
import { FOREGROUND_COLOR, runColor } from './theme';

export type LineStyle = 'solid' | 'dashed' | 'dotted';

export interface LineChartModel {
  /** `loss`, `theory-residualNorm`, `theory-contribution`: the chart's class, so views can find it. */
  kind: string;
  title: string;
  subtitle: string;
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
  xLabel: string;
  yLabel: string;
  yLog: boolean;
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  bands: { d: string; colorClass: string; label: string }[];
  lines: { d: string; colorClass: string; label: string; style: LineStyle }[];
  /** Vertical markers (a run's divergence step). */
  markers: { x: number; label: string }[];
  legend: { label: string; colorClass: string; style: LineStyle | 'band' }[];
}

/** A compared run with the label its column carries (`Pre-LN`, `Post-LN · warm-up 100`). */
export interface LabelledRun {
  label: string;
  result: RunResult;
}

/**
 * What a theory predicts per layer at initialisation, in residualNorm's unit (‖x_l‖/√d). A band where
 * the theory gives bounds (Xiong et al.'s Pre-LN band), a line where lower equals upper.
 */
export interface LayerPrediction {
  label: string;
  layers: number[];
  lower: number[];
  upper: number[];
}

const SIZE = { width: 420, height: 220, margin: { top: 34, right: 12, bottom: 56, left: 48 } };
const round = (v: number): number => Math.round(v * 100) / 100;

function frame(): LineChartModel['plot'] {
  const { margin } = SIZE;
  return { x: margin.left, y: margin.top, width: SIZE.width - margin.left - margin.right, height: SIZE.height - margin.top - margin.bottom };
}

function finiteExtent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

type Scale = ((v: number) => number) & { ticks(count?: number): number[] };

function yScale(extent: [number, number] | null, plot: LineChartModel['plot'], allowLog: boolean): { y: Scale; log: boolean } {
  const [lo, hi] = extent ?? [0, 1];
  if (allowLog && lo > 0 && hi / lo >= 100) {
    return { y: scaleLog().domain([lo, hi]).range([plot.y + plot.height, plot.y]).nice() as unknown as Scale, log: true };
  }
  const pad = hi === lo ? Math.abs(hi) * 0.1 || 1 : 0;
  return { y: scaleLinear().domain([Math.min(lo, allowLog ? 0 : lo) - pad, hi + pad]).range([plot.y + plot.height, plot.y]).nice(), log: false };
}

function ticksOf(scale: Scale, count: number, at: 'x' | 'y', log: boolean): { x: number; label: string }[] & { y: number; label: string }[] {
  let values = scale.ticks(count);
  if (log && values.length > 6) values = values.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
  return values.map((v) => ({ x: at === 'x' ? round(scale(v)) : 0, y: at === 'y' ? round(scale(v)) : 0, label: formatValue(v) }));
}

/** Loss against step, one line per run; optimal loss dashed; divergence as a vertical marker. */
export function buildLossModel(runs: LabelledRun[], options: { lastStep?: number } = {}): LineChartModel {
  const plot = frame();
  const lastStep = Math.max(options.lastStep ?? 0, ...runs.map((r) => r.result.metrics.steps.at(-1) ?? 0), 1);
  const x = scaleLinear().domain([0, lastStep]).range([plot.x, plot.x + plot.width]);
  const optimal = runs.map((r) => r.result.optimalLoss).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const { y } = yScale(finiteExtent([...runs.flatMap((r) => r.result.metrics.loss), ...optimal]), plot, false);
  const lines: LineChartModel['lines'] = [];
  const legend: LineChartModel['legend'] = [];
  const markers: LineChartModel['markers'] = [];
  runs.forEach((run, i) => {
    const { steps, loss } = run.result.metrics;
    const path = line<number>().defined((v) => Number.isFinite(v)).x((_, k) => x(steps[k])).y((v) => y(v)).digits(2);
    lines.push({ d: path(loss) ?? '', colorClass: runColor(i), label: run.label, style: 'solid' });
    legend.push({ label: run.label, colorClass: runColor(i), style: 'solid' });
    if (run.result.diverged) {
      markers.push({ x: round(x(run.result.diverged.step)), label: `${run.label} diverged at step ${run.result.diverged.step}` });
    }
  });
  // Runs on the same task share one optimum: draw it once, in the foreground colour.
  const distinct = [...new Set(optimal.map((v) => v.toFixed(6)))];
  distinct.forEach((key) => {
    const v = Number(key);
    const shared = distinct.length === 1;
    const owner = runs.findIndex((r) => r.result.optimalLoss !== undefined && r.result.optimalLoss.toFixed(6) === key);
    const color = shared ? FOREGROUND_COLOR : runColor(owner);
    const label = `optimal loss ${formatValue(v)}${shared ? '' : ` (${runs[owner].label})`}`;
    lines.push({ d: `M${round(plot.x)},${round(y(v))}H${round(plot.x + plot.width)}`, colorClass: color, label, style: 'dashed' });
    legend.push({ label, colorClass: color, style: 'dashed' });
  });
  return {
    kind: 'loss', title: 'Training loss', subtitle: 'cross-entropy, nats', width: SIZE.width, height: SIZE.height, plot,
    xLabel: 'step', yLabel: 'loss', yLog: false,
    xTicks: ticksOf(x, 5, 'x', false), yTicks: ticksOf(y as Scale, 5, 'y', false),
    bands: [], lines, markers, legend,
  };
}

/** The metrics a theory overlay can draw: both have per-layer predictions at initialisation. */
export type OverlayMetric = 'residualNorm' | 'sumNorm' | 'contribution';

const OVERLAY_TEXT: Record<OverlayMetric, { title: string; subtitle: string; yLabel: string; firstLayer: number }> = {
  residualNorm: { title: 'Residual norm at initialisation', subtitle: 'measured vs predicted, ‖x_l‖/√d', yLabel: '‖x_l‖/√d', firstLayer: 0 },
  sumNorm: { title: 'Residual sum before the norm, at initialisation', subtitle: 'measured vs predicted (Xiong\'s 3/2 lemma), ‖x + F(x)‖/√d', yLabel: '‖x + F(x)‖/√d', firstLayer: 0 },
  contribution: { title: 'Contribution at initialisation', subtitle: 'measured vs predicted dilution, ‖x_l − x_{l−1}‖/‖x_l‖', yLabel: 'contribution', firstLayer: 1 },
};

/** The series of src/core/theory's prediction for one metric, as the overlay draws them. */
export function predictionsFor(theory: TheoryPrediction, metric: OverlayMetric): LayerPrediction[] {
  return theory.series.filter((s) => s.metric === metric).map((s) => ({
    label: s.label,
    layers: s.layers,
    lower: (s.kind === 'band' ? s.lower : s.values) ?? [],
    upper: (s.kind === 'band' ? s.upper : s.values) ?? [],
  }));
}

/**
 * A metric per layer at initialisation (the first recorded column) for each run, measured, over the
 * predictions for it. `predictions[i]` belongs to run i; a log scale is used when the stream explodes.
 */
export function buildTheoryModel(runs: LabelledRun[], predictions: LayerPrediction[][], metric: OverlayMetric = 'residualNorm'): LineChartModel {
  const text = OVERLAY_TEXT[metric];
  const plot = frame();
  // Rows a run does not record (sumNorm where no norm sits on the stream) are null: gaps, not zeros.
  const measured = runs.map((run) => (run.result.metrics[metric] as (number | null)[][]).map((row) => row[0] ?? Number.NaN));
  const maxLayer = Math.max(1, ...measured.map((m) => m.length - 1 + text.firstLayer));
  const x = scaleLinear().domain([0, maxLayer]).range([plot.x, plot.x + plot.width]);
  const all = [...measured.flat(), ...predictions.flat().flatMap((p) => [...p.lower, ...p.upper])];
  const { y, log } = yScale(finiteExtent(all), plot, true);
  const bands: LineChartModel['bands'] = [];
  const lines: LineChartModel['lines'] = [];
  const legend: LineChartModel['legend'] = [];
  runs.forEach((run, i) => {
    const color = runColor(i);
    for (const prediction of predictions[i] ?? []) {
      const isLine = prediction.lower.every((v, k) => v === prediction.upper[k]);
      const label = `${run.label}: ${prediction.label}`;
      if (isLine) {
        const path = line<number>().defined((v) => Number.isFinite(v)).x((_, k) => x(prediction.layers[k])).y((v) => y(v)).digits(2);
        lines.push({ d: path(prediction.lower) ?? '', colorClass: color, label, style: 'dotted' });
        legend.push({ label, colorClass: color, style: 'dotted' });
      } else {
        const band = area<number>().defined((_, k) => Number.isFinite(prediction.lower[k]) && Number.isFinite(prediction.upper[k]))
          .x((_, k) => x(prediction.layers[k])).y0((_, k) => y(prediction.lower[k])).y1((_, k) => y(prediction.upper[k])).digits(2);
        bands.push({ d: band(prediction.layers) ?? '', colorClass: color, label });
        legend.push({ label, colorClass: color, style: 'band' });
      }
    }
    if (!measured[i].some((v) => Number.isFinite(v))) return;
    const path = line<number>().defined((v) => Number.isFinite(v)).x((_, r) => x(r + text.firstLayer)).y((v) => y(v)).digits(2);
    lines.push({ d: path(measured[i]) ?? '', colorClass: color, label: `${run.label}: measured`, style: 'solid' });
    legend.push({ label: `${run.label}: measured`, colorClass: color, style: 'solid' });
  });
  return {
    kind: `theory-${metric}`, title: text.title, subtitle: text.subtitle,
    width: SIZE.width, height: SIZE.height, plot, xLabel: 'layer l', yLabel: text.yLabel, yLog: log,
    xTicks: ticksOf(x, Math.min(maxLayer, 8), 'x', false), yTicks: ticksOf(y, 5, 'y', log),
    bands, lines, markers: [], legend,
  };
}
