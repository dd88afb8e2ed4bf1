// The block graph per placement: node order and edges must spell out the block equation of DESIGN.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBlockGraph } from '../../src/core/graph/blockGraph';
import { canonicalBlock } from '../../src/core/graph/canonical';
import type { BlockGraph } from '../../src/core/graph/types';
import { bert, deepnet, gemma2, gpt2, gptj, mixln, mystery, neox, olmo2, rezero, torchEncoder } from './blocks';

/** Each node as `label <- pred(kind), …` in graph order: the dataflow in one readable list. */
function flow(graph: BlockGraph): string[] {
  const label = new Map(graph.nodes.map((n) => [n.id, n.label]));
  return graph.nodes.map((node) => {
    const preds = graph.edges.filter((e) => e.to === node.id).map((e) => `${label.get(e.from)}(${e.kind})`);
    return preds.length ? `${node.label} <- ${preds.join(', ')}` : node.label;
  });
}

function assertTopological(graph: BlockGraph): void {
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  assert.equal(index.size, graph.nodes.length, 'node ids are unique');
  for (const edge of graph.edges) {
    assert.ok(index.has(edge.from) && index.has(edge.to), `edge ${edge.from}→${edge.to} joins known nodes`);
    assert.ok(index.get(edge.from)! < index.get(edge.to)!, `edge ${edge.from}→${edge.to} flows forward`);
  }
}

test('pre (GPT-2): the norm feeds the sublayer and the add takes the un-normed stream', () => {
  const graph = buildBlockGraph(gpt2);
  assertTopological(graph);
  assert.equal(graph.reading, 'pre');
  assert.deepEqual(flow(graph), [
    'x',
    'LayerNorm ln_1 <- x(branch)',
    'attn <- LayerNorm ln_1(branch)',
    '+ <- x(skip), attn(branch)',
    'LayerNorm ln_2 <- +(branch)',
    'mlp <- LayerNorm ln_2(branch)',
    '+ <- +(skip), mlp(branch)',
    'LayerNorm ln_f <- +(stream)',
    'x′ <- LayerNorm ln_f(stream)',
  ]);
  const ln1 = graph.nodes[1];
  assert.equal(ln1.kind, 'norm');
  assert.equal(ln1.lane, 'branch');
  assert.equal(ln1.span?.line, 10, 'the node points at the use in forward');
  assert.equal(ln1.definitionSpan?.line, 4, 'and remembers the definition');
  assert.equal(graph.nodes[2].span?.line, 10);
  assert.equal(graph.nodes[7].kind, 'final-norm');
  assert.equal(graph.nodes[7].span?.line, 40);
  assert.deepEqual(graph.notes, []);
});

test('post (BERT): the norm sits on the stream after the add', () => {
  const graph = buildBlockGraph(bert);
  assertTopological(graph);
  assert.deepEqual(flow(graph), [
    'x',
    'attention <- x(branch)',
    '+ <- x(skip), attention(branch)',
    'LayerNorm attention_norm <- +(stream)',
    'intermediate <- LayerNorm attention_norm(branch)',
    '+ <- LayerNorm attention_norm(skip), intermediate(branch)',
    'LayerNorm output_norm <- +(stream)',
    'x′ <- LayerNorm output_norm(stream)',
  ]);
  assert.equal(graph.nodes[3].lane, 'stream');
  assert.equal(graph.nodes[3].span?.line, 12);
});

test('sandwich (Gemma 2): a norm before and after each sublayer, both on the branch', () => {
  const graph = buildBlockGraph(gemma2);
  assertTopological(graph);
  assert.deepEqual(flow(graph), [
    'x',
    'RMSNorm input_layernorm <- x(branch)',
    'self_attn <- RMSNorm input_layernorm(branch)',
    'RMSNorm post_attention_layernorm <- self_attn(branch)',
    '+ <- x(skip), RMSNorm post_attention_layernorm(branch)',
    'RMSNorm pre_feedforward_layernorm <- +(branch)',
    'mlp <- RMSNorm pre_feedforward_layernorm(branch)',
    'RMSNorm post_feedforward_layernorm <- mlp(branch)',
    '+ <- +(skip), RMSNorm post_feedforward_layernorm(branch)',
    'RMSNorm norm <- +(stream)',
    'x′ <- RMSNorm norm(stream)',
  ]);
});

