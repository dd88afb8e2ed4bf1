// Renders a ComparisonModel into HTML: one column per run (diagram, heatmaps, divergence and clamping
// notes, optionally the config), then the loss curves and the theory overlay across all runs.

import { select } from 'd3-selection';
import type { ProbeConfig, RecordedRunInfo } from '../../src/core/probe/types';
import type { ComparisonModel } from './compare';
import { renderDiagram } from './diagram';
import type { DiagramOptions } from './diagram';
import { renderHeatmap } from './heatmap';
import { renderLineChart } from './lineChart';

export interface ComparisonViewOptions extends DiagramOptions {
  /** Show each run's full config (the report does; the panel shows it elsewhere). */
  showConfig?: boolean;
}

const CONFIG_KEYS: (keyof ProbeConfig)[] = [
  'placement', 'norm', 'layers', 'dModel', 'heads', 'seq', 'batch', 'vocab', 'steps', 'recordEvery', 'lr', 'warmup', 'seed', 'backend', 'rezero',
];

/** What a recorded run's header says, in the order a reader looks for it. */
const RECORDED_KEYS: (keyof RecordedRunInfo)[] = [
  'name', 'file', 'source', 'model', 'blockClass', 'placement', 'norm', 'layers', 'dModel', 'heads', 'worldSize', 'every', 'started', 'closed',
];

/** A recorded run's header notes, and whether its writer is still at it. */
function recordedNotes(info: RecordedRunInfo): string[] {
  return [`Recorded by the ${info.source === 'monitor' ? 'training monitor' : 'exported probe'} in ${info.file}${info.closed ? '' : ' (still being written)'}.`, ...info.notes];
}

export function renderComparison(target: HTMLElement, model: ComparisonModel, options: ComparisonViewOptions = {}): void {
  const root = select(target);
  root.selectChildren().remove();
  // Row by row (headers, diagrams, one row per metric, configs) so the same picture sits at the same
  // height in every column, whatever the height of the diagrams above it.
  const grid = root.append('div').attr('class', 'ns-compare')
    
    // CSSOM, not a style attribute: the panel's CSP allows the one and blocks the other.
    .style('grid-template-columns', `repeat(${model.runs.length}, minmax(0, max-content))`);
  const cells = (kind: string) => model.runs.map((_, i) => grid.append('div').attr('class', `ns-cell ns-cell-${kind}`).attr('data-run', String(i)));

  cells('header').forEach((cell, i) => {
    const run = model.runs[i];
    cell.append('h2').text(run.label);
    const notes: string[] = [];
    if (run.result.diverged) notes.push(`Diverged at step ${run.result.diverged.step}: ${run.result.diverged.what} became non-finite.`);
    for (const note of run.result.clamped) notes.push(`Clamped: ${note}`);
    if (run.result.backendNote) notes.push(run.result.backendNote);
    if (run.result.recorded) notes.push(...recordedNotes(run.result.recorded));
    if (notes.length > 0) {
      cell.append('ul').attr('class', 'ns-run-notes').selectAll('li').data(notes).join('li')
        .attr('class', (n) => (n.startsWith('Diverged') ? 'ns-warning' : null)).text((n) => n);
    }
  });
  cells('diagram').forEach((cell, i) => {
    const diagram = model.diagrams[i];
    if (diagram) renderDiagram(cell.node()!, diagram, options);
    else cell.append('p').attr('class', 'ns-empty').text('Placement not recorded: no block diagram.');
  });
  for (const metric of Object.keys(model.heatmaps) as (keyof ComparisonModel['heatmaps'])[]) {
    cells(`heatmap-${metric}`).forEach((cell, i) => renderHeatmap(cell.node()!, model.heatmaps[metric][i]));
  }
  if (options.showConfig) {
    cells('config').forEach((cell, i) => {
      const result = model.runs[i].result;
      const config = (result.recorded ?? result.config) as unknown as Record<string, unknown>;
      const keys: string[] = result.recorded ? RECORDED_KEYS : CONFIG_KEYS;
      const rows = keys.filter((k) => config[k] !== undefined && config[k] !== null).map((k) => [k, String(config[k])]);
      const table = cell.append('table').attr('class', 'ns-config');
      table.append('caption').text(result.recorded ? 'Recorded run (from its header)' : 'Config (re-creates the run exactly)');
      const tr = table.selectAll('tr').data(rows).join('tr');
      tr.append('th').text((r) => r[0]);
      tr.append('td').text((r) => r[1]);
    });
  }

  const shared = root.append('div').attr('class', 'ns-shared');
  renderLineChart(shared.append('div').node()!, model.loss);
  renderLineChart(shared.append('div').node()!, model.theory);
  renderLineChart(shared.append('div').node()!, model.contributionTheory);
  if (model.sumNormTheory) renderLineChart(shared.append('div').node()!, model.sumNormTheory);
  const notes = theoryNotes(model);
  if (notes.length > 0) {
    const box = root.append('div').attr('class', 'ns-theory-notes');
    box.append('h3').text('What the theory lines assume');
    box.append('ul').selectAll('li').data(notes).join('li').text((n) => n);
  }
}

/** Notes every run shares are listed once; the rest carry their run's label. */
export function theoryNotes(model: ComparisonModel): string[] {
  const shared = model.theoryNotes[0]?.filter((note) => model.theoryNotes.every((notes) => notes.includes(note))) ?? [];
  const own = model.runs.flatMap((run, i) => model.theoryNotes[i].filter((n) => !shared.includes(n)).map((n) => `${run.label}: ${n}`));
  return [...shared, ...own];
}
