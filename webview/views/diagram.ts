// Draws a DiagramModel: the block as a vertical flow with the residual path on the side; nodes with a
// source line carry data-line and call onSelect when clicked (or activated by keyboard).

import { select } from 'd3-selection';
import type { DiagramModel, DiagramNode } from './diagramModel';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface DiagramOptions {
  /** Called with the node the user clicked; the panel reveals node.line in the editor. */
  onSelect?: (node: DiagramNode) => void;
}

/** Renders the diagram and its notes into `target` (replacing a previous rendering there). */
export function renderDiagram(target: Element, model: DiagramModel, options: DiagramOptions = {}): SVGSVGElement {
  const doc = target.ownerDocument;
  const root = select(target);
  root.selectAll('.ns-diagram, .ns-diagram-notes').remove();
  const svg = root.append(() => doc.createElementNS(SVG_NS, 'svg') as SVGSVGElement)
    .attr('class', 'ns-view ns-diagram')
    .attr('width', model.width)
    .attr('height', model.height)
    .attr('viewBox', `0 0 ${model.width} ${model.height}`)
    .attr('role', 'img')
    .attr('aria-label', `${model.title}: ${model.equation || model.message}`);

  svg.append('text').attr('class', 'ns-title').attr('x', 8).attr('y', 14).text(model.title);
  if (model.message !== null) {
    svg.append('text').attr('class', 'ns-muted').attr('x', 8).attr('y', 30).text('Placement not recognised; see the note below.');
  } else {
    svg.append('text').attr('class', 'ns-muted').attr('x', 8).attr('y', 28).text(model.equation);
  }

  const groups = svg.append('g').attr('class', 'ns-groups').selectAll('g').data(model.groups).join('g');
  groups.append('rect').attr('class', 'ns-group-box').attr('x', (g) => g.x).attr('y', (g) => g.y)
    .attr('width', (g) => g.width).attr('height', (g) => g.height).attr('rx', 6);
  groups.append('text').attr('class', 'ns-group-title').attr('x', (g) => g.x + 6).attr('y', (g) => g.y + 14).text((g) => g.title);

  // Arrows across depth (AttnRes, DenseFormer) end in an arrowhead; the marker is defined only where used.
  const hasDepth = model.edges.some((e) => e.kind === 'depth');
  if (hasDepth) {
    svg.append('defs').append('marker').attr('id', 'ns-arrow').attr('viewBox', '0 0 8 8').attr('refX', 7).attr('refY', 4)
      .attr('markerWidth', 7).attr('markerHeight', 7).attr('orient', 'auto-start-reverse')
      .append('path').attr('class', 'ns-arrowhead').attr('d', 'M0,0L8,4L0,8Z');
  }
  svg.append('g').attr('class', 'ns-edges').selectAll('path').data(model.edges).join('path')
    .attr('class', (e) => `ns-edge ns-${e.kind}`)
    .attr('d', (e) => e.d)
    .attr('marker-end', (e) => (e.kind === 'depth' ? 'url(#ns-arrow)' : null));

  const nodes = svg.append('g').attr('class', 'ns-nodes').selectAll<SVGGElement, DiagramNode>('g').data(model.nodes, (n) => n.id).join('g')
    .attr('class', (n) => `ns-node ns-${n.kind}`)
    .attr('data-id', (n) => n.id)
    .attr('data-line', (n) => (n.line === null ? null : String(n.line)))
    .attr('tabindex', (n) => (n.line === null ? null : '0'))
    .attr('transform', (n) => `translate(${n.x},${n.y})`);
  nodes.append('title').text((n) => (n.line === null ? n.detail : `${n.detail} (line ${n.line})`));
  nodes.filter((n) => n.shape === 'rect').append('rect')
    .attr('x', (n) => -n.width / 2).attr('y', (n) => -n.height / 2)
    .attr('width', (n) => n.width).attr('height', (n) => n.height).attr('rx', 4);
  nodes.filter((n) => n.shape === 'circle').append('circle').attr('r', (n) => n.width / 2);
  nodes.filter((n) => n.shape === 'rect' || n.kind === 'add').append('text')
    .attr('text-anchor', 'middle').attr('dy', '0.35em').text((n) => n.label);
  nodes.filter((n) => n.kind === 'input' || n.kind === 'output').append('text')
    .attr('x', -10).attr('dy', '0.35em').attr('text-anchor', 'end').text((n) => n.label);

  if (options.onSelect) {
    const onSelect = options.onSelect;
    nodes.filter((n) => n.line !== null)
      .on('click', (_event: Event, n) => onSelect(n))
      .on('keydown', (event: KeyboardEvent, n) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onSelect(n);
        }
      });
  }

  const notes = [...(model.message !== null ? [model.message] : []), ...model.notes];
  if (notes.length > 0) {
    root.append('ul').attr('class', 'ns-diagram-notes').selectAll('li').data(notes).join('li').text((n) => n);
  }
  return svg.node()!;
}
