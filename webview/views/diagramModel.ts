// Lays out a BlockGraph for drawing: rows by longest path (so parallel branches share a row), the
// residual skip routed around the branch on the right, group boxes for Mix-LN's two block kinds. Pure.

import type { BlockGraph, GraphEdgeKind, GraphNodeKind } from '../../src/core/graph/types';
import { PLACEMENT_TITLES } from '../../src/core/graph/placementInfo';

export interface DiagramNode {
  id: string;
  kind: GraphNodeKind;
  label: string;
  detail: string;
  /** 1-based source line for click-to-reveal; null when the element is implied. */
  line: number | null;
  shape: 'rect' | 'circle';
  /** Centre and size. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DiagramEdge {
  from: string;
  to: string;
  kind: GraphEdgeKind;
  d: string;
}

export interface DiagramModel {
  title: string;
  equation: string;
  width: number;
  height: number;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  groups: { title: string; x: number; y: number; width: number; height: number }[];
  notes: string[];
  message: string | null;
}

const ROW_GAP = 46;
const COL_GAP = 128;
const TOP = 44;
const CHAR_WIDTH = 6.3;
const round = (v: number): number => Math.round(v * 100) / 100;

export function buildDiagramModel(graph: BlockGraph): DiagramModel {
  const title = `${graph.name} · ${PLACEMENT_TITLES[graph.reading]}${graph.placement === 'conditional' ? ' (default reading)' : ''}`;
  if (graph.message !== null || graph.nodes.length === 0) {
    return { title, equation: '', width: 320, height: 40, nodes: [], edges: [], groups: [], notes: graph.notes, message: graph.message ?? 'Nothing to draw.' };
  }
  // Longest-path layering: a node sits one row below the lowest of its inputs.
  const depth = new Map<string, number>();
  for (const node of graph.nodes) {
    const preds = graph.edges.filter((e) => e.to === node.id).map((e) => depth.get(e.from) ?? 0);
    depth.set(node.id, Math.max(preds.length ? Math.max(...preds) + 1 : 0, node.rank ?? 0));
  }
  const rows = new Map<number, typeof graph.nodes>();
  for (const node of graph.nodes) {
    const d = depth.get(node.id)!;
    rows.set(d, [...(rows.get(d) ?? []), node]);
  }
  const hasGroups = graph.groups.length > 1;
  const left = hasGroups ? 150 : 40;
  const centre = left + COL_GAP;
  const nodes: DiagramNode[] = [];
  for (const [d, members] of rows) {
    // Branch nodes take the centre column; a stream node beside them (DeepNorm's α) goes to the right.
    // Nodes pinned to a column (the cures' lanes and depth lists) stand there; the rest share the row as before.
    const ordered = members.filter((n) => n.column === undefined).sort((a, b) => (a.lane === b.lane ? 0 : a.lane === 'branch' ? -1 : 1));
    const pinned = members.filter((n) => n.column !== undefined);
    [...ordered, ...pinned].forEach((node, i) => {
      const round_ = node.kind === 'add' || node.kind === 'input' || node.kind === 'output';
      const size = node.kind === 'add' ? 18 : 10;
      const x = node.column !== undefined ? centre + node.column * COL_GAP : centre + (i - (ordered.length - 1) / 2) * COL_GAP;
      nodes.push({
        id: node.id,
        kind: node.kind,
        label: node.label,
        detail: node.detail,
        line: node.span && node.span.line > 0 ? node.span.line : null,
        shape: round_ ? 'circle' : 'rect',
        x: round(x),
        y: TOP + d * ROW_GAP,
        width: round_ ? size : round(Math.max(64, node.label.length * CHAR_WIDTH + 16)),
        height: round_ ? size : 24,
      });
    });
  }
  if (graph.nodes.some((n) => n.column !== undefined)) {
    // Columns left of the centre: move everything right until the leftmost node clears the margin.
    const shift = Math.max(0, left - Math.min(...nodes.map((n) => n.x - n.width / 2 - (n.kind === 'input' ? 24 : 0))));
    for (const node of nodes) node.x = round(node.x + shift);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const order = new Map(graph.nodes.map((n, i) => [n.id, i]));
  nodes.sort((a, b) => order.get(a.id)! - order.get(b.id)!);

  // Arrows across depth gather on one vertical bus per target, left of it, each target's bus further left.
  const depthTargets = [...new Set(graph.edges.filter((e) => e.kind === 'depth').map((e) => e.to))];
  const edges = graph.edges.map((edge) => {
    const from = byId.get(edge.from)!;
    const to = byId.get(edge.to)!;
    const d = edge.kind === 'depth' ? depthPath(from, to, depthTargets.indexOf(edge.to), nodes) : edgePath(from, to, edge.kind, nodes);
    return { from: edge.from, to: edge.to, kind: edge.kind, d };
  });

  const maxRight = Math.max(...nodes.map((n) => n.x + n.width / 2), ...edges.map((e) => sideOf(e.d)));
  const bottom = Math.max(...nodes.map((n) => n.y + n.height / 2));
  const groups = hasGroups ? graph.groups.map((group, index) => {
    const members = graph.nodes.filter((n) => n.group === index).map((n) => byId.get(n.id)!);
    const top = Math.min(...members.map((n) => n.y - n.height / 2)) - 10;
    const end = Math.max(...members.map((n) => n.y + n.height / 2)) + 10;
    return { title: group.title, x: 8, y: round(top), width: round(maxRight + 16 - 8), height: round(end - top) };
  }) : [];
  return {
    // Wide enough for the title and the equation line too, which are drawn as single SVG text lines.
    title, equation: graph.equation,
    width: round(Math.max(maxRight + 24, 300, 16 + Math.max(title.length * 7, graph.equation.length * CHAR_WIDTH))),
    height: round(bottom + 20),
    nodes, edges, groups, notes: graph.notes, message: null,
  };
}

/** The x of the vertical run of a routed skip path (0 for others), so the width can include it. */
function sideOf(d: string): number {
  const match = /H([\d.]+)V/.exec(d);
  return match ? Number(match[1]) : 0;
}

function edgePath(from: DiagramNode, to: DiagramNode, kind: GraphEdgeKind, nodes: DiagramNode[]): string {
  const sy = from.y + from.height / 2;
  const ty = to.y - to.height / 2;
  if (kind === 'lane' && Math.abs(from.x - to.x) < 1) {
    // A lane runs straight down its column, or around the left of whatever stands in it.
    const inColumn = nodes.filter((n) => n.y > from.y && n.y < to.y && Math.abs(n.x - from.x) < 1);
    if (inColumn.length === 0) return `M${from.x},${sy}V${ty}`;
    const side = round(Math.min(from.x - from.width / 2, to.x - to.width / 2, ...inColumn.map((n) => n.x - n.width / 2)) - 18);
    return `M${round(from.x - from.width / 2)},${from.y}H${side}V${to.y}H${round(to.x - to.width / 2)}`;
  }
  if (kind === 'skip' || (kind !== 'lane' && Math.abs(from.x - to.x) < 1 && to.y - from.y > ROW_GAP * 1.5)) {
    // The residual path runs down the right of everything between the fork and the add.
    const between = nodes.filter((n) => n.y > from.y && n.y < to.y);
    const side = round(Math.max(from.x + from.width / 2, ...between.map((n) => n.x + n.width / 2)) + 22);
    return `M${round(from.x + from.width / 2)},${from.y}H${side}V${to.y}H${round(to.x + to.width / 2)}`;
  }
  if (Math.abs(from.x - to.x) < 1) return `M${from.x},${sy}V${ty}`;
  const mid = round((sy + ty) / 2);
  return `M${from.x},${sy}C${from.x},${mid} ${to.x},${mid} ${to.x},${ty}`;
}

/** An arrow from an earlier output: to the target's bus, down it, and into the target's left side. */
function depthPath(from: DiagramNode, to: DiagramNode, busIndex: number, nodes: DiagramNode[]): string {
  const directlyAbove = Math.abs(from.x - to.x) < 1 && to.y - from.y <= ROW_GAP * 1.01;
  if (directlyAbove) return `M${from.x},${from.y + from.height / 2}V${to.y - to.height / 2}`;
  const between = nodes.filter((n) => n.y >= from.y && n.y <= to.y && n.x <= to.x + 1 && n.x > from.x + from.width / 2);
  const leftOfFlow = Math.min(to.x - to.width / 2, ...between.map((n) => n.x - n.width / 2));
  const bus = round(leftOfFlow - 14 - 9 * busIndex);
  if (from.x > bus) {
    // An earlier output in the flow itself (the block's input): leave downwards, then to the bus.
    const drop = round(from.y + from.height / 2 + 8);
    return `M${from.x},${from.y + from.height / 2}V${drop}H${bus}V${to.y}H${round(to.x - to.width / 2)}`;
  }
  return `M${round(from.x + from.width / 2)},${from.y}H${bus}V${to.y}H${round(to.x - to.width / 2)}`;
}
