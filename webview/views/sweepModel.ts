// The depth sweep's charts as view models: final loss, the last block's contribution (trained, and at
// init under Pre-LN's predicted 1/√L band) and the last third's share of layer importance, each against L
// on a log₂ axis, one colour per placement. Pure: the line charts' model with dots added.

import { scaleLinear, scaleLog } from 'd3-scale';
import { area, line } from 'd3-shape';
import { PLACEMENT_TITLES } from '../../src/core/graph/placementInfo';
import type { Placement } from '../../src/core/ir/model';
import { preLnLastContribution } from '../../src/core/probe/sweep';
import { stallThreshold } from '../../src/core/probe/stall';
import type { SweepPoint, SweepResult } from '../../src/core/probe/sweep';
import { buildBlockGraph } from '../../src/core/graph/blockGraph';
import { canonicalBlock } from '../../src/core/graph/canonical';
import { buildDiagramModel } from './diagramModel';
import type { DiagramModel } from './diagramModel';
import { formatValue } from './heatmapModel';
import type { LineChartModel, LineStyle } from './lineModel';
import { FOREGROUND_COLOR, runColor } from './theme';

export interface SweepChartModel extends LineChartModel {
  /**
   * One dot per measured run (a line of one point would not show); hollow for a value at init. A stalled
   * run (stall.ts) keeps its dot, faded to a dashed ring and off its placement's line: measured, but not
   * depth use.
   */
  points: { x: number; y: number; colorClass: string; label: string; hollow: boolean; stalled: boolean }[];
  /** Said in the chart when it has nothing to draw (layer importance not recorded). */
  empty: string | null;
}

export interface SweepViewModel {
  title: string;
  charts: SweepChartModel[];
  /** The block of each placement swept (probed or not), as the probe builds it, at the deepest L. */
  diagrams: DiagramModel[];
  /** One line per placement that has no points, and why. */
  missing: string[];
  /** The numbers as a table: header depths, one row per placement and measure; `stalled` marks greyed cells. */
  table: { header: string[]; rows: string[][]; stalled: boolean[][] };
}

const SIZE = { width: 410, height: 230, margin: { top: 34, right: 12, bottom: 56, left: 48 } };
const round = (v: number): number => Math.round(v * 100) / 100;

/** The legend entry of the greyed dots, and the grey of that entry and of the plateau line. */
export const STALLED_LEGEND = 'faded ring: a run stalled on the unigram plateau';
export const STALLED_COLOR = 'ns-cstalled';

export function placementTitle(placement: string): string {
  return PLACEMENT_TITLES[placement as Placement] ?? placement;
}

interface Series {
  placement: string;
  style: LineStyle;
  label: string;
  value: (p: SweepPoint) => number | null;
}

function frame(): LineChartModel['plot'] {
  const { margin } = SIZE;
  return { x: margin.left, y: margin.top, width: SIZE.width - margin.left - margin.right, height: SIZE.height - margin.top - margin.bottom };
}

/** A log₂ axis over the swept depths, ticked at each of them; a linear one around a single depth. */
function depthScale(layers: number[], plot: LineChartModel['plot']): { x: (L: number) => number; ticks: LineChartModel['xTicks'] } {
  const lo = Math.min(...layers);
  const hi = Math.max(...layers);
  const range: [number, number] = [plot.x + 12, plot.x + plot.width - 12];
  const x = lo === hi ? scaleLinear().domain([lo - 1, hi + 1]).range(range) : scaleLog().base(2).domain([lo, hi]).range(range);
  return { x: (L) => round(x(L)), ticks: layers.map((L) => ({ x: round(x(L)), label: String(L), y: 0 })) };
}