test('post-sublayer (OLMo 2): the norm reads the sublayer output, the add the raw stream', () => {
  const graph = buildBlockGraph(olmo2);
  assertTopological(graph);
  assert.deepEqual(flow(graph).slice(0, 4), [
    'x',
    'self_attn <- x(branch)',
    'RMSNorm post_attention_layernorm <- self_attn(branch)',
    '+ <- x(skip), RMSNorm post_attention_layernorm(branch)',
  ]);
});

test('deepnorm (DeepNet): α scales the stream into the add, the norm follows the sum', () => {
  const graph = buildBlockGraph(deepnet);
  assertTopological(graph);
  const alpha = (2 * 24) ** 0.25;
  assert.deepEqual(flow(graph).slice(0, 5), [
    'x',
    'self_attn <- x(branch)',
    `× α = ${alpha.toFixed(2)} <- x(stream)`,
    `+ <- × α = ${alpha.toFixed(2)}(stream), self_attn(branch)`,
    'LayerNorm self_attn_layer_norm <- +(stream)',
  ]);
  assert.equal(graph.nodes[2].kind, 'scale');
  assert.equal(graph.nodes[2].lane, 'stream');
  assert.match(graph.nodes[2].detail, /math\.pow\(2\.0 \* args\.decoder_layers, 0\.25\)/);
  assert.deepEqual(graph.notes, [
    `DeepNorm at L = 24: α = ${alpha.toFixed(3)}, branch weights initialised × β = ${((8 * 24) ** -0.25).toFixed(3)}.`,
  ]);
});

test('parallel-pre with one norm (GPT-J): one ln_1 feeds both branches, one add takes both', () => {
  const graph = buildBlockGraph(gptj);
  assertTopological(graph);
  assert.deepEqual(flow(graph), [
    'x',
    'LayerNorm ln_1 <- x(branch)',
    'attn <- LayerNorm ln_1(branch)',
    'mlp <- LayerNorm ln_1(branch)',
    '+ <- x(skip), attn(branch), mlp(branch)',
    'LayerNorm ln_f <- +(stream)',
    'x′ <- LayerNorm ln_f(stream)',
  ]);
});

test('parallel-pre with two norms (GPT-NeoX): each branch reads its own norm of the same stream', () => {
  const graph = buildBlockGraph(neox);
  assertTopological(graph);
  assert.deepEqual(flow(graph).slice(0, 6), [
    'x',
    'LayerNorm input_layernorm <- x(branch)',
    'attention <- LayerNorm input_layernorm(branch)',
    'LayerNorm post_attention_layernorm <- x(branch)',
    'mlp <- LayerNorm post_attention_layernorm(branch)',
    '+ <- x(skip), attention(branch), mlp(branch)',
  ]);
});

test('none (ReZero): no norm anywhere, a zero-initialised gate on each branch', () => {
  const graph = buildBlockGraph(rezero);
  assertTopological(graph);
  assert.equal(graph.nodes.filter((n) => n.kind === 'norm' || n.kind === 'final-norm').length, 0);
  assert.deepEqual(flow(graph).slice(0, 4), [
    'x',
    'self_attn <- x(branch)',
    '× α (ReZero, 0 at init) <- self_attn(branch)',
    '+ <- x(skip), × α (ReZero, 0 at init)(branch)',
  ]);
  const plain = buildBlockGraph({ ...rezero, reason: 'no norm' });
  assert.equal(plain.nodes.filter((n) => n.kind === 'scale').length, 0, 'a plain residual sum has no gate');
});

