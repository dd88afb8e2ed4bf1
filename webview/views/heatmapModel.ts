// Layers × steps heatmap view models: shared colour scales across compared runs, quantised cells merged
// into one path per colour, axes and legend positions. Pure (no DOM), so it is tested on numbers.

import { scaleLinear, scaleLog } from 'd3-scale';
import { ticks as niceTicks } from 'd3-array';
import type { ProbeMetrics } from '../../src/core/probe/types';
import { rgb } from 'd3-color';
import { rampColors } from './theme';
import { base64, encodeIndexedPng } from './png';

export type HeatmapMetric = 'residualNorm' | 'contribution' | 'gradNorm' | 'cosine';

export interface MetricInfo {
  title: string;
  unit: string;
  /** The layer index of row 0: residualNorm starts at the embedding output (0), the rest at block 1. */
  firstLayer: 0 | 1;
}

/** Titles and units as DESIGN.md ("Metrics") defines them. */
export const METRIC_INFO: Record<HeatmapMetric, MetricInfo> = {
  residualNorm: { title: 'Residual norm ‖x_l‖/√d', unit: 'RMS of the stream', firstLayer: 0 },
  contribution: { title: 'Contribution ‖x_l − x_{l−1}‖/‖x_l‖', unit: 'fraction of the stream', firstLayer: 1 },
  gradNorm: { title: 'Gradient norm ‖∇W_O‖, ‖∇W_2‖ together', unit: 'Frobenius norm', firstLayer: 1 },
  cosine: { title: 'Cosine cos(x_{l−1}, x_l)', unit: '1 = identity map', firstLayer: 1 },
};

export const HEATMAP_METRICS: readonly HeatmapMetric[] = ['residualNorm', 'contribution', 'gradNorm', 'cosine'];

/** A colour scale shared by every heatmap of one metric: domain from all runs' finite values. */
export interface ColorScale {
  kind: 'linear' | 'log';
  domain: [number, number];
  colors: string[];
}

/** Ranges wider than this ratio (all values positive) are drawn on a log scale, so both ends stay visible. */
const LOG_RATIO = 100;
export const LEVELS = 64;
/** Above this many cells a heatmap is drawn as one image rather than as paths. */
export const PATH_CELL_LIMIT = 4096;

/** One scale for several layers × steps matrices; null and non-finite cells do not stretch it. */
export function sharedColorScale(matrices: readonly (readonly (number | null)[])[][], levels = LEVELS): ColorScale {
  let min = Infinity;
  let max = -Infinity;
  let minPositive = Infinity;
  for (const matrix of matrices) {
    for (const row of matrix) {
      for (const value of row) {
        if (value === null || !Number.isFinite(value)) continue;
        if (value < min) min = value;
        if (value > max) max = value;
        if (value > 0 && value < minPositive) minPositive = value;
      }
    }
  }
  const colors = rampColors(levels);
  if (min > max) return { kind: 'linear', domain: [0, 1], colors };
  if (min > 0 && max / min >= LOG_RATIO) return { kind: 'log', domain: [min, max], colors };
  if (min === max) {
    const pad = Math.abs(min) * 0.05 || 1;
    return { kind: 'linear', domain: [min - pad, max + pad], colors };
  }
  return { kind: 'linear', domain: [min, max], colors };
}

/** The colour level of a value: 0..levels−1, −1 for NaN/±∞, −2 for a cell not recorded (null). */
export function colorLevel(scale: ColorScale, value: number | null | undefined): number {
  return levelFunction(scale)(value);
}

/** colorLevel specialised to one scale, with its constants hoisted: it runs once per cell. */
export function levelFunction(scale: ColorScale): (value: number | null | undefined) => number {
  const n = scale.colors.length;
  const top = n - 1;
  const [lo, hi] = scale.domain;
  if (scale.kind === 'log') {
    const logLo = Math.log(lo);
    const k = n / (Math.log(hi) - logLo);
    return (value) => {
      if (value === null || value === undefined) return -2;
      if (!Number.isFinite(value)) return -1;
      const level = Math.floor((Math.log(Math.max(value, lo)) - logLo) * k);
      return level < 0 ? 0 : level > top ? top : level;
    };
  }
  const k = n / (hi - lo);
  return (value) => {
    if (value === null || value === undefined) return -2;
    if (!Number.isFinite(value)) return -1;
    const level = Math.floor((value - lo) * k);
    return level < 0 ? 0 : level > top ? top : level;
  };
}

