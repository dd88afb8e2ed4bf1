// Block graphs of the dilution cures (DESIGN.md's second table), each drawn so its idea shows: the 1/√l
// factor of LayerNorm Scaling, ω on Admin's residual, nGPT's step on the hypersphere, ResiDual's two
// streams, the n lanes of hyper-connections, and the arrows from earlier layers of AttnRes and DenseFormer.

import type { BlockIR, DilutionCure, Placement, SublayerIR } from '../ir/model';
import type { Builder } from './graphBuilder';
import { addEdge, addNode, addNormNode, addSublayerNode, place } from './graphBuilder';

/** Hyper-connections draws at most this many lanes; more are said in a note. */
const MAX_LANES = 4;
const SUB = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
const sub = (n: number): string => String(n).split('').map((d) => SUB[Number(d)]).join('');

/** Adds the sublayers of a cure to the builder (after its `x` input node); the caller adds the output. */
export function addVariantSublayers(builder: Builder, cure: DilutionCure, sublayers: SublayerIR[]): void {
  switch (cure) {
    case 'layernorm-scaling': return layerNormScaling(builder, sublayers);
    case 'admin': return admin(builder, sublayers);
    case 'ngpt': return ngpt(builder, sublayers);
    case 'residual': return resiDual(builder, sublayers);
    case 'hyper-connections': return hyperConnections(builder, sublayers);
    case 'attention-residuals': return attentionResiduals(builder, sublayers);
    case 'denseformer': return denseFormer(builder, sublayers);
  }
}

/** Whether the placement is a cure that ends with the model's final norm before the head, as Pre-LN does. */
export function cureWantsFinalNorm(placement: Placement): boolean {
  return placement === 'layernorm-scaling' || placement === 'denseformer' || placement === 'hyper-connections' || placement === 'attention-residuals';
}

const inputNorm = (sublayer: SublayerIR): string => sublayer.norms[0] ?? '';

/** One Pre-LN sublayer, x ← x + F(N(x)), with an optional node between the norm and F (LayerNorm Scaling's factor). */
function preSublayer(builder: Builder, sublayer: SublayerIR, between?: () => string): void {
  const fork = builder.stream;
  let branch = addNormNode(builder, inputNorm(sublayer), 'branch', `Normalises the stream before ${sublayer.name} reads it.`);
  addEdge(builder, fork, branch, 'branch');
  if (between) {
    const id = between();
    addEdge(builder, branch, id, 'branch');
    branch = id;
  }
  const f = addSublayerNode(builder, sublayer);
  addEdge(builder, branch, f, 'branch');
  const add = addNode(builder, 'add', '+', 'stream', `Residual add: the stream plus what ${sublayer.name} wrote.`, null, null);
  addEdge(builder, fork, add, 'skip');
  addEdge(builder, f, add, 'branch');
  builder.stream = add;
}

/** x ← x + F(N(x) · 1/√l). */
function layerNormScaling(builder: Builder, sublayers: SublayerIR[]): void {
  const scale = builder.block.variant?.scale;
  const written = scale?.expression ? ` (written \`${scale.expression}\`)` : '';
  const L = builder.block.layers;
  for (const sublayer of sublayers) {
    preSublayer(builder, sublayer, () => addNode(builder, 'scale', '× 1/√l', 'branch',
      `LayerNorm Scaling: the norm's output is scaled by 1/√l, l the block's 1-based index${written}, so deep blocks write less into the stream.`, scale ? builder.block.variant?.span ?? null : null, null));
  }
  builder.graph.notes.push(L
    ? `LayerNorm Scaling at L = ${L}: the factor runs from 1 (block 1) to 1/√${L} = ${(1 / Math.sqrt(L)).toFixed(3)} (block ${L}).`
    : 'LayerNorm Scaling: the factor runs from 1 (block 1) to 1/√L (the last block).');
  if (scale && !scale.layerDependent) builder.graph.notes.push(`The scale \`${scale.expression}\` does not depend on the block index here.`);
}

