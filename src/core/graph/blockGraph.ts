// Builds the BlockGraph of one analysed block: norms, sublayers, adds and scales wired per placement
// (the block equations of ../shared/DESIGN.md), each node carrying the Span of the code it stands for.

import { DILUTION_CURES } from '../ir/model';
import type { BlockIR, DilutionCure, NormUse, Placement, SublayerIR } from '../ir/model';
import type { BlockGraph, GraphEdgeKind } from './types';
import type { Builder } from './graphBuilder';
import { addEdge, addNode, addNormNode, addSublayerNode, impliedSublayers, normTitle } from './graphBuilder';
import { addVariantSublayers, cureWantsFinalNorm } from './variantGraph';
import {
  PLACEMENT_EQUATIONS, PLACEMENT_TITLES, PRE_STYLE, deepnormAlpha, deepnormBeta,
} from './placementInfo';

/** The placements one sublayer can be drawn with (the block-level ones resolved away). */
type DrawnPlacement = Exclude<Placement, 'mixed' | 'conditional' | 'unknown'>;
const DRAWN = new Set<Placement>(['pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none']);

/** Where each of a sublayer's norms acts, once resolved from the analyzer's uses or by position. */
interface SublayerNorms {
  input: string[];
  output: string | null;
  sum: string | null;
}

/** Options a caller knows that the IR does not carry. */
export interface BlockGraphOptions {
  /** Draw the `none` placement with ReZero's gate (also inferred from the analyzer's reason). */
  rezero?: boolean;
}

/** Builds the dataflow graph of one block; never throws, and says in `message` when there is nothing to draw. */
export function buildBlockGraph(block: BlockIR, options: BlockGraphOptions = {}): BlockGraph {
  const graph: BlockGraph = {
    name: block.name,
    placement: block.placement,
    reading: block.placement,
    equation: PLACEMENT_EQUATIONS[block.placement],
    nodes: [],
    edges: [],
    groups: [],
    notes: [],
    message: null,
  };
  const reading = resolveReading(block, graph);
  if (reading === 'unknown') {
    graph.message = `NormScope could not tell where the norms of ${block.name} sit: ${block.reason || 'no reason given'}.`;
    return graph;
  }
  graph.reading = reading;
  graph.equation = PLACEMENT_EQUATIONS[reading];
  const builder: Builder = { block, graph, stream: '', group: 0, counter: 0 };
  builder.stream = addNode(builder, 'input', 'x', 'stream', 'The residual stream entering the block.', null, null);

  let sublayers = block.sublayers;
  if (sublayers.length === 0) {
    sublayers = impliedSublayers(block);
    graph.notes.push('The sublayers were not found in the source; the usual attention and MLP are drawn.');
  }
  const rezero = options.rezero ?? /rezero|resweight/i.test(block.reason);

  if (isCure(reading)) {
    graph.groups.push({ title: `${PLACEMENT_TITLES[reading]} block`, placement: reading });
    addVariantSublayers(builder, reading, sublayers);
  } else if (reading === 'mixed' && !hasDistinctSublayerPlacements(sublayers)) {
    const post = block.mixed?.postBlocks;
    const postTitle = post != null ? `blocks 1–${post}: Post-LN` : 'first ⌊ρL⌋ blocks: Post-LN';
    const preTitle = post != null ? `blocks ${post + 1}–${block.layers ?? 'L'}: Pre-LN` : 'remaining blocks: Pre-LN';
    graph.groups.push({ title: postTitle, placement: 'post' }, { title: preTitle, placement: 'pre' });
    if (block.mixed?.expression) graph.notes.push(`Post-LN block count: ${block.mixed.expression}.`);
    addSublayers(builder, sublayers, () => 'post', true, rezero);
    builder.group = 1;
    addSublayers(builder, sublayers, () => 'pre', true, rezero);
  } else {
    graph.groups.push({ title: `${PLACEMENT_TITLES[reading]} block`, placement: reading });
    const forced = block.placement === 'conditional';
    const pick = (sublayer: SublayerIR): DrawnPlacement =>
      !forced && DRAWN.has(sublayer.placement) ? (sublayer.placement as DrawnPlacement) : fallbackPlacement(reading);
    addSublayers(builder, sublayers, pick, forced, rezero);
  }

  const wantsFinal = PRE_STYLE.has(reading) || reading === 'post-sublayer' || (isCure(reading) && cureWantsFinalNorm(reading));
  // ResiDual's final norm is the one on its un-normalised stream, drawn with that stream.
  if (block.finalNorm === true && reading !== 'residual') {
    const use = block.normUses.find((u) => u.role === 'final') ?? null;
    const definition = use ? block.normDefinitions.find((d) => d.name === use.name) ?? null : null;
    const label = `${normTitle(block, use?.name ?? null)}${use ? ` ${use.name}` : ''}`.trim();
    const id = addNode(builder, 'final-norm', label, 'stream',
      'The final norm before the head: the only place the growing pre-norm stream is normalised.',
      use?.span ?? definition?.span ?? null, definition?.span ?? null);
    addEdge(builder, builder.stream, id, 'stream');
    builder.stream = id;
  } else if (block.finalNorm === null && wantsFinal) {
    graph.notes.push('No model class stacking the blocks was found, so whether a final norm precedes the head is unknown.');
  } else if (block.finalNorm === false && wantsFinal) {
    graph.notes.push('No final norm before the head: the grown pre-norm stream reaches the output unnormalised.');
  }
  const output = addNode(builder, 'output', 'x′', 'stream', 'The residual stream leaving the block.', null, null);
  addEdge(builder, builder.stream, output, 'stream');
  return graph;
}

