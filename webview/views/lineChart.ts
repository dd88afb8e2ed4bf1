// Draws a LineChartModel (loss curves, theory overlay) as SVG with a thin d3 join.

import { select } from 'd3-selection';
import type { LineChartModel, LineStyle } from './lineModel';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Longer legend labels are cut with an ellipsis; the full text stays in the entry's tooltip. */
const MAX_LABEL = 54;
const shorten = (label: string): string => (label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label);

const STYLE_CLASS: Record<LineStyle, string> = { solid: 'ns-line', dashed: 'ns-optimal', dotted: 'ns-predicted' };

/** Legend entries flow left to right and wrap; text width is estimated, which is enough for a legend. */
function legendLayout(model: LineChartModel): { x: number; y: number; entry: LineChartModel['legend'][number] }[] {
  const out: { x: number; y: number; entry: LineChartModel['legend'][number] }[] = [];
  let x = model.plot.x;
  let y = model.plot.y + model.plot.height + 42;
  for (const entry of model.legend) {
    const width = 22 + Math.min(entry.label.length, MAX_LABEL) * 6.2 + 14;
    if (x + width > model.width && x > model.plot.x) {
      x = model.plot.x;
      y += 13;
    }
    out.push({ x, y, entry });
    x += width;
  }
  return out;
}

export function renderLineChart(target: Element, model: LineChartModel): SVGSVGElement {
  const rows = legendLayout(model);
  const height = Math.max(model.height, (rows.at(-1)?.y ?? 0) + 8);
  const svg = select(target).selectAll<SVGSVGElement, LineChartModel>(`svg.ns-chart-${model.kind}`).data([model])
    .join((enter) => enter.append(() => target.ownerDocument.createElementNS(SVG_NS, 'svg') as SVGSVGElement))
    // Every overlay also carries `ns-chart-theory`, so a caller can find the theory charts as a family.
    .attr('class', `ns-view ns-chart ns-chart-${model.kind}${model.kind.startsWith('theory-') ? ' ns-chart-theory' : ''}`)
    .attr('width', model.width)
    .attr('height', height)
    .attr('viewBox', `0 0 ${model.width} ${height}`)
    .attr('role', 'img')
    .attr('aria-label', `${model.title}: ${model.legend.map((l) => l.label).join(', ')}`);
  svg.selectChildren().remove();
  const { plot } = model;
  const bottom = plot.y + plot.height;

  svg.append('text').attr('class', 'ns-title').attr('x', plot.x).attr('y', 14).text(model.title);
  svg.append('text').attr('class', 'ns-muted').attr('x', plot.x).attr('y', 27).text(model.subtitle);

  const grid = svg.append('g').attr('class', 'ns-grid');
  grid.selectAll('line').data(model.yTicks).join('line')
    .attr('x1', plot.x).attr('x2', plot.x + plot.width).attr('y1', (t) => t.y).attr('y2', (t) => t.y);

  svg.append('g').attr('class', 'ns-bands').selectAll('path').data(model.bands).join('path')
    .attr('class', (b) => `ns-band ${b.colorClass}`).attr('d', (b) => b.d);
  svg.append('g').attr('class', 'ns-lines').selectAll('path').data(model.lines).join('path')
    .attr('class', (l) => `${STYLE_CLASS[l.style]} ${l.colorClass}`).attr('d', (l) => l.d)
    .append('title').text((l) => l.label);
  const markers = svg.append('g').attr('class', 'ns-markers').selectAll('g').data(model.markers).join('g');
  markers.append('line').attr('class', 'ns-diverged').attr('x1', (m) => m.x).attr('x2', (m) => m.x).attr('y1', plot.y).attr('y2', bottom);
  markers.append('text').attr('x', (m) => m.x - 3).attr('y', plot.y + 10).attr('text-anchor', 'end').text((m) => m.label);

  const x = svg.append('g').attr('class', 'ns-axis ns-x');
  x.append('path').attr('d', `M${plot.x},${bottom}H${plot.x + plot.width}`);
  const xt = x.selectAll('g').data(model.xTicks).join('g').attr('transform', (t) => `translate(${t.x},${bottom})`);
  xt.append('line').attr('y2', 4);
  xt.append('text').attr('y', 14).attr('text-anchor', 'middle').text((t) => t.label);
  x.append('text').attr('class', 'ns-muted').attr('x', plot.x + plot.width).attr('y', bottom + 27).attr('text-anchor', 'end').text(model.xLabel);

  const y = svg.append('g').attr('class', 'ns-axis ns-y');
  y.append('path').attr('d', `M${plot.x},${plot.y}V${bottom}`);
  const yt = y.selectAll('g').data(model.yTicks).join('g').attr('transform', (t) => `translate(${plot.x},${t.y})`);
  yt.append('line').attr('x2', -4);
  yt.append('text').attr('x', -6).attr('dy', '0.32em').attr('text-anchor', 'end').text((t) => t.label);
  y.append('text').attr('class', 'ns-muted').attr('transform', `translate(10,${plot.y + plot.height / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle').text(`${model.yLabel}${model.yLog ? ' (log)' : ''}`);

  const legend = svg.append('g').attr('class', 'ns-legend').selectAll('g').data(rows).join('g')
    .attr('transform', (r) => `translate(${r.x},${r.y})`);
  legend.filter((r) => r.entry.style === 'band').append('rect').attr('class', (r) => `ns-band ${r.entry.colorClass}`)
    .attr('y', -5).attr('width', 18).attr('height', 8);
  legend.filter((r) => r.entry.style !== 'band').append('path')
    .attr('class', (r) => `${STYLE_CLASS[r.entry.style as LineStyle]} ${r.entry.colorClass}`).attr('d', 'M0,-1H18');
  legend.append('title').text((r) => r.entry.label);
  legend.append('text').attr('x', 22).attr('dy', '0.2em').text((r) => shorten(r.entry.label));
  return svg.node()!;
}