/** x ← N(ω·x + F(x)). */
function admin(builder: Builder, sublayers: SublayerIR[]): void {
  const omega = builder.block.variant?.omega ?? null;
  const kind = omega === 'learned' ? 'learned' : omega === 'constant' ? 'constant' : 'learned or constant: not read';
  for (const sublayer of sublayers) {
    const fork = builder.stream;
    const f = addSublayerNode(builder, sublayer);
    addEdge(builder, fork, f, 'branch');
    const w = place(builder, addNode(builder, 'scale', `× ω (${omega ?? '?'})`, 'stream',
      'Admin scales the residual by ω, set from the model\'s own output-variance profile at initialisation, so no block\'s update swamps the stream.', builder.block.variant?.span ?? null, null), 0.85);
    addEdge(builder, fork, w, 'stream');
    const add = addNode(builder, 'add', '+', 'stream', `Residual add: ω·x plus what ${sublayer.name} wrote.`, null, null);
    addEdge(builder, w, add, 'stream');
    addEdge(builder, f, add, 'branch');
    const norm = addNormNode(builder, sublayer.norms[0] ?? '', 'stream', 'Normalises the residual sum itself, as Post-LN does.');
    addEdge(builder, add, norm, 'stream');
    builder.stream = norm;
  }
  builder.graph.notes.push(`Admin: Post-LN with the residual scaled by ω (${kind}); ω comes from a profiling pass over the model at initialisation (Liu et al. 2020).`);
}

/** h ← unit(h + α ⊙ (unit(F(h)) − h)): a step along the sphere towards the sublayer's suggestion. */
function ngpt(builder: Builder, sublayers: SublayerIR[]): void {
  const alpha = builder.block.variant?.alpha;
  for (const sublayer of sublayers) {
    const fork = builder.stream;
    const f = addSublayerNode(builder, sublayer);
    addEdge(builder, fork, f, 'branch');
    const unitF = addNode(builder, 'norm', 'unit(F(h))', 'branch', `Puts what ${sublayer.name} suggests onto the unit sphere.`, null, null);
    addEdge(builder, f, unitF, 'branch');
    const step = addNode(builder, 'scale', `α ⊙ (· − h)${alpha ? ` ${alpha}` : ''}`, 'branch',
      'The step from h towards unit(F(h)), by a learned per-dimension rate α (an interpolation, not a sum).', builder.block.variant?.span ?? null, null);
    addEdge(builder, unitF, step, 'branch');
    addEdge(builder, fork, step, 'lane');
    const add = addNode(builder, 'add', '+', 'stream', 'h plus the step.', null, null);
    addEdge(builder, fork, add, 'skip');
    addEdge(builder, step, add, 'branch');
    const sphere = addNode(builder, 'norm', 'unit(·): back on the sphere', 'stream', 'Renormalises h to unit norm: the stream never grows, so no block is diluted.', null, null);
    addEdge(builder, add, sphere, 'stream');
    builder.stream = sphere;
  }
  builder.graph.notes.push('nGPT: every hidden state, weight row and embedding lives on the unit sphere; each sublayer moves h a learned fraction α of the way to unit(F(h)) (Loshchilov et al. 2024).');
}

