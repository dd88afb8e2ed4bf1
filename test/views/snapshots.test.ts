// SVG snapshots of every view under jsdom with seeded data (UPDATE_SNAPSHOTS=1 rewrites them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBlockGraph } from '../../src/core/graph/blockGraph';
import { canonicalBlock } from '../../src/core/graph/canonical';
import { buildDiagramModel } from '../../webview/views/diagramModel';
import { renderDiagram } from '../../webview/views/diagram';
import { renderHeatmap } from '../../webview/views/heatmap';
import { renderLineChart } from '../../webview/views/lineChart';
import { buildComparison } from '../../webview/views/compare';
import { deepnet, gemma2, gpt2, gptj, mixln, torchEncoder } from '../graph/blocks';
import { fakeRun } from './fakeRuns';
import { VARIANT_BLOCKS } from '../graph/variantBlocks';
import { assertSnapshot, newDocument } from './snapshot';

const pre = fakeRun({ placement: 'pre', layers: 12, steps: 300, recordEvery: 10, seed: 11 });
const post = fakeRun({ placement: 'post', layers: 12, steps: 300, recordEvery: 10, seed: 11, divergeAt: 180 });
// The theory lines are src/core/theory's own predictions for these configs.
const comparison = buildComparison([pre, post]);

for (const [name, block] of Object.entries({ gpt2, gemma2, deepnet, gptj, mixln, torchEncoder })) {
  test(`diagram snapshot: ${name}`, () => {
    const doc = newDocument();
    assertSnapshot(`diagram-${name}`, renderDiagram(doc.body, buildDiagramModel(buildBlockGraph(block))));
  });
}

for (const [name, block] of Object.entries(VARIANT_BLOCKS)) {
  test(`diagram snapshot of a dilution cure: ${name}`, () => {
    const doc = newDocument();
    assertSnapshot(`diagram-${name}`, renderDiagram(doc.body, buildDiagramModel(buildBlockGraph(block))));
  });
}

test('diagram snapshot: the probe block of ReZero', () => {
  const doc = newDocument();
  const graph = buildBlockGraph(canonicalBlock({ placement: 'none', norm: 'layernorm', layers: 6, dModel: 64, heads: 4 }), { rezero: true });
  assertSnapshot('diagram-probe-rezero', renderDiagram(doc.body, buildDiagramModel(graph)));
});

for (const metric of ['residualNorm', 'gradNorm'] as const) {
  test(`heatmap snapshots: ${metric}, Pre-LN and diverged Post-LN on one scale`, () => {
    comparison.heatmaps[metric].forEach((model, i) => {
      const doc = newDocument();
      assertSnapshot(`heatmap-${metric}-${i === 0 ? 'pre' : 'post-diverged'}`, renderHeatmap(doc.body, model));
    });
  });
}

test('loss snapshot: two runs, optimum dashed, divergence marked', () => {
  const doc = newDocument();
  assertSnapshot('loss-pre-post', renderLineChart(doc.body, comparison.loss));
});

test('theory snapshot: measured init norms over the predicted band and line', () => {
  const doc = newDocument();
  assertSnapshot('theory-pre-post', renderLineChart(doc.body, comparison.theory));
});

test('theory snapshot: measured init contribution over the predicted dilution', () => {
  const doc = newDocument();
  assertSnapshot('theory-contribution-pre-post', renderLineChart(doc.body, comparison.contributionTheory));
});

test('no view sets a style attribute: the panel CSP (no unsafe-inline styles) would block it', () => {
  const doc = newDocument();
  const body = doc.body;
  renderDiagram(body.appendChild(doc.createElement('div')), buildDiagramModel(buildBlockGraph(deepnet)));
  for (const model of comparison.heatmaps.residualNorm) renderHeatmap(body.appendChild(doc.createElement('div')), model);
  renderLineChart(body.appendChild(doc.createElement('div')), comparison.loss);
  renderLineChart(body.appendChild(doc.createElement('div')), comparison.theory);
  assert.equal(body.querySelectorAll('svg').length, 5);
  assert.deepEqual([...body.querySelectorAll('[style]')].map((e) => e.outerHTML.slice(0, 80)), []);
});
