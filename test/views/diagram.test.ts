// Diagram layout and rendering: rows follow the dataflow, the residual runs on the side, clicks reveal lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBlockGraph } from '../../src/core/graph/blockGraph';
import { buildDiagramModel } from '../../webview/views/diagramModel';
import type { DiagramNode } from '../../webview/views/diagramModel';
import { renderDiagram } from '../../webview/views/diagram';
import { deepnet, gpt2, gptj, mixln, mystery } from '../graph/blocks';
import { newDocument } from './snapshot';

test('pre: one node per row down the centre, the skip routed right of the branch', () => {
  const model = buildDiagramModel(buildBlockGraph(gpt2));
  const ys = model.nodes.map((n) => n.y);
  assert.deepEqual(ys, [...ys].sort((a, b) => a - b), 'nodes flow downwards in dataflow order');
  assert.equal(new Set(ys).size, model.nodes.length, 'a sequential block has one node per row');
  assert.equal(new Set(model.nodes.map((n) => n.x)).size, 1);
  const skips = model.edges.filter((e) => e.kind === 'skip');
  assert.equal(skips.length, 2);
  const branchRight = Math.max(...model.nodes.filter((n) => n.kind !== 'input').map((n) => n.x + n.width / 2));
  for (const skip of skips) {
    const side = Number(/H([\d.]+)V/.exec(skip.d)![1]);
    assert.ok(side > branchRight, `skip at x=${side} passes right of the branch (${branchRight})`);
    assert.ok(side <= model.width);
  }
  assert.deepEqual(model.nodes.filter((n) => n.line !== null).map((n) => [n.label, n.line]),
    [['LayerNorm ln_1', 10], ['attn', 10], ['LayerNorm ln_2', 11], ['mlp', 11], ['LayerNorm ln_f', 40]]);
});

test('parallel-pre: attention and MLP share a row; deepnorm: α sits beside the sublayer', () => {
  const parallel = buildDiagramModel(buildBlockGraph(gptj));
  const attn = parallel.nodes.find((n) => n.label === 'attn')!;
  const mlp = parallel.nodes.find((n) => n.label === 'mlp')!;
  assert.equal(attn.y, mlp.y);
  assert.ok(attn.x < mlp.x);
  const deep = buildDiagramModel(buildBlockGraph(deepnet));
  const alpha = deep.nodes.find((n) => n.kind === 'scale')!;
  const selfAttn = deep.nodes.find((n) => n.label === 'self_attn')!;
  assert.equal(alpha.y, selfAttn.y);
  assert.ok(alpha.x > selfAttn.x, 'the stream-side α is drawn to the right of the branch');
});

test('Mix-LN: two group boxes, the post group above the pre group', () => {
  const model = buildDiagramModel(buildBlockGraph(mixln));
  assert.equal(model.groups.length, 2);
  assert.ok(model.groups[0].y + model.groups[0].height <= model.groups[1].y + 1);
  assert.match(model.groups[0].title, /Post-LN/);
});

test('clicking a node with a source line calls onSelect with it; implied nodes are not clickable', () => {
  const doc = newDocument();
  const selected: DiagramNode[] = [];
  renderDiagram(doc.body, buildDiagramModel(buildBlockGraph(gpt2)), { onSelect: (n) => selected.push(n) });
  const norm = doc.querySelector('.ns-node.ns-norm[data-line="10"]')!;
  norm.dispatchEvent(new doc.defaultView!.MouseEvent('click', { bubbles: true }));
  assert.deepEqual(selected.map((n) => [n.label, n.line]), [['LayerNorm ln_1', 10]]);
  const add = doc.querySelector('.ns-node.ns-add')!;
  assert.equal(add.getAttribute('data-line'), null);
  add.dispatchEvent(new doc.defaultView!.MouseEvent('click', { bubbles: true }));
  assert.equal(selected.length, 1);
  norm.dispatchEvent(new doc.defaultView!.KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  assert.equal(selected.length, 2, 'Enter activates a focused node');
});

test('unknown: the diagram says so in plain words', () => {
  const doc = newDocument();
  renderDiagram(doc.body, buildDiagramModel(buildBlockGraph(mystery)));
  assert.equal(doc.querySelectorAll('.ns-node').length, 0);
  assert.match(doc.querySelector('.ns-diagram-notes li')!.textContent!, /could not tell where the norms of WeirdBlock sit/);
});

test('the cures\' diagrams: AttnRes arrows end in arrowheads on the mix\'s left, hyper-connection lanes run straight', async () => {
  const { attnRes, hyperConnections } = await import('../graph/variantBlocks');
  const doc = newDocument();
  renderDiagram(doc.body, buildDiagramModel(buildBlockGraph(attnRes)));
  const depth = [...doc.querySelectorAll('path.ns-depth')];
  assert.equal(depth.length, 5 + 6 + 2);
  assert.ok(depth.every((p) => p.getAttribute('marker-end') === 'url(#ns-arrow)'));
  assert.equal(doc.querySelectorAll('marker#ns-arrow').length, 1);
  const model = buildDiagramModel(buildBlockGraph(attnRes));
  const mix = model.nodes.find((n) => n.label.startsWith('softmax over depth'))!;
  for (const edge of model.edges.filter((e) => e.to === mix.id && e.kind === 'depth')) {
    assert.ok(edge.d.endsWith(`H${Math.round((mix.x - mix.width / 2) * 100) / 100}`), `${edge.d} ends at the mix's left side`);
  }
  const earlier = model.nodes.filter((n) => n.kind === 'earlier');
  assert.ok(earlier.every((n) => n.x < mix.x - mix.width / 2), 'earlier outputs stand left of the flow');
  assert.deepEqual(earlier.map((n) => n.y), [...earlier.map((n) => n.y)].sort((a, b) => a - b), 'stacked top to bottom');
  const hc = buildDiagramModel(buildBlockGraph(hyperConnections));
  const lanes = hc.edges.filter((e) => e.kind === 'lane' && /^M[\d.]+,[\d.]+V[\d.]+$/.test(e.d));
  assert.equal(lanes.length, 4 * 2, 'each lane runs straight down from its input to each of its two adds');
  assert.ok(Math.min(...hc.nodes.map((n) => n.x - n.width / 2)) >= 0, 'nothing drawn left of the picture');
});