export interface HeatmapLayout {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export interface HeatmapModel {
  metric: HeatmapMetric;
  title: string;
  subtitle: string;
  unit: string;
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
  rows: number;
  cols: number;
  firstLayer: number;
  steps: number[];
  /** Column left edges and widths in plot coordinates (recorded steps may be irregular). */
  columnX: number[];
  columnWidth: number[];
  rowHeight: number;
  /** levels[row * cols + col], as colorLevel returns. */
  levels: Int16Array;
  values: (number | null)[][];
  /** One path per colour level that occurs: runs of equal cells in a row merged into one rectangle. */
  paths: { level: number; color: string; d: string }[];
  /** Dense heatmaps: the finite cells as one pixel each of an indexed PNG stretched over the plot. */
  image: { x: number; y: number; width: number; height: number; href: string } | null;
  nonFinitePath: string;
  nonFiniteCount: number;
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  /** The colour ramp as a one-row image (one pixel per level), with value ticks under it. */
  legend: { x: number; y: number; width: number; height: number; href: string; ticks: { x: number; label: string }[] };
}

const DEFAULT_LAYOUT: HeatmapLayout = { width: 420, height: 230, margin: { top: 34, right: 12, bottom: 62, left: 44 } };

const round = (v: number): number => Math.round(v * 100) / 100;

/** Numbers for labels: three significant figures, exponent form outside 1e-3..1e4. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e4)) {
    const [mantissa, exponent] = value.toExponential(1).split('e');
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  if (abs >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/**
 * The view model of one heatmap. `lastStep` fixes the x extent while a run is still filling in, so the
 * cells already drawn do not move as new columns arrive.
 */
export function buildHeatmapModel(
  metric: HeatmapMetric, values: (number | null)[][], steps: number[], scale: ColorScale,
  options: { subtitle?: string; lastStep?: number; interval?: number; layout?: Partial<HeatmapLayout> } = {},
): HeatmapModel {
  const layout = { ...DEFAULT_LAYOUT, ...options.layout };
  const { margin } = layout;
  const plot = { x: margin.left, y: margin.top, width: layout.width - margin.left - margin.right, height: layout.height - margin.top - margin.bottom };
  const rows = values.length;
  const cols = steps.length;
  // Steps per column: the run's recordEvery where the caller knows it, so a run's first column already
  // has its final width; otherwise read off the recorded steps.
  const interval = options.interval ?? (cols > 1 ? (steps[cols - 1] - steps[0]) / (cols - 1) : 1);
  const first = cols > 0 ? steps[0] : 0;
  const end = Math.max(cols > 0 ? steps[cols - 1] + interval : 1, options.lastStep !== undefined ? options.lastStep + interval : 0);
  const x = scaleLinear().domain([first, end]).range([0, plot.width]);
  const columnX = steps.map((s) => x(s));
  const columnWidth = steps.map((s, i) => (i + 1 < cols ? x(steps[i + 1]) : x(s + interval)) - x(s));
  const rowHeight = rows > 0 ? plot.height / rows : 0;

  const levels = new Int16Array(rows * cols);
  let nonFiniteCount = 0;
  const levelOf = levelFunction(scale);
  for (let r = 0; r < rows; r++) {
    const row = values[r];
    for (let c = 0; c < cols; c++) {
      const level = levelOf(row[c]);
      levels[r * cols + c] = level;
      if (level === -1) nonFiniteCount++;
    }
  }
  // Small heatmaps are paths (crisp, readable snapshots); dense ones one indexed PNG, since tens of
  // thousands of noisy cells barely merge and would cost a browser (and jsdom) far more as vectors.
  const dense = rows * cols > PATH_CELL_LIMIT;
  const byLevel = new Map<number, string[]>();
  for (let r = 0; r < rows; r++) {
    // Edges are rounded, not sizes, so neighbouring rows and columns meet without gaps or overlaps.
    const y0 = round(plot.y + r * rowHeight);
    const h = round(round(plot.y + (r + 1) * rowHeight) - y0);
    let c = 0;
    while (c < cols) {
      const level = levels[r * cols + c];
      let end = c + 1;
      while (end < cols && levels[r * cols + end] === level) end++;
      if (level !== -2 && (!dense || level === -1)) {
        const x0 = round(plot.x + columnX[c]);
        const w = round(round(plot.x + columnX[end - 1] + columnWidth[end - 1]) - x0);
        let parts = byLevel.get(level);
        if (!parts) byLevel.set(level, (parts = []));
        parts.push(`M${x0},${y0}h${w}v${h}h${-w}z`);
      }
      c = end;
    }
  }
  const paths = [...byLevel.entries()].filter(([level]) => level >= 0).sort((a, b) => a[0] - b[0])
    .map(([level, parts]) => ({ level, color: scale.colors[level], d: parts.join('') }));
  const image = dense && cols > 0 ? {
    x: round(plot.x + columnX[0]),
    y: plot.y,
    width: round(columnX[cols - 1] + columnWidth[cols - 1] - columnX[0]),
    height: plot.height,
    href: heatmapPng(levels, rows, cols, scale),
  } : null;

  const xTicks = x.ticks(5).filter((s) => s >= first && s <= end)
    .map((s) => ({ x: round(plot.x + x(s)), label: String(s) }));
  const firstLayer = METRIC_INFO[metric].firstLayer;
  const every = Math.max(1, Math.ceil(rows / 8));
  const yTicks: { y: number; label: string }[] = [];
  for (let r = 0; r < rows; r += every) yTicks.push({ y: round(plot.y + (r + 0.5) * rowHeight), label: String(firstLayer + r) });

  return {
    metric,
    title: METRIC_INFO[metric].title,
    subtitle: options.subtitle ?? '',
    unit: METRIC_INFO[metric].unit,
    width: layout.width,
    height: layout.height,
    plot,
    rows, cols, firstLayer, steps, columnX, columnWidth, rowHeight, levels, values,
    paths,
    image,
    nonFinitePath: byLevel.get(-1)?.join('') ?? '',
    nonFiniteCount,
    xTicks, yTicks,
    legend: buildLegend(scale, plot.x, layout.height - 22, Math.min(220, plot.width)),
  };
}

/** The finite cells as palette indices (the colour level); non-finite and unrecorded cells transparent. */
function heatmapPng(levels: Int16Array, rows: number, cols: number, scale: ColorScale): string {
  const transparent = scale.colors.length;
  const indices = new Uint8Array(rows * cols);
  for (let i = 0; i < indices.length; i++) indices[i] = levels[i] >= 0 ? levels[i] : transparent;
  const palette = scale.colors.map((color): [number, number, number, number] => {
    const c = rgb(color);
    return [c.r, c.g, c.b, 255];
  });
  palette.push([0, 0, 0, 0]);
  return `data:image/png;base64,${base64(encodeIndexedPng(cols, rows, indices, palette))}`;
}

/** Compared runs share a scale, so they share its legend image too. */
const legendImages = new WeakMap<ColorScale, string>();

function legendPng(scale: ColorScale): string {
  let href = legendImages.get(scale);
  if (href === undefined) {
    const ramp = Int16Array.from(scale.colors, (_, i) => i);
    href = heatmapPng(ramp, 1, ramp.length, scale);
    legendImages.set(scale, href);
  }
  return href;
}

function buildLegend(scale: ColorScale, x: number, y: number, width: number): HeatmapModel['legend'] {
  const [lo, hi] = scale.domain;
  const position = scale.kind === 'log'
    ? scaleLog().domain([lo, hi]).range([0, width])
    : scaleLinear().domain([lo, hi]).range([0, width]);
  let values = scale.kind === 'log' ? (position as ReturnType<typeof scaleLog>).ticks(4) : niceTicks(lo, hi, 4);
  // A log scale's ticks list every 1–9 multiple; keep at most five so the labels do not collide.
  if (values.length > 5) values = values.filter((_, i) => i % Math.ceil(values.length / 5) === 0);
  const ticks = values.filter((v) => v >= lo && v <= hi).map((v) => ({ x: round(x + position(v)), label: formatValue(v) }));
  return { x, y, width, height: 8, href: legendPng(scale), ticks };
}

/** The cell under a point of the plot, for hover readouts; null outside the cells. */
export function cellAt(model: HeatmapModel, px: number, py: number): { layer: number; step: number; value: number | null } | null {
  const r = Math.floor((py - model.plot.y) / model.rowHeight);
  if (r < 0 || r >= model.rows) return null;
  const lx = px - model.plot.x;
  let lo = 0;
  let hi = model.cols - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (model.columnX[mid] <= lx) lo = mid; else hi = mid - 1;
  }
  if (model.cols === 0 || lx < model.columnX[lo] || lx >= model.columnX[lo] + model.columnWidth[lo]) return null;
  return { layer: model.firstLayer + r, step: model.steps[lo], value: model.values[r][lo] ?? null };
}

/** The rows of a metric in a run's metrics. */
export function metricRows(metrics: ProbeMetrics, metric: HeatmapMetric): number[][] {
  return metrics[metric];
}