function chart(
  sweep: SweepResult, kind: string, title: string, subtitle: string, yLabel: string, series: Series[],
  extra: { bands?: { L: number; lower: number; upper: number }[]; bandLabel?: string; references?: { value: number; label: string }[]; empty?: string | null } = {},
): SweepChartModel {
  const plot = frame();
  const probed = probedPlacements(sweep);
  const { x, ticks } = depthScale(sweep.layers.length > 0 ? sweep.layers : [1], plot);
  const values: number[] = [];
  for (const s of series) for (const p of sweep.points) if (p.placement === s.placement) { const v = s.value(p); if (v !== null) values.push(v); }
  for (const b of extra.bands ?? []) values.push(b.lower, b.upper);
  for (const reference of extra.references ?? []) values.push(reference.value);
  const lo = values.length > 0 ? Math.min(...values) : 0;
  const hi = values.length > 0 ? Math.max(...values) : 1;
  const pad = hi === lo ? Math.abs(hi) * 0.1 || 0.5 : (hi - lo) * 0.08;
  const y = scaleLinear().domain([Math.min(lo - pad, lo >= 0 && lo - pad < 0 ? 0 : lo - pad), hi + pad]).range([plot.y + plot.height, plot.y]).nice();
  const model: SweepChartModel = {
    kind: `sweep-${kind}`, title, subtitle, width: SIZE.width, height: SIZE.height, plot, xLabel: 'depth L (log₂)', yLabel, yLog: false,
    xTicks: ticks, yTicks: y.ticks(5).map((v) => ({ x: 0, y: round(y(v)), label: formatValue(v) })),
    bands: [], lines: [], markers: [], legend: [], points: [], empty: extra.empty ?? null,
  };
  if (extra.bands && extra.bands.length > 0) {
    const color = runColor(Math.max(0, probed.indexOf('pre')));
    const band = area<{ L: number; lower: number; upper: number }>().x((b) => x(b.L)).y0((b) => y(b.lower)).y1((b) => y(b.upper)).digits(2);
    model.bands.push({ d: band(extra.bands) ?? '', colorClass: color, label: extra.bandLabel ?? '' });
    model.legend.push({ label: extra.bandLabel ?? '', colorClass: color, style: 'band' });
  }
  for (const [i, reference] of (extra.references ?? []).entries()) {
    const yRef = round(y(reference.value));
    const color = i === 0 ? FOREGROUND_COLOR : STALLED_COLOR;
    model.lines.push({ d: `M${plot.x},${yRef}H${plot.x + plot.width}`, colorClass: color, label: reference.label, style: 'dashed' });
    model.legend.push({ label: reference.label, colorClass: color, style: 'dashed' });
  }
  for (const s of series) {
    const color = runColor(Math.max(0, probed.indexOf(s.placement)));
    const measured = sweep.points.filter((p) => p.placement === s.placement)
      .map((p) => ({ L: p.layers, v: s.value(p), point: p }))
      .filter((m): m is { L: number; v: number; point: SweepPoint } => m.v !== null && Number.isFinite(m.v))
      .sort((a, b) => a.L - b.L);
    if (measured.length === 0) continue;
    // The line joins the runs that trained; a stalled run's dot stays, greyed, with why in its tooltip.
    const trained = measured.filter((m) => !m.point.stalled);
    if (trained.length > 0) {
      const path = line<{ L: number; v: number }>().x((m) => x(m.L)).y((m) => y(m.v)).digits(2);
      model.lines.push({ d: path(trained) ?? '', colorClass: color, label: s.label, style: s.style });
      model.legend.push({ label: s.label, colorClass: color, style: s.style });
    }
    for (const m of measured) {
      const stall = m.point.stalled ?? null;
      const why = stall ? ` (stalled: loss ${formatValue(stall.loss)} stayed above ${formatValue(stall.threshold)}, the unigram plateau ${formatValue(stall.plateau)})` : '';
      model.points.push({
        x: x(m.L), y: round(y(m.v)), colorClass: color, stalled: stall !== null,
        label: `${s.label}, L = ${m.L}: ${formatValue(m.v)}${m.point.cancelled ? ' (stopped early)' : ''}${why}`, hollow: s.style !== 'solid',
      });
    }
  }
  if (model.points.some((p) => p.stalled)) model.legend.push({ label: STALLED_LEGEND, colorClass: STALLED_COLOR, style: 'dotted' });
  return model;
}

/** Placements with at least one point, in the sweep's order: the colour index of each. */
export function probedPlacements(sweep: SweepResult): string[] {
  return sweep.placements.filter((p) => sweep.points.some((point) => point.placement === p));
}

