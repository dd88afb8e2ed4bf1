// Benchmark: build and render a 48-layer × 500-step heatmap set (four metrics, two compared runs) under
// jsdom, and print the median of several runs. Target < 200 ms; jsdom is slower than a browser's DOM.
import { JSDOM } from 'jsdom';
import { buildComparison } from '../../webview/views/compare';
import { renderHeatmap } from '../../webview/views/heatmap';
import { HEATMAP_METRICS } from '../../webview/views/heatmapModel';
import { fakeRun } from '../views/fakeRuns';

const RUNS = 7;
const runs = [
  fakeRun({ placement: 'pre', layers: 48, steps: 499, recordEvery: 1, seed: 1 }),
  fakeRun({ placement: 'post', layers: 48, steps: 499, recordEvery: 1, seed: 1 }),
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const model: number[] = [];
const render: number[] = [];
const total: number[] = [];
let elements = 0;
for (let i = 0; i < RUNS; i++) {
  const doc = new JSDOM('<!DOCTYPE html><body></body>').window.document;
  const t0 = performance.now();
  const comparison = buildComparison(runs, { metrics: HEATMAP_METRICS });
  const t1 = performance.now();
  for (const metric of HEATMAP_METRICS) {
    for (const heatmap of comparison.heatmaps[metric]) renderHeatmap(doc.body.appendChild(doc.createElement('div')), heatmap);
  }
  // Serialising forces jsdom to have built every node, as a browser would before painting.
  const markup = doc.body.innerHTML;
  const t2 = performance.now();
  model.push(t1 - t0);
  render.push(t2 - t1);
  total.push(t2 - t0);
  elements = doc.body.getElementsByTagName('*').length;
  if (markup.length === 0) throw new Error('nothing rendered');
}
const cells = runs.length * HEATMAP_METRICS.length * 48 * 500;
console.log(`views.bench: 2 runs × ${HEATMAP_METRICS.length} metrics × 48 layers × 500 steps = ${cells} cells, ${elements} DOM elements`);
console.log(`  view models  median ${median(model).toFixed(1)} ms`);
console.log(`  d3 render    median ${median(render).toFixed(1)} ms (jsdom)`);
console.log(`  total        median ${median(total).toFixed(1)} ms over ${RUNS} runs (target < 200 ms)`);
