// The primitives every block graph is assembled with: the builder state, nodes and edges, a norm or
// sublayer node carrying its source spans, and the sublayers implied when the source showed none.

import type { BlockIR, NormType, Span, SublayerIR, SublayerKind } from '../ir/model';
import type { BlockGraph, GraphEdgeKind, GraphLane, GraphNode, GraphNodeKind } from './types';

const NORM_TITLES: Record<NormType, string> = { layernorm: 'LayerNorm', rmsnorm: 'RMSNorm', other: 'Norm' };

/** Mutable state while a graph is assembled: node list, edges, and the node that holds the stream. */
export interface Builder {
  block: BlockIR;
  graph: BlockGraph;
  stream: string;
  group: number;
  counter: number;
}

export function impliedSublayers(block: BlockIR): SublayerIR[] {
  const kinds: [SublayerKind, string][] = [['attention', 'attention'], ['mlp', 'mlp']];
  return kinds.map(([kind, name]) => ({
    kind, name, placement: block.placement, line: block.line, span: block.span, norms: [], reason: 'implied',
  }));
}

export function normTitle(block: BlockIR, name: string | null): string {
  const definition = name ? block.normDefinitions.find((d) => d.name === name) : undefined;
  return NORM_TITLES[definition?.type ?? block.norm ?? 'other'];
}

/** A norm node; an empty name stands for a norm the placement implies but the source did not show. */
export function addNormNode(builder: Builder, name: string | null, lane: GraphLane, detail: string): string {
  const block = builder.block;
  const title = normTitle(block, name || null);
  if (!name) {
    return addNode(builder, 'norm', title, lane, `${detail} (Implied by the placement; not found in the source.)`, null, null);
  }
  const definition = block.normDefinitions.find((d) => d.name === name) ?? null;
  const use = block.normUses.find((u) => u.name === name) ?? null;
  return addNode(builder, 'norm', `${title} ${name}`, lane, detail, use?.span ?? definition?.span ?? null, definition?.span ?? null);
}

export function addSublayerNode(builder: Builder, sublayer: SublayerIR): string {
  const what = sublayer.kind === 'attention' ? 'Attention' : sublayer.kind === 'mlp' ? 'MLP' : 'Sublayer';
  const implied = sublayer.reason === 'implied';
  return addNode(builder, 'sublayer', implied ? what : sublayer.name, 'branch',
    `${what} ${implied ? '(implied)' : sublayer.name}: the branch F whose output is added to the stream.`,
    implied ? null : sublayer.span, null);
}

export function addNode(
  builder: Builder, kind: GraphNodeKind, label: string, lane: GraphLane, detail: string,
  span: Span | null, definitionSpan: Span | null,
): string {
  const id = `g${builder.group}-${kind}-${builder.counter++}`;
  const node: GraphNode = { id, kind, label, detail, lane, span, definitionSpan, group: builder.group };
  builder.graph.nodes.push(node);
  return id;
}

export function addEdge(builder: Builder, from: string, to: string, kind: GraphEdgeKind): void {
  builder.graph.edges.push({ from, to, kind });
}

/** Pins a node to a column (in column widths from the centre; negative is left) and a lowest row. */
export function place(builder: Builder, id: string, column: number, rank?: number): string {
  const node = builder.graph.nodes.find((n) => n.id === id);
  if (node) {
    node.column = column;
    if (rank !== undefined) node.rank = rank;
  }
  return id;
}