/** The placement to draw: the default reading of a conditional block, with its flag written down. */
function resolveReading(block: BlockIR, graph: BlockGraph): Placement {
  if (block.placement !== 'conditional') return block.placement;
  const flag = block.flag;
  if (!flag) {
    graph.notes.push('The placement depends on a flag the analyzer could not name.');
    return 'unknown';
  }
  const keys = Object.keys(flag.placements);
  const defaultKey = flag.default === null ? null : typeof flag.default === 'boolean'
    ? (flag.default ? 'True' : 'False') : String(flag.default);
  const key = defaultKey !== null && defaultKey in flag.placements ? defaultKey : keys[0];
  if (key === undefined) {
    graph.notes.push(`The placement depends on \`${flag.name}\`, whose readings are unknown.`);
    return 'unknown';
  }
  const readings = keys.map((k) => `${flag.name}=${k} → ${PLACEMENT_TITLES[flag.placements[k]]}`).join('; ');
  graph.notes.push(
    defaultKey === key
      ? `Drawn with \`${flag.name}\` at its default ${key} (${readings}).`
      : `\`${flag.name}\` has no usable default; drawn with ${key} (${readings}).`,
  );
  const reading = flag.placements[key];
  return reading === 'conditional' ? 'unknown' : reading;
}

function isCure(placement: Placement): placement is DilutionCure {
  return (DILUTION_CURES as readonly Placement[]).includes(placement);
}

function fallbackPlacement(reading: Placement): DrawnPlacement {
  return DRAWN.has(reading) ? (reading as DrawnPlacement) : 'pre';
}

function hasDistinctSublayerPlacements(sublayers: SublayerIR[]): boolean {
  return new Set(sublayers.map((s) => s.placement).filter((p) => DRAWN.has(p))).size > 1;
}

/** Appends the sublayers in order; consecutive parallel-pre sublayers share one residual add. */
function addSublayers(
  builder: Builder, sublayers: SublayerIR[], pick: (s: SublayerIR) => DrawnPlacement, positional: boolean, rezero: boolean,
): void {
  for (let i = 0; i < sublayers.length; i++) {
    const placement = pick(sublayers[i]);
    if (placement === 'parallel-pre') {
      let j = i;
      while (j + 1 < sublayers.length && pick(sublayers[j + 1]) === 'parallel-pre') j++;
      addParallel(builder, sublayers.slice(i, j + 1), positional);
      i = j;
    } else {
      addSequential(builder, sublayers[i], placement, positional, rezero);
    }
  }
}

