// The HTML report: one self-contained file (no remote loads) holding every run, which draws itself offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { renderReportHtml } from '../../src/report/html';
import { decodeReportData, encodeReportData } from '../../webview/views/reportData';
import { fakeRun } from '../views/fakeRuns';

const runs = [
  fakeRun({ placement: 'pre', layers: 12, steps: 200, recordEvery: 10, seed: 7 }),
  fakeRun({ placement: 'post', layers: 12, steps: 200, recordEvery: 10, seed: 7, divergeAt: 120 }),
  fakeRun({ placement: 'sandwich', layers: 12, steps: 200, recordEvery: 10, seed: 7 }),
];
runs[2].clamped = ['d 8192 → 64 to fit the probe'];
const html = renderReportHtml(runs, { title: 'Block <probe> & compare', source: 'examples/gpt2.py', generated: '2026-01-01T00:00:00.000Z' });

/** XML namespace names d3 carries as identifiers; they are never fetched. */
const NAMESPACES = new Set([
  'http://www.w3.org/1999/xhtml', 'http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg',
  'http://www.w3.org/2000/xmlns/', 'http://www.w3.org/XML/1998/namespace',
]);

test('the report loads nothing from outside itself', () => {
  const urls = [...html.matchAll(/https?:\/\/[^\s"'`)<>]*/g)].map((m) => m[0]);
  assert.deepEqual(urls.filter((u) => !NAMESPACES.has(u)), [], 'no http(s) URL other than XML namespace names');
  assert.doesNotMatch(html, /<(script|link|img|iframe|source|video|audio|object|embed)\b[^>]*\s(src|href|data)\s*=/i);
  assert.doesNotMatch(html, /@import|url\(\s*['"]?(https?:|\/\/)/i);
  assert.doesNotMatch(html, /\s(src|href)\s*=\s*["']?\/\//i, 'no protocol-relative loads');
  assert.equal((html.match(/<script\b/g) ?? []).length, 2, 'the data island and the inlined bundle');
  assert.ok(html.length > 50_000, 'the d3 bundle is inlined');
});

test('the report holds every run exactly, NaN included, and escapes the title', () => {
  const dom = new JSDOM(html);
  const data = decodeReportData(dom.window.document.getElementById('normscope-data')!.textContent!);
  assert.equal(data.runs.length, 3);
  assert.deepEqual(data.runs, runs);
  assert.ok(Number.isNaN(data.runs[1].metrics.loss.at(-1)!));
  assert.equal(dom.window.document.title, 'Block <probe> & compare');
  assert.match(html, /<h1>Block &lt;probe&gt; &amp; compare<\/h1>/);
  assert.match(html, /examples\/gpt2\.py · 3 runs: pre vs post vs sandwich/);
});

test('the data island survives text that would end a script', () => {
  const run = fakeRun({ placement: 'pre', layers: 2, steps: 10, recordEvery: 10, seed: 1 });
  run.clamped = ['</script><script>alert(1)</script>'];
  const text = encodeReportData({ title: 't', source: null, generated: 'g', runs: [run] });
  assert.doesNotMatch(text, /<\/script/i);
  assert.deepEqual(decodeReportData(text).runs[0].clamped, run.clamped);
});

test('opened offline, the report draws a column per run with diagram, heatmaps, notes and config', async () => {
  const dom = new JSDOM(html, { runScripts: 'dangerously' });
  const doc = dom.window.document;
  assert.equal(doc.getElementById('app')!.getAttribute('data-rendered'), '3', doc.getElementById('app')!.textContent ?? '');
  const headers = [...doc.querySelectorAll('.ns-cell-header')];
  assert.deepEqual(headers.map((c) => c.querySelector('h2')!.textContent), ['Pre-LN', 'Post-LN', 'Sandwich (Peri-LN)']);
  for (let i = 0; i < 3; i++) {
    const run = (selector: string): Element[] => [...doc.querySelectorAll(`[data-run="${i}"] ${selector}`)];
    assert.equal(run('svg.ns-diagram').length, 1);
    assert.deepEqual(run('svg.ns-heatmap').map((s) => s.getAttribute('data-metric')), ['residualNorm', 'contribution', 'gradNorm', 'cosine']);
    assert.equal(run('table.ns-config tr').length, 14);
  }
  assert.match(headers[1].querySelector('.ns-run-notes')!.textContent!, /Diverged at step 120: loss became non-finite/);
  assert.match(headers[2].querySelector('.ns-run-notes')!.textContent!, /Clamped: d 8192 → 64 to fit the probe/);
  assert.ok(doc.querySelector('[data-run="1"] svg[data-metric="residualNorm"] path.ns-nonfinite'), 'diverged cells are marked');
  // Theory from src/core/theory: Pre-LN's band is drawn, and the notes say what it assumes.
  assert.ok(doc.querySelector('svg.ns-chart-theory-residualNorm path.ns-band'));
  assert.match(doc.querySelector('.ns-theory-notes')!.textContent!, /Xiong/);
  const loss = doc.querySelector('svg.ns-chart-loss')!;
  assert.equal(loss.querySelectorAll('g.ns-lines path.ns-line').length, 3);
  assert.equal(loss.querySelectorAll('line.ns-diverged').length, 1);
  dom.window.close();
});
