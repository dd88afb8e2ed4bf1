// Draws a SweepViewModel: the three charts (the line chart's renderer, with a dot per run and a sentence
// where a chart has nothing to draw), the block of each placement, the placements that could not be
// probed, and the numbers as a table.

import { select } from 'd3-selection';
import { renderDiagram } from './diagram';
import { renderLineChart } from './lineChart';
import type { SweepChartModel, SweepViewModel } from './sweepModel';

/** One chart: lines, bands and legend as every line chart, then the dots and the empty note on top. */
export function renderSweepChart(target: Element, model: SweepChartModel): SVGSVGElement {
  const svg = renderLineChart(target, model);
  const root = select(svg);
  root.append('g').attr('class', 'ns-points').selectAll('circle').data(model.points).join('circle')
    .attr('class', (p) => `ns-point ${p.stalled ? 'ns-point-stalled ' : p.hollow ? 'ns-point-hollow ' : ''}${p.colorClass}`)
    .attr('cx', (p) => p.x).attr('cy', (p) => p.y).attr('r', 3)
    .append('title').text((p) => p.label);
  if (model.empty !== null) {
    root.append('text').attr('class', 'ns-muted ns-empty-chart').attr('x', model.plot.x + model.plot.width / 2)
      .attr('y', model.plot.y + model.plot.height / 2).attr('text-anchor', 'middle').text(model.empty);
  }
  return svg;
}

/** The whole sweep into `target`, replacing a previous rendering there. */
export function renderSweep(target: Element, model: SweepViewModel): void {
  const doc = target.ownerDocument;
  const root = select(target);
  root.selectAll('.ns-sweep').remove();
  const section = root.append('section').attr('class', 'ns-sweep');
  const charts = section.append('div').attr('class', 'ns-shared');
  for (const chart of model.charts) renderSweepChart(charts.append('div').attr('class', 'ns-sweep-chart').node()!, chart);
  const blocks = section.append('div').attr('class', 'ns-shared ns-sweep-diagrams');
  for (const diagram of model.diagrams) renderDiagram(blocks.append('div').node()!, diagram);
  if (model.missing.length > 0) {
    section.append('ul').attr('class', 'ns-run-notes ns-sweep-missing').selectAll('li').data(model.missing).join('li').text((m) => m);
  }
  const table = section.append(() => doc.createElement('table')).attr('class', 'ns-config ns-sweep-table');
  const stalled = model.table.stalled.some((row) => row.some(Boolean));
  table.append('caption').text(`The numbers (* stopped before its last step${stalled ? '; greyed: stalled on the unigram plateau, so its layer importance is not depth use' : ''})`);
  table.append('thead').append('tr').selectAll('th').data(model.table.header).join('th').text((h) => h);
  table.append('tbody').selectAll('tr').data(model.table.rows).join('tr')
    .selectAll('td').data((row, r) => row.map((text, c) => ({ text, stalled: model.table.stalled[r]?.[c] ?? false }))).join('td')
    .attr('class', (cell) => (cell.stalled ? 'ns-stalled-cell' : null)).text((cell) => cell.text);
}
