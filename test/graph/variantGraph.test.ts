// The seven dilution cures as block graphs: each graph spells its equation (DESIGN.md's second table) and
// carries the element that is its idea, so the diagram can show it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBlockGraph } from '../../src/core/graph/blockGraph';
import type { BlockGraph } from '../../src/core/graph/types';
import { admin, attnRes, denseFormer, hyperConnections, layerNormScaling, ngpt, resiDual } from './variantBlocks';
import { block } from './blocks';

function flow(graph: BlockGraph): string[] {
  const label = new Map(graph.nodes.map((n) => [n.id, n.label]));
  return graph.nodes.map((node) => {
    const preds = graph.edges.filter((e) => e.to === node.id).map((e) => `${label.get(e.from)}(${e.kind})`);
    return preds.length ? `${node.label} <- ${preds.join(', ')}` : node.label;
  });
}

function assertForward(graph: BlockGraph): void {
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  assert.equal(index.size, graph.nodes.length, 'node ids are unique');
  for (const edge of graph.edges) assert.ok(index.get(edge.from)! < index.get(edge.to)!, `${edge.from}→${edge.to} flows forward`);
}

test('LayerNorm Scaling: Pre-LN with × 1/√l between the norm and the sublayer, the factor at L in a note', () => {
  const graph = buildBlockGraph(layerNormScaling);
  assertForward(graph);
  assert.deepEqual(flow(graph), [
    'x', 'LayerNorm ln_1 <- x(branch)', '× 1/√l <- LayerNorm ln_1(branch)', 'attn <- × 1/√l(branch)', '+ <- x(skip), attn(branch)',
    'LayerNorm ln_2 <- +(branch)', '× 1/√l <- LayerNorm ln_2(branch)', 'mlp <- × 1/√l(branch)', '+ <- +(skip), mlp(branch)',
    'LayerNorm ln_f <- +(stream)', 'x′ <- LayerNorm ln_f(stream)',
  ]);
  assert.match(graph.notes[0], /at L = 24: the factor runs from 1 \(block 1\) to 1\/√24 = 0\.204/);
  assert.equal(graph.nodes[2].span?.line, 7, 'the factor points at the scale in the source');
});

test('Admin: Post-LN with × ω on the stream side of the residual, learned or constant said', () => {
  const graph = buildBlockGraph(admin);
  assertForward(graph);
  assert.deepEqual(flow(graph).slice(0, 5), [
    'x', 'self_attn <- x(branch)', '× ω (learned) <- x(stream)', '+ <- × ω (learned)(stream), self_attn(branch)', 'LayerNorm attn_ln <- +(stream)',
  ]);
  const omega = graph.nodes.find((n) => n.kind === 'scale')!;
  assert.equal(omega.lane, 'stream');
  assert.ok(omega.column! > 0, 'ω stands beside the branch, on the stream');
  assert.match(graph.notes.join(' '), /ω \(learned\)/);
});

test('nGPT: unit(F(h)), the α-step that also reads h, and the renormalisation back onto the sphere', () => {
  const graph = buildBlockGraph(ngpt);
  assertForward(graph);
  assert.deepEqual(flow(graph).slice(0, 6), [
    'x', 'attn <- x(branch)', 'unit(F(h)) <- attn(branch)', 'α ⊙ (· − h) self.alpha_attn <- unit(F(h))(branch), x(lane)',
    '+ <- x(skip), α ⊙ (· − h) self.alpha_attn(branch)', 'unit(·): back on the sphere <- +(stream)',
  ]);
  assert.equal(graph.nodes.filter((n) => n.label.startsWith('unit(·)')).length, 2, 'one sphere step per sublayer');
});