/** A Post-LN stream (centre) and an un-normalised stream (left) fed the same sublayer outputs; joined at the end. */
function resiDual(builder: Builder, sublayers: SublayerIR[]): void {
  let dual = place(builder, addNode(builder, 'input', 'x_d', 'stream', 'ResiDual\'s second stream: the sublayer outputs summed without any norm, as Pre-LN\'s stream.', null, null), -1.4);
  for (const sublayer of sublayers) {
    const fork = builder.stream;
    const f = addSublayerNode(builder, sublayer);
    addEdge(builder, fork, f, 'branch');
    const add = addNode(builder, 'add', '+', 'stream', `Post-LN stream: x plus what ${sublayer.name} wrote, then normalised.`, null, null);
    addEdge(builder, fork, add, 'skip');
    addEdge(builder, f, add, 'branch');
    const addDual = place(builder, addNode(builder, 'add', '+', 'stream', `Un-normalised stream: x_d plus the same output of ${sublayer.name}.`, null, null), -1.4);
    addEdge(builder, dual, addDual, 'lane');
    addEdge(builder, f, addDual, 'branch');
    dual = addDual;
    const norm = addNormNode(builder, sublayer.norms[0] ?? '', 'stream', 'Normalises the Post-LN stream\'s sum.');
    addEdge(builder, add, norm, 'stream');
    builder.stream = norm;
  }
  const finalUse = builder.block.normUses.find((u) => u.role === 'final') ?? null;
  const finalDefinition = finalUse ? builder.block.normDefinitions.find((d) => d.name === finalUse.name) ?? null : null;
  const dualNorm = place(builder, addNode(builder, 'final-norm', `N(x_d) at the end${finalUse ? ` ${finalUse.name}` : ''}`, 'stream',
    'The un-normalised stream is normalised once, after the last block.', finalUse?.span ?? null, finalDefinition?.span ?? null), -1.4);
  addEdge(builder, dual, dualNorm, 'lane');
  const join = addNode(builder, 'add', '+', 'stream', 'The two streams joined: Post-LN\'s bounded stream plus the normalised Pre-LN-like one.', null, null);
  addEdge(builder, builder.stream, join, 'stream');
  addEdge(builder, dualNorm, join, 'lane');
  builder.stream = join;
  builder.graph.notes.push('ResiDual: the Post-LN stream keeps gradients to deep layers, the un-normalised stream keeps every layer\'s output in the sum (Xie et al. 2023).');
}

/** n lanes H; the branch reads Σ aᵢHᵢ, and each lane takes back M·H + bᵢ·F. */
function hyperConnections(builder: Builder, sublayers: SublayerIR[]): void {
  const n = builder.block.variant?.streams ?? null;
  const drawn = Math.min(n ?? MAX_LANES, MAX_LANES);
  const columns = Array.from({ length: drawn }, (_, i) => -0.55 * (drawn - i));
  const input = builder.stream;
  let lanes = columns.map((column, i) => {
    const id = place(builder, addNode(builder, 'input', `H${sub(i + 1)}`, 'stream', `Residual lane ${i + 1} of ${n ?? 'n'}: the block's input is copied into every lane.`, null, null), column);
    addEdge(builder, input, id, 'lane');
    return id;
  });
  const dynamic = builder.block.variant?.dynamic;
  for (const sublayer of sublayers) {
    const read = addNode(builder, 'mix', 'Σ aᵢHᵢ', 'branch',
      `Depth connection: ${sublayer.name} reads a weighted sum of the lanes (weights ${dynamic ? 'computed from the input (dynamic)' : dynamic === false ? 'learned constants (static)' : 'static or dynamic'}).`, builder.block.variant?.span ?? null, null);
    for (const lane of lanes) addEdge(builder, lane, read, 'lane');
    const norm = addNormNode(builder, inputNorm(sublayer), 'branch', `Normalises the mixed lanes before ${sublayer.name} reads them.`);
    addEdge(builder, read, norm, 'branch');
    const f = addSublayerNode(builder, sublayer);
    addEdge(builder, norm, f, 'branch');
    lanes = lanes.map((lane, i) => {
      const add = place(builder, addNode(builder, 'add', '+', 'stream', `Lane ${i + 1} ← Σⱼ M${sub(i + 1)}ⱼ·Hⱼ + b${sub(i + 1)}·F: width connections mix the lanes, the branch writes back with weight b${sub(i + 1)}.`, null, null), columns[i]);
      addEdge(builder, lane, add, 'lane');
      addEdge(builder, f, add, 'branch');
      return add;
    });
  }
  const merge = addNode(builder, 'mix', 'Σᵢ Hᵢ', 'stream', 'The lanes are summed into one stream after the last block.', null, null);
  for (const lane of lanes) addEdge(builder, lane, merge, 'lane');
  builder.stream = merge;
  if (n !== null && n > MAX_LANES) builder.graph.notes.push(`${n} lanes; ${MAX_LANES} are drawn.`);
  builder.graph.notes.push(`Hyper-connections with n = ${n ?? '? (not read)'} lanes${dynamic === true ? ', dynamic' : dynamic === false ? ', static' : ''}; n = 1 with unit weights is exactly Pre-LN (Zhu et al. 2024).`);
}

