// The block graph: one transformer block as a dataflow graph of norms, sublayers, residual adds and
// scales, each node pointing back at the source it stands for. The diagram views draw this and only this.

import type { Placement, Span } from '../ir/model';

export type GraphNodeKind = 'input' | 'norm' | 'sublayer' | 'add' | 'scale' | 'final-norm' | 'output'
  /** The dilution cures: a learned mix over depth or over streams (AttnRes, DenseFormer, hyper-connections). */
  | 'mix'
  /** An earlier layer's output (or the embedding) that reaches this block across depth. */
  | 'earlier';

/**
 * `stream` nodes sit on the residual stream itself (input, adds, norms of the sum, DeepNorm's α);
 * `branch` nodes sit on a sublayer's branch (its norms, the sublayer, a ReZero gate).
 */
export type GraphLane = 'stream' | 'branch';

export interface GraphNode {
  /** Unique within the graph; stable for the same block so views can key their joins on it. */
  id: string;
  kind: GraphNodeKind;
  /** Short text drawn in the node (`LayerNorm ln_1`, `attn`, `+`, `× α = 2.21`). */
  label: string;
  /** One sentence on what the node does to the stream, for tooltips. */
  detail: string;
  lane: GraphLane;
  /** Where the element is used in forward/__call__ (or defined, when no use was found); null when implied. */
  span: Span | null;
  /** Where the module is defined (`self.ln_1 = nn.LayerNorm(d)`), when known. */
  definitionSpan: Span | null;
  /** Index into BlockGraph.groups: which block kind the node belongs to (Mix-LN draws two). */
  group: number;
  /**
   * Layout hints for blocks with more than one stream: the node's column in column widths from the centre
   * (negative: left, where earlier layers' outputs stand), and the row it may not sit above.
   */
  column?: number;
  rank?: number;
}

/**
 * `stream`: the residual stream flowing on; `branch`: into, along or out of a sublayer branch;
 * `skip`: the residual connection that carries the stream around a branch to its add; `depth` and `lane`
 * as below.
 */
export type GraphEdgeKind = 'stream' | 'branch' | 'skip'
  /** From an earlier layer's output across depth (AttnRes, DenseFormer), drawn with an arrowhead. */
  | 'depth'
  /** Along one of several parallel streams (hyper-connections' lanes, ResiDual's second stream). */
  | 'lane';

export interface GraphEdge {
  from: string;
  to: string;
  kind: GraphEdgeKind;
}

export interface GraphGroup {
  /** `Pre-LN block`, `blocks 1–3: Post-LN`, … */
  title: string;
  placement: Placement;
}

export interface BlockGraph {
  /** The block class name (or config model_type). */
  name: string;
  /** The placement as the analyzer classified it. */
  placement: Placement;
  /** The placement drawn: the default reading for `conditional`, `placement` otherwise. */
  reading: Placement;
  /** The block equation of DESIGN.md for the reading, one line. */
  equation: string;
  /** Nodes in a topological order of the dataflow (every edge goes from an earlier to a later node). */
  nodes: GraphNode[];
  edges: GraphEdge[];
  groups: GraphGroup[];
  /** Things the drawing cannot say by itself: the flag of a conditional block, implied elements, β. */
  notes: string[];
  /** Set instead of nodes when there is nothing to draw (`unknown`): a plain sentence for the user. */
  message: string | null;
}
