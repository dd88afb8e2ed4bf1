// The comparison of several runs side by side: one column per run, every metric's heatmaps on one
// shared colour scale, and the loss and theory charts across all runs. Used by the panel and the report.

import { buildBlockGraph } from '../../src/core/graph/blockGraph';
import { canonicalBlock } from '../../src/core/graph/canonical';
import { PLACEMENT_TITLES } from '../../src/core/graph/placementInfo';
import type { BlockGraph } from '../../src/core/graph/types';
import type { RunResult } from '../../src/core/probe/types';
import { runInterval, runLastStep, runLayers, runPlacement, runTheory } from '../../src/core/runs/recorded';
import type { TheoryPrediction } from '../../src/core/theory/predict';
import { HEATMAP_METRICS, buildHeatmapModel, sharedColorScale } from './heatmapModel';
import type { ColorScale, HeatmapMetric, HeatmapModel } from './heatmapModel';
import { buildLossModel, buildTheoryModel, predictionsFor } from './lineModel';
import type { LabelledRun, LineChartModel } from './lineModel';
import { buildDiagramModel } from './diagramModel';
import type { DiagramModel } from './diagramModel';

export interface ComparisonModel {
  runs: LabelledRun[];
  /** null for a recorded run whose placement is unknown: there is no block to draw. */
  diagrams: (DiagramModel | null)[];
  scales: Record<HeatmapMetric, ColorScale>;
  /** heatmaps[metric][run] */
  heatmaps: Record<HeatmapMetric, HeatmapModel[]>;
  loss: LineChartModel;
  /** Measured residualNorm and contribution at init over src/core/theory's predictions. */
  theory: LineChartModel;
  contributionTheory: LineChartModel;
  /** The sum before a stream norm (Post-LN, DeepNorm, Mix-LN's post blocks) against the 3/2 lemma; null when no run records it. */
  sumNormTheory: LineChartModel | null;
  /** What each run's prediction assumes and where the probe departs from the paper, per run. */
  theoryNotes: string[][];
}

/**
 * `Pre-LN`, or `Pre-LN · warm-up 100` when two runs share a placement and differ otherwise; a recorded
 * run is named by its header (`gpt-small · Pre-LN`), and by its file too when two share a name.
 */
export function labelRuns(results: RunResult[]): LabelledRun[] {
  const base = results.map((r) => {
    if (r.recorded) return `${r.recorded.name}${r.recorded.placement ? ` · ${PLACEMENT_TITLES[r.recorded.placement]}` : ''}`;
    return `${PLACEMENT_TITLES[r.config.placement]}${r.config.placement === 'none' && r.config.rezero ? ' (ReZero)' : ''}`;
  });
  return results.map((result, i) => {
    const twins = base.filter((b) => b === base[i]).length > 1;
    if (!twins) return { label: base[i], result };
    if (result.recorded) return { label: `${base[i]} · ${result.recorded.file.split(/[\\/]/).pop()}`, result };
    const c = result.config;
    return { label: `${base[i]} · lr ${c.lr} · warm-up ${c.warmup} · seed ${c.seed}`, result };
  });
}

export interface ComparisonOptions {
  /** Block graphs from the analysed source, per run; runs without one draw the canonical probe block. */
  graphs?: (BlockGraph | null)[];
  /** Theory per run; by default src/core/theory's predict(config). null draws the measurement alone. */
  theory?: (TheoryPrediction | null)[];
  metrics?: readonly HeatmapMetric[];
}

export function buildComparison(results: RunResult[], options: ComparisonOptions = {}): ComparisonModel {
  const runs = labelRuns(results);
  const metrics = options.metrics ?? HEATMAP_METRICS;
  const diagrams = runs.map((run, i) => {
    const graph = options.graphs?.[i] ?? canonicalGraph(run.result);
    return graph ? buildDiagramModel(graph) : null;
  });
  const scales = {} as Record<HeatmapMetric, ColorScale>;
  const heatmaps = {} as Record<HeatmapMetric, HeatmapModel[]>;
  for (const metric of metrics) {
    // One scale per metric from every run, so equal colours mean equal numbers across columns.
    const scale = sharedColorScale(runs.map((r) => r.result.metrics[metric]));
    scales[metric] = scale;
    heatmaps[metric] = runs.map((run) => buildHeatmapModel(metric, run.result.metrics[metric], run.result.metrics.steps, scale, {
      subtitle: run.label, lastStep: runLastStep(run.result), interval: runInterval(run.result),
    }));
  }
  const lastStep = Math.max(...runs.map((r) => runLastStep(r.result)));
  const theory = options.theory ?? runs.map((run) => runTheory(run.result));
  return {
    runs, diagrams, scales, heatmaps,
    loss: buildLossModel(runs, { lastStep }),
    theory: buildTheoryModel(runs, theory.map((t) => (t ? predictionsFor(t, 'residualNorm') : [])), 'residualNorm'),
    contributionTheory: buildTheoryModel(runs, theory.map((t) => (t ? predictionsFor(t, 'contribution') : [])), 'contribution'),
    sumNormTheory: runs.some((r) => r.result.metrics.sumNorm.some((row) => row.some((v) => v !== null)))
      ? buildTheoryModel(runs, theory.map((t) => (t ? predictionsFor(t, 'sumNorm') : [])), 'sumNorm')
      : null,
    theoryNotes: theory.map((t) => t?.notes ?? []),
  };
}

/** The probe's block for a run's placement; a recorded run draws it only when its placement is known. */
function canonicalGraph(result: RunResult): BlockGraph | null {
  if (!result.recorded) return buildBlockGraph(canonicalBlock(result.config), { rezero: result.config.rezero });
  const placement = runPlacement(result);
  if (placement === null) return null;
  const { norm, dModel, heads } = result.recorded;
  const block = canonicalBlock({ placement, norm: norm ?? 'layernorm', layers: runLayers(result), dModel: dModel ?? 0, heads: heads ?? 0 });
  // The placement's block, named as the header names the real one; norm, width and heads only as recorded.
  return buildBlockGraph({ ...block, name: result.recorded.blockClass ?? 'recorded block', norm, dModel, heads });
}
