// Minimal SVG renderings used until the views engineer's d3 modules (webview/views/) are wired in:
// a heatmap of one metric (one rect per cell, class `cell`, data-value) and a list-style block diagram.

import type { BlockIR } from '../../src/core/ir/model';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svgElement<K extends keyof SVGElementTagNameMap>(doc: Document, name: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = doc.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** Layers × steps cells coloured on a shared [min, max] scale; opacity carries the value so themes need no palette. */
export function fallbackHeatmap(doc: Document, title: string, matrix: ReadonlyArray<ReadonlyArray<number | null>>, domain: [number, number]): SVGSVGElement {
  const rows = matrix.length;
  const cols = Math.max(0, ...matrix.map((row) => row.length));
  const cell = Math.max(2, Math.min(10, Math.floor(360 / Math.max(1, cols))));
  const svg = svgElement(doc, 'svg', { class: 'ns-view ns-heatmap', width: cols * cell + 40, height: rows * cell + 24, 'data-metric': title });
  const label = svgElement(doc, 'text', { x: 0, y: 12, class: 'ns-title' });
  label.textContent = title;
  svg.append(label);
  const [min, max] = domain;
  matrix.forEach((row, layer) => row.forEach((value, step) => {
    const finite = typeof value === 'number' && Number.isFinite(value);
    const t = finite && max > min ? (value - min) / (max - min) : 0.5;
    svg.append(svgElement(doc, 'rect', {
      class: finite ? 'cell' : 'cell ns-nonfinite', x: 36 + step * cell, y: 18 + layer * cell, width: cell, height: cell,
      'fill-opacity': (0.1 + 0.9 * t).toFixed(3), 'data-value': finite ? value : 'NaN', 'data-layer': layer, 'data-step': step,
    }));
  }));
  return svg;
}

/** The block's elements in source order; each with a source line is clickable. */
export function fallbackDiagram(doc: Document, block: BlockIR, onSelect: (line: number, column: number) => void): HTMLElement {
  const list = doc.createElement('ol');
  list.className = 'ns-diagram-fallback';
  const items: { kind: string; label: string; line: number; column: number }[] = [
    ...block.normDefinitions.map((n) => ({ kind: 'norm', label: `${n.name} = ${n.className}`, line: n.span.line, column: n.span.column })),
    ...block.sublayers.map((s) => ({ kind: 'sublayer', label: `${s.kind} ${s.name} (${s.placement})`, line: s.span.line, column: s.span.column })),
    ...block.normUses.map((n) => ({ kind: 'norm-use', label: `${n.name}(…) · ${n.role}`, line: n.span.line, column: n.span.column })),
  ].sort((a, b) => a.line - b.line || a.column - b.column);
  for (const item of items) {
    const li = doc.createElement('li');
    li.className = `ns-node ns-${item.kind}`;
    li.setAttribute('data-line', String(item.line));
    li.tabIndex = 0;
    li.textContent = `${item.label} — line ${item.line}`;
    li.addEventListener('click', () => onSelect(item.line, item.column));
    list.append(li);
  }
  return list;
}
