// Benchmark: a 48-layer × 500-step heatmap set (four metrics, two compared runs). Prints the median of
// several runs for the view models and the d3 render under jsdom (slower than a browser's DOM), and,
// where Chromium is installed, the whole report's render inside headless Chromium. Target < 200 ms.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { buildComparison } from '../../webview/views/compare';
import { renderHeatmap } from '../../webview/views/heatmap';
import { HEATMAP_METRICS } from '../../webview/views/heatmapModel';
import { renderReportHtml } from '../../src/report/html';
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
const cpu: number[] = [];
let elements = 0;
for (let i = 0; i < RUNS; i++) {
  const doc = new JSDOM('<!DOCTYPE html><body></body>').window.document;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const comparison = buildComparison(runs, { metrics: HEATMAP_METRICS });
  const t1 = performance.now();
  for (const metric of HEATMAP_METRICS) {
    for (const heatmap of comparison.heatmaps[metric]) renderHeatmap(doc.body.appendChild(doc.createElement('div')), heatmap);
  }
  // Serialising forces jsdom to have built every node, as a browser would before painting.
  const markup = doc.body.innerHTML;
  const t2 = performance.now();
  const used = process.cpuUsage(c0);
  cpu.push((used.user + used.system) / 1000);
  model.push(t1 - t0);
  render.push(t2 - t1);
  total.push(t2 - t0);
  elements = doc.body.getElementsByTagName('*').length;
  if (markup.length === 0) throw new Error('nothing rendered');
}
const cells = runs.length * HEATMAP_METRICS.length * 48 * 500;
console.log(`views.bench: 2 runs × ${HEATMAP_METRICS.length} metrics × 48 layers × 500 steps = ${cells} cells, ${elements} DOM elements`);
console.log(`  load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine`);
console.log(`  view models       median ${median(model).toFixed(1)} ms`);
console.log(`  d3 render (jsdom) median ${median(render).toFixed(1)} ms`);
console.log(`  total (jsdom)     median ${median(total).toFixed(1)} ms over ${RUNS} runs (target < 200 ms)`);
// On a shared machine wall time includes waiting for a core; CPU time is the work itself (GC threads included).
console.log(`  CPU time (jsdom)  median ${median(cpu).toFixed(1)} ms`);

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (chromium) {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-views-bench-'));
  const page = join(dir, 'report.html');
  writeFileSync(page, renderReportHtml(runs, { title: 'views.bench', generated: 'bench' }));
  const browser: number[] = [];
  for (let i = 0; i < 5; i++) {
    const dom = execFileSync(chromium, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${page}`,
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    const match = /data-render-ms="([\d.]+)"/.exec(dom);
    if (match) browser.push(Number(match[1]));
  }
  if (browser.length > 0) {
    console.log(`  whole report in headless Chromium (models + DOM, 2 columns: diagrams, 8 heatmaps, 3 charts, configs): median ${median(browser).toFixed(1)} ms over ${browser.length} loads`);
  }
} else {
  console.log('  (no Chromium: skipped the in-browser figure)');
}
