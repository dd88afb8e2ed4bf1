// Draws a HeatmapModel as SVG with a thin d3 join: one path per colour, axes, legend, hover readout.

import { select } from 'd3-selection';
import type { Selection } from 'd3-selection';
import { cellAt, formatValue } from './heatmapModel';
import type { HeatmapModel } from './heatmapModel';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Renders (or re-renders in place) the heatmap into `target`, returning its <svg>. */
export function renderHeatmap(target: Element, model: HeatmapModel): SVGSVGElement {
  const svg = select(target).selectAll<SVGSVGElement, HeatmapModel>('svg.ns-heatmap').data([model])
    .join((enter) => enter.append(() => target.ownerDocument.createElementNS(SVG_NS, 'svg') as SVGSVGElement))
    .attr('class', 'ns-view ns-heatmap')
    .attr('width', model.width)
    .attr('height', model.height)
    .attr('viewBox', `0 0 ${model.width} ${model.height}`)
    .attr('role', 'img')
    .attr('aria-label', `${model.title}${model.subtitle ? `, ${model.subtitle}` : ''}: ${model.rows} layers × ${model.cols} steps`)
    .attr('data-metric', model.metric);
  svg.selectChildren().remove();

  svg.append('text').attr('class', 'ns-title').attr('x', model.plot.x).attr('y', 14).text(model.title);
  svg.append('text').attr('class', 'ns-muted').attr('x', model.plot.x).attr('y', 27)
    .text(`${model.subtitle ? `${model.subtitle} · ` : ''}${model.unit}`);

  const cells = svg.append('g').attr('class', 'ns-cells').attr('shape-rendering', 'crispEdges');
  cells.selectAll('path.ns-level').data(model.paths).join('path')
    .attr('class', 'ns-level')
    .attr('d', (p) => p.d)
    .attr('fill', (p) => p.color);
  if (model.image) {
    cells.append('image')
      .attr('x', model.image.x).attr('y', model.image.y)
      .attr('width', model.image.width).attr('height', model.image.height)
      .attr('preserveAspectRatio', 'none')
      .attr('href', model.image.href);
  }
  if (model.nonFinitePath) {
    cells.append('path').attr('class', 'ns-nonfinite').attr('d', model.nonFinitePath);
  }

  drawAxes(svg, model);
  drawLegend(svg, model);
  attachReadout(svg, model);
  return svg.node()!;
}

function drawAxes(svg: Selection<SVGSVGElement, HeatmapModel, Element, unknown>, model: HeatmapModel): void {
  const { plot } = model;
  const bottom = plot.y + plot.height;
  const x = svg.append('g').attr('class', 'ns-axis ns-x');
  x.append('path').attr('d', `M${plot.x},${bottom}H${plot.x + plot.width}`);
  const xt = x.selectAll('g').data(model.xTicks).join('g').attr('transform', (t) => `translate(${t.x},${bottom})`);
  xt.append('line').attr('y2', 4);
  xt.append('text').attr('y', 14).attr('text-anchor', 'middle').text((t) => t.label);
  x.append('text').attr('class', 'ns-muted').attr('x', plot.x + plot.width).attr('y', bottom + 14).attr('text-anchor', 'end')
    .attr('dy', 12).text('step');

  const y = svg.append('g').attr('class', 'ns-axis ns-y');
  y.append('path').attr('d', `M${plot.x},${plot.y}V${bottom}`);
  const yt = y.selectAll('g').data(model.yTicks).join('g').attr('transform', (t) => `translate(${plot.x},${t.y})`);
  yt.append('line').attr('x2', -4);
  yt.append('text').attr('x', -6).attr('dy', '0.32em').attr('text-anchor', 'end').text((t) => t.label);
  y.append('text').attr('class', 'ns-muted').attr('transform', `translate(10,${plot.y + plot.height / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle').text('layer');
}

function drawLegend(svg: Selection<SVGSVGElement, HeatmapModel, Element, unknown>, model: HeatmapModel): void {
  const { legend } = model;
  const g = svg.append('g').attr('class', 'ns-legend').attr('shape-rendering', 'crispEdges');
  g.append('image').attr('class', 'ns-legend-ramp')
    .attr('x', legend.x).attr('y', legend.y).attr('width', legend.width).attr('height', legend.height)
    .attr('preserveAspectRatio', 'none').attr('href', legend.href);
  const ticks = g.selectAll('g').data(legend.ticks).join('g').attr('class', 'ns-axis')
    .attr('transform', (t) => `translate(${t.x},${legend.y + legend.height})`);
  ticks.append('line').attr('y2', 3);
  ticks.append('text').attr('y', 12).attr('text-anchor', 'middle').text((t) => t.label);
  if (model.nonFiniteCount > 0) {
    const x = legend.x + legend.width + 14;
    g.append('rect').attr('class', 'ns-nonfinite').attr('x', x).attr('y', legend.y).attr('width', 8).attr('height', legend.height);
    g.append('text').attr('x', x + 11).attr('y', legend.y + 7).text(`non-finite (${model.nonFiniteCount})`);
  }
}

/** Shows the value under the pointer; the model's cellAt does the arithmetic. */
function attachReadout(svg: Selection<SVGSVGElement, HeatmapModel, Element, unknown>, model: HeatmapModel): void {
  const readout = svg.append('text').attr('class', 'ns-readout ns-muted')
    .attr('x', model.plot.x + model.plot.width).attr('y', 14).attr('text-anchor', 'end');
  svg.on('pointermove', (event: PointerEvent) => {
    const box = (svg.node() as SVGSVGElement).getBoundingClientRect();
    const scaleX = box.width > 0 ? model.width / box.width : 1;
    const scaleY = box.height > 0 ? model.height / box.height : 1;
    const cell = cellAt(model, (event.clientX - box.left) * scaleX, (event.clientY - box.top) * scaleY);
    readout.text(cell ? `layer ${cell.layer} · step ${cell.step} · ${cell.value === null ? '—' : formatValue(cell.value)}` : '');
  });
  svg.on('pointerleave', () => readout.text(''));
}