/** The earlier outputs a depth mix reads, stacked in the left column: the embedding, …, the last one. */
function earlierOutputs(builder: Builder, name: string, first: string, last = 'ₗ₋₁'): string[] {
  const labels = [`${name}${sub(0)} = ${first}`, `${name}${sub(1)}`, '⋮', `${name}${last}`];
  return labels.map((label, rank) => place(builder, addNode(builder, 'earlier', label, 'stream',
    rank === 2 ? 'Every output in between.' : `An earlier output reaching this block across depth (${label}).`, null, null), -1.5, rank));
}

/** h_l = Σᵢ softmax_i(w_lᵀ·RMS(vᵢ))·vᵢ before each sublayer, over the embedding and earlier sublayer outputs. */
function attentionResiduals(builder: Builder, sublayers: SublayerIR[]): void {
  const groups = builder.block.variant?.groups ?? null;
  // The block's input is the last earlier output; the list above it holds the rest, the embedding first.
  const previous = builder.stream;
  const input = builder.graph.nodes.find((n) => n.id === previous);
  if (input) {
    input.label = 'vₗ₋₁';
    input.detail = 'The previous sublayer\'s output: one entry of the depth list, not a stream to add to.';
  }
  const earlier = earlierOutputs(builder, 'v', 'embedding', 'ₗ₋₂');
  const produced: string[] = [];
  for (const sublayer of sublayers) {
    const mix = addNode(builder, 'mix', 'softmax over depth: Σᵢ αᵢ·vᵢ', 'stream',
      `The input of ${sublayer.name}: a softmax over depth of the earlier outputs, scored by a learned pseudo-query w_l against RMS(vᵢ).`, builder.block.variant?.span ?? null, null);
    for (const from of [...earlier, ...produced]) addEdge(builder, from, mix, 'depth');
    addEdge(builder, previous, mix, 'depth');
    const norm = addNormNode(builder, inputNorm(sublayer), 'branch', `Normalises the mixed input before ${sublayer.name}.`);
    addEdge(builder, mix, norm, 'branch');
    const f = addSublayerNode(builder, sublayer);
    addEdge(builder, norm, f, 'branch');
    produced.push(f);
  }
  const out = addNode(builder, 'mix', 'outputs join the depth list', 'stream', 'Each sublayer\'s output becomes one more vᵢ for the blocks above: nothing is summed into a growing stream.', null, null);
  for (const f of produced) addEdge(builder, f, out, 'depth');
  builder.stream = out;
  builder.graph.notes.push(groups !== null
    ? `Block AttnRes with N = ${groups} groups: outputs are summed inside each group and attended across groups.`
    : 'Full AttnRes: every earlier sublayer output is attended (Block AttnRes would group them into N blocks).');
  builder.graph.notes.push('Attention Residuals replace the fixed residual sum by a learned softmax over depth, so the stream stays bounded and deep layers keep their say (Kimi Team 2026).');
}

/** A Pre-LN block, then x_l ← Σ_{i≤l} a_{l,i}·y_i over the embedding, earlier block outputs and this one. */
function denseFormer(builder: Builder, sublayers: SublayerIR[]): void {
  for (const sublayer of sublayers) preSublayer(builder, sublayer);
  const earlier = earlierOutputs(builder, 'y', 'embedding');
  const dwa = addNode(builder, 'mix', 'DWA: Σ_{i≤l} a_{l,i}·yᵢ', 'stream',
    'Depth-weighted average: the block\'s output y_l mixed with every earlier output by learned weights a_{l,i} (initialised to pass y_l through).', builder.block.variant?.span ?? null, null);
  for (const from of earlier) addEdge(builder, from, dwa, 'depth');
  addEdge(builder, builder.stream, dwa, 'stream');
  builder.stream = dwa;
  builder.graph.notes.push('DenseFormer: after each block a learned average over depth, initialised to the identity, lets later blocks reach earlier representations directly (Pagliardini et al. 2024).');
}