test('ResiDual: two streams fed by the same sublayer outputs, the un-normalised one normalised once and joined', () => {
  const graph = buildBlockGraph(resiDual);
  assertForward(graph);
  const lanes = graph.edges.filter((e) => e.kind === 'lane');
  assert.equal(lanes.length, 4, 'x_d → + → + → N(x_d) → join');
  const dualAdds = graph.nodes.filter((n) => n.kind === 'add' && n.column === -1.4);
  assert.equal(dualAdds.length, 2);
  for (const add of dualAdds) {
    const from = graph.edges.filter((e) => e.to === add.id && e.kind === 'branch').map((e) => graph.nodes.find((n) => n.id === e.from)!.label);
    assert.equal(from.length, 1);
    assert.ok(['self_attn', 'ffn'].includes(from[0]));
  }
  assert.deepEqual(flow(graph).slice(-3), ['N(x_d) at the end <- +(lane)', '+ <- LayerNorm ffn_ln(stream), N(x_d) at the end(lane)', 'x′ <- +(stream)'],
    'the stream norm of x_d is the final norm: none after the join');
});

test('hyper-connections: n lanes, each sublayer reads Σ aᵢHᵢ of all of them and writes back into each', () => {
  const graph = buildBlockGraph(hyperConnections);
  assertForward(graph);
  const columns = new Set(graph.nodes.filter((n) => n.kind === 'add').map((n) => n.column));
  assert.equal(columns.size, 4, 'four lanes');
  const reads = graph.nodes.filter((n) => n.label === 'Σ aᵢHᵢ');
  assert.equal(reads.length, 2);
  for (const read of reads) assert.equal(graph.edges.filter((e) => e.to === read.id && e.kind === 'lane').length, 4);
  const attn = graph.nodes.find((n) => n.label === 'attn')!;
  assert.equal(graph.edges.filter((e) => e.from === attn.id && e.kind === 'branch').length, 4, 'the branch writes into every lane');
  assert.match(graph.notes.join(' '), /n = 4 lanes, dynamic; n = 1 with unit weights is exactly Pre-LN/);
  const eight = buildBlockGraph(block({ name: 'H8', placement: 'hyper-connections', defs: [], uses: [], subs: [], extra: { variant: { streams: 8 } } }));
  assert.equal(new Set(eight.nodes.filter((n) => n.kind === 'add').map((n) => n.column)).size, 4);
  assert.match(eight.notes.join(' '), /8 lanes; 4 are drawn/);
});

test('Attention Residuals: every sublayer input is a softmax over depth with arrows from the embedding and earlier outputs', () => {
  const graph = buildBlockGraph(attnRes);
  assertForward(graph);
  const mixes = graph.nodes.filter((n) => n.label.startsWith('softmax over depth'));
  assert.equal(mixes.length, 2);
  const into = (id: string): string[] => graph.edges.filter((e) => e.to === id && e.kind === 'depth').map((e) => graph.nodes.find((n) => n.id === e.from)!.label);
  assert.deepEqual(into(mixes[0].id), ['v₀ = embedding', 'v₁', '⋮', 'vₗ₋₂', 'vₗ₋₁']);
  assert.deepEqual(into(mixes[1].id), ['v₀ = embedding', 'v₁', '⋮', 'vₗ₋₂', 'attn', 'vₗ₋₁'], 'the MLP also attends to the attention output');
  assert.equal(graph.edges.filter((e) => e.kind === 'skip').length, 0, 'no fixed residual sum');
  assert.match(graph.notes[0], /Block AttnRes with N = 8 groups/);
});

test('DenseFormer: a Pre-LN block, then the depth-weighted average over earlier outputs and this one', () => {
  const graph = buildBlockGraph(denseFormer);
  assertForward(graph);
  const dwa = graph.nodes.find((n) => n.kind === 'mix')!;
  const into = graph.edges.filter((e) => e.to === dwa.id);
  assert.deepEqual(into.map((e) => e.kind), ['depth', 'depth', 'depth', 'depth', 'stream']);
  assert.equal(graph.edges.filter((e) => e.kind === 'skip').length, 2, 'the block itself keeps its residual adds');
  assert.equal(graph.nodes.at(-2)!.kind, 'final-norm');
});
