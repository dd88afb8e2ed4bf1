// Renders a ComparisonModel into HTML: one column per run (diagram, heatmaps, divergence and clamping
// notes, optionally the config), then the loss curves and the theory overlay across all runs.

import { select } from 'd3-selection';
import type { ProbeConfig } from '../../src/core/probe/types';
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

export function renderComparison(target: HTMLElement, model: ComparisonModel, options: ComparisonViewOptions = {}): void {
  const root = select(target);
  root.selectChildren().remove();
  const grid = root.append('div').attr('class', 'ns-compare')
    .attr('style', `grid-template-columns: repeat(${model.runs.length}, minmax(0, max-content))`);
  model.runs.forEach((run, i) => {
    const column = grid.append('section').attr('class', 'ns-run').attr('data-run', String(i));
    column.append('h2').text(run.label);
    const notes: string[] = [];
    if (run.result.diverged) notes.push(`Diverged at step ${run.result.diverged.step}: ${run.result.diverged.what} became non-finite.`);
    for (const note of run.result.clamped) notes.push(`Clamped: ${note}`);
    if (run.result.backendNote) notes.push(run.result.backendNote);
    if (notes.length > 0) {
      column.append('ul').attr('class', 'ns-run-notes').selectAll('li').data(notes).join('li')
        .attr('class', (n) => (n.startsWith('Diverged') ? 'ns-warning' : null)).text((n) => n);
    }
    renderDiagram(column.append('div').attr('class', 'ns-diagram-box').node()!, model.diagrams[i], options);
    for (const metric of Object.keys(model.heatmaps) as (keyof ComparisonModel['heatmaps'])[]) {
      renderHeatmap(column.append('div').attr('class', 'ns-heatmap-box').node()!, model.heatmaps[metric][i]);
    }
    if (options.showConfig) {
      const config = run.result.config as unknown as Record<string, unknown>;
      const rows = CONFIG_KEYS.filter((k) => config[k] !== undefined).map((k) => [k, String(config[k])]);
      const table = column.append('table').attr('class', 'ns-config');
      table.append('caption').text('Config (re-creates the run exactly)');
      const tr = table.selectAll('tr').data(rows).join('tr');
      tr.append('th').text((r) => r[0]);
      tr.append('td').text((r) => r[1]);
    }
  });
  const shared = root.append('div').attr('class', 'ns-shared');
  renderLineChart(shared.append('div').node()!, model.loss);
  const theory = shared.append('div').node()!;
  renderLineChart(theory, model.theory);
  if (model.theory.bands.length === 0 && !model.theory.lines.some((l) => l.style === 'dotted')) {
    select(theory).append('p').attr('class', 'ns-muted').text('No theory prediction was supplied for these runs; the measured lines are shown alone.');
  }
}