test('mixed (Mix-LN): a post block then a pre block, in two titled groups', () => {
  const graph = buildBlockGraph(mixln);
  assertTopological(graph);
  assert.deepEqual(graph.groups.map((g) => g.title), ['blocks 1–3: Post-LN', 'blocks 4–12: Pre-LN']);
  const kinds = (group: number): string[] => graph.nodes.filter((n) => n.group === group).map((n) => n.kind);
  assert.deepEqual(kinds(0), ['input', 'sublayer', 'add', 'norm', 'sublayer', 'add', 'norm']);
  assert.deepEqual(kinds(1), ['norm', 'sublayer', 'add', 'norm', 'sublayer', 'add', 'final-norm', 'output']);
  assert.ok(graph.notes.includes('Post-LN block count: int(0.25 * n_layer).'));
});

test('conditional (TransformerEncoderLayer): drawn at the flag default, both readings noted', () => {
  const graph = buildBlockGraph(torchEncoder);
  assertTopological(graph);
  assert.equal(graph.placement, 'conditional');
  assert.equal(graph.reading, 'post');
  assert.deepEqual(flow(graph).slice(0, 4), [
    'x',
    'self_attn <- x(branch)',
    '+ <- x(skip), self_attn(branch)',
    'LayerNorm norm1 <- +(stream)',
  ]);
  assert.ok(graph.notes.includes('Drawn with `norm_first` at its default False (norm_first=True → Pre-LN; norm_first=False → Post-LN).'));
  const flipped = buildBlockGraph({ ...torchEncoder, flag: { ...torchEncoder.flag!, default: true } });
  assert.equal(flipped.reading, 'pre');
  assert.equal(flipped.nodes[1].label, 'LayerNorm norm1');
  assert.equal(flipped.nodes[1].lane, 'branch');
});

test('unknown: no nodes, a plain message carrying the reason', () => {
  const graph = buildBlockGraph(mystery);
  assert.deepEqual(graph.nodes, []);
  assert.equal(graph.message, 'NormScope could not tell where the norms of WeirdBlock sit: the norm is applied through a helper that is never defined in this file.');
});

test('norms the source does not show are drawn as implied, without a span', () => {
  const graph = buildBlockGraph({ ...gpt2, sublayers: gpt2.sublayers.map((s) => ({ ...s, norms: [] })), normUses: [] });
  const norms = graph.nodes.filter((n) => n.kind === 'norm');
  assert.equal(norms.length, 2);
  for (const norm of norms) {
    assert.equal(norm.span, null);
    assert.match(norm.detail, /Implied by the placement/);
  }
});

test('the canonical probe block draws every probe placement', () => {
  const expected: Record<string, string[]> = {
    pre: ['input', 'norm', 'sublayer', 'add', 'norm', 'sublayer', 'add', 'final-norm', 'output'],
    post: ['input', 'sublayer', 'add', 'norm', 'sublayer', 'add', 'norm', 'output'],
    sandwich: ['input', 'norm', 'sublayer', 'norm', 'add', 'norm', 'sublayer', 'norm', 'add', 'final-norm', 'output'],
    'post-sublayer': ['input', 'sublayer', 'norm', 'add', 'sublayer', 'norm', 'add', 'output'],
    deepnorm: ['input', 'sublayer', 'scale', 'add', 'norm', 'sublayer', 'scale', 'add', 'norm', 'output'],
    'parallel-pre': ['input', 'norm', 'sublayer', 'sublayer', 'add', 'final-norm', 'output'],
    none: ['input', 'sublayer', 'add', 'sublayer', 'add', 'output'],
  };
  for (const [placement, kinds] of Object.entries(expected)) {
    const graph = buildBlockGraph(canonicalBlock({ placement: placement as 'pre', norm: 'rmsnorm', layers: 12, dModel: 64, heads: 4 }));
    assertTopological(graph);
    assert.deepEqual(graph.nodes.map((n) => n.kind), kinds, placement);
    assert.ok(graph.nodes.every((n) => n.span === null), `${placement}: nothing points into a source`);
  }
  const mixed = buildBlockGraph(canonicalBlock({ placement: 'mixed', norm: 'layernorm', layers: 12, dModel: 64, heads: 4 }));
  assert.deepEqual(mixed.groups.map((g) => g.title), ['blocks 1–3: Post-LN', 'blocks 4–12: Pre-LN']);
});