export function buildSweepViewModel(sweep: SweepResult, title = 'Depth sweep'): SweepViewModel {
  const probed = probedPlacements(sweep);
  const solid = (value: (p: SweepPoint) => number | null, suffix = ''): Series[] =>
    probed.map((placement) => ({ placement, style: 'solid', label: `${placementTitle(placement)}${suffix}`, value }));
  // Where a run stalled, the plateau it stayed on is drawn too: it is what the grey dots sit at.
  const plateau = sweep.points.some((p) => p.stalled) ? stallThreshold(sweep.base.vocab, sweep.base.seed).plateau : null;
  const loss = chart(sweep, 'loss', 'Final loss against depth', `after ${sweep.base.steps} steps; diverged runs have no point`, 'loss',
    solid((p) => p.finalLoss), {
      references: [
        ...(sweep.optimalLoss !== null ? [{ value: sweep.optimalLoss, label: `optimal loss ${formatValue(sweep.optimalLoss)}` }] : []),
        ...(plateau !== null ? [{ value: plateau, label: `unigram plateau ${formatValue(plateau)}` }] : []),
      ],
    });
  const contribution = chart(sweep, 'contribution', 'Last block\'s contribution against depth', '‖x_L − x_{L−1}‖/‖x_L‖: trained (solid), at init (dashed)', 'contribution',
    [...solid((p) => p.lastContributionFinal),
      ...probed.map((placement): Series => ({ placement, style: 'dashed', label: `${placementTitle(placement)} at init`, value: (p) => p.lastContributionInit }))],
    probed.includes('pre') ? {
      bands: sweep.layers.map((L) => ({ L, ...preLnLastContribution(L) })),
      bandLabel: 'Pre-LN predicted at init, √(δ/(1+Lδ)) ~ 1/√L',
    } : {});
  const recorded = sweep.points.some((p) => p.layerImportance !== null);
  const importance = chart(sweep, 'importance', 'Layer importance: the last third\'s share', 'held-out loss rise when a block is skipped: last ⅓\'s part', 'share',
    recorded ? solid((p) => p.lastThirdShare) : [],
    recorded ? { references: [{ value: 1 / 3, label: '⅓: every block matters alike' }] } : { empty: 'not recorded by this build\'s probe engine' });
  const missing = [
    ...sweep.skipped.map((s) => `${placementTitle(s.placement)}: ${s.reason}`),
    ...sweep.failed.map((f) => `${placementTitle(f.placement)} at L = ${f.layers} failed: ${f.message}`),
  ];
  const deepest = Math.max(1, ...sweep.layers);
  const diagrams = sweep.placements.map((placement) => buildDiagramModel(buildBlockGraph(
    canonicalBlock({ placement: placement as Placement, norm: sweep.base.norm, layers: deepest, dModel: sweep.base.dModel, heads: sweep.base.heads }),
  )));
  return { title, charts: [loss, contribution, importance], diagrams, missing, table: sweepTable(sweep, probed) };
}

function sweepTable(sweep: SweepResult, probed: string[]): SweepViewModel['table'] {
  const cell = (p: SweepPoint | undefined, read: (p: SweepPoint) => number | null): string => {
    if (!p) return '·';
    if (p.diverged) return `diverged at ${p.diverged.step}`;
    const v = read(p);
    return `${v === null ? '—' : formatValue(v)}${p.cancelled ? '*' : ''}${p.stalled ? ' (stalled)' : ''}`;
  };
  const rows: string[][] = [];
  const stalled: boolean[][] = [];
  const measures: [string, (p: SweepPoint) => number | null][] = [
    ['final loss', (p) => p.finalLoss],
    ['last contribution', (p) => p.lastContributionFinal],
    ['last contribution at init', (p) => p.lastContributionInit],
    ['last third\'s share', (p) => p.lastThirdShare],
  ];
  for (const placement of probed) {
    for (const [name, read] of measures) {
      const at = sweep.layers.map((L) => sweep.points.find((p) => p.placement === placement && p.layers === L));
      rows.push([placementTitle(placement), name, ...at.map((p) => cell(p, read))]);
      stalled.push([false, false, ...at.map((p) => Boolean(p?.stalled))]);
    }
  }
  return { header: ['placement', 'measure', ...sweep.layers.map((L) => `L = ${L}`)], rows, stalled };
}