/** One sublayer of pre, post, sandwich, post-sublayer, deepnorm or none: x ← [N](α·x + [N](F([N](x)))). */
function addSequential(builder: Builder, sublayer: SublayerIR, placement: DrawnPlacement, positional: boolean, rezero: boolean): void {
  const norms = resolveNorms(builder.block, sublayer, placement, positional);
  const fork = builder.stream;
  let branch = fork;
  let branchKind: GraphEdgeKind = 'branch';
  for (const name of norms.input) {
    const id = addNormNode(builder, name, 'branch', `Normalises the stream before ${sublayer.name} reads it; the stream itself is left as it is.`);
    addEdge(builder, branch, id, branchKind);
    branch = id;
  }
  const f = addSublayerNode(builder, sublayer);
  addEdge(builder, branch, f, branchKind);
  branch = f;
  if (norms.output !== null) {
    const id = addNormNode(builder, norms.output, 'branch', `Normalises what ${sublayer.name} writes before it is added to the stream.`);
    addEdge(builder, branch, id, 'branch');
    branch = id;
  }
  if (placement === 'none' && rezero) {
    const id = addNode(builder, 'scale', '× α (ReZero, 0 at init)', 'branch',
      'ReZero gate: a learned scalar on the branch, zero at initialisation, so the block starts as the identity.', null, null);
    addEdge(builder, branch, id, 'branch');
    branch = id;
  }
  let skipFrom = fork;
  if (placement === 'deepnorm') {
    const layers = builder.block.layers;
    const value = layers ? ` = ${deepnormAlpha(layers).toFixed(2)}` : '';
    const written = builder.block.deepnormAlpha ? ` (${builder.block.deepnormAlpha})` : '';
    const id = addNode(builder, 'scale', `× α${value}`, 'stream',
      `DeepNorm up-weights the residual by α = (2L)^¼${written} so each update is small relative to the stream.`, null, null);
    addEdge(builder, fork, id, 'stream');
    skipFrom = id;
    if (!builder.graph.notes.some((n) => n.startsWith('DeepNorm'))) {
      builder.graph.notes.push(layers
        ? `DeepNorm at L = ${layers}: α = ${deepnormAlpha(layers).toFixed(3)}, branch weights initialised × β = ${deepnormBeta(layers).toFixed(3)}.`
        : 'DeepNorm: α = (2L)^¼ and β = (8L)^-¼ depend on the depth, which could not be read.');
    }
  }
  const add = addNode(builder, 'add', '+', 'stream', `Residual add: the stream plus what ${sublayer.name} wrote.`, null, null);
  addEdge(builder, skipFrom, add, skipFrom === fork ? 'skip' : 'stream');
  addEdge(builder, branch, add, 'branch');
  builder.stream = add;
  if (norms.sum !== null) {
    const id = addNormNode(builder, norms.sum, 'stream', 'Normalises the residual sum itself: the stream is reset to unit scale after every sublayer.');
    addEdge(builder, add, id, 'stream');
    builder.stream = id;
  }
}

/** Parallel sublayers (GPT-J, NeoX): x ← x + Attn(N(x)) + MLP(N′(x)), one norm shared or one each. */
function addParallel(builder: Builder, sublayers: SublayerIR[], positional: boolean): void {
  const fork = builder.stream;
  const normIds = new Map<string, string>();
  const outputs: string[] = [];
  for (const sublayer of sublayers) {
    const norms = resolveNorms(builder.block, sublayer, 'parallel-pre', positional);
    const name = norms.input[0] ?? '';
    let normId = normIds.get(name);
    if (normId === undefined) {
      normId = addNormNode(builder, name || null, 'branch', 'Normalises the stream once for the sublayers that read it in parallel.');
      addEdge(builder, fork, normId, 'branch');
      normIds.set(name, normId);
    }
    const f = addSublayerNode(builder, sublayer);
    addEdge(builder, normId, f, 'branch');
    outputs.push(f);
  }
  const add = addNode(builder, 'add', '+', 'stream', 'Residual add: the stream plus every parallel branch at once.', null, null);
  addEdge(builder, fork, add, 'skip');
  for (const f of outputs) addEdge(builder, f, add, 'branch');
  builder.stream = add;
}

/** Sorts a sublayer's norms by what they read, from the analyzer's uses, or by position when forced or unknown. */
function resolveNorms(block: BlockIR, sublayer: SublayerIR, placement: DrawnPlacement, positional: boolean): SublayerNorms {
  const result: SublayerNorms = { input: [], output: null, sum: null };
  const unplaced: string[] = [];
  for (const name of sublayer.norms) {
    const role = positional ? undefined : block.normUses.find((u: NormUse) => u.name === name)?.role;
    if (role === 'sublayer-input') result.input.push(name);
    else if (role === 'sublayer-output' && result.output === null) result.output = name;
    else if (role === 'residual-sum' && result.sum === null) result.sum = name;
    else unplaced.push(name);
  }
  const takesInput = placement === 'pre' || placement === 'sandwich' || placement === 'parallel-pre';
  const takesOutput = placement === 'sandwich' || placement === 'post-sublayer';
  const takesSum = placement === 'post' || placement === 'deepnorm';
  // Norms whose role the analyzer did not record fill the slots the placement defines, in source order.
  if (takesInput && result.input.length === 0) result.input.push(unplaced.shift() ?? '');
  if (takesOutput && result.output === null) result.output = unplaced.shift() ?? '';
  if (takesSum && result.sum === null) result.sum = unplaced.shift() ?? '';
  return result;
}

