// `npm run bench:panel`: the real panel bundle (dist/webview.js) in headless Chromium under the
// extension's exact Content-Security-Policy, driven through the message protocol with a fake
// acquireVsCodeApi. Prints which backend `auto` chose and why, probe and render times, any CSP
// violation, and saves a screenshot. Chromium: /usr/bin/chromium (or CHROMIUM=path).
//   node out/bench/panelBrowser.bench.js [--steps N] [--layers N] [--width PX] [--screenshot path]

import type { HostToWebview, WebviewToHost } from '../../src/protocol/messages';
import { PROBE_CONFIG, gptBlock } from '../host/fixtures';
import { fakeRun } from '../views/fakeRuns';
import { openPanelPage } from './panelPage';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const STEPS = Number(option('--steps', '40'));
const LAYERS = Number(option('--layers', '6'));
const SCREENSHOT = option('--screenshot', 'out/panel.png');

async function main(): Promise<void> {
  const panel = await openPanelPage({ width: Number(option('--width', '1100')), height: 1400 });
  const { browser, page, consoleLines } = panel;
  try {
    const send = (message: HostToWebview) => panel.send(message);
    const posted = () => panel.posted();

    await send({ type: 'setModel', model: { uri: 'file:///m/gpt.py', fileName: '/m/gpt.py', blockIndex: 0, block: gptBlock({ layers: LAYERS }) } });
    const nodes = await page.locator('.ns-node[data-line]').count();
    const config = { ...PROBE_CONFIG, layers: LAYERS, dModel: 32, heads: 4, seq: 16, batch: 4, vocab: 32, steps: STEPS, recordEvery: Math.max(1, Math.floor(STEPS / 20)) };
    const results: string[] = [];
    for (const [runId, placement, mode] of [['auto-pre', 'pre', 'auto'], ['gpu-post', 'post', 'gpu']] as const) {
      await send({ type: 'setRuns', runs: [] });
      const t0 = Date.now();
      await send({ type: 'startProbe', runId, label: placement, config: { ...config, placement }, mode });
      await page.waitForFunction((id) => ((window as unknown as { __posted: { type: string; runId?: string; snapshot?: { done: boolean } }[] }).__posted)
        .some((m) => m.runId === id && (m.type === 'probeError' || (m.type === 'snapshot' && m.snapshot?.done))), runId, { timeout: 300_000 });
      const wall = Date.now() - t0;
      const mine = (await posted()).filter((m) => 'runId' in m && m.runId === runId);
      const chosen = mine.find((m) => m.type === 'backendChosen');
      const error = mine.find((m) => m.type === 'probeError');
      const last = mine.filter((m) => m.type === 'snapshot').at(-1);
      results.push(`  ${runId}: chose ${chosen?.type === 'backendChosen' ? `${chosen.backend} (${chosen.reason})` : '?'}; ${error?.type === 'probeError' ? `ERROR ${error.message}` : `ran ${last?.type === 'snapshot' ? `${last.snapshot.result.config.backend}, note "${last.snapshot.result.backendNote ?? ''}", loss ${last.snapshot.result.metrics.loss[0]?.toFixed(3)} → ${last.snapshot.result.metrics.loss.at(-1)?.toFixed(3)}` : '?'}`}; ${STEPS} steps in ${wall} ms`);
    }
    // Render time of the full comparison: re-send both runs' final snapshots as one setRuns.
    const finals = (await posted()).filter((m): m is Extract<WebviewToHost, { type: 'snapshot' }> => m.type === 'snapshot' && m.snapshot.done);
    const renderMs = await page.evaluate((runs) => {
      const t0 = performance.now();
      window.postMessage({ type: 'setRuns', runs }, '*');
      return new Promise<number>((done) => setTimeout(() => done(performance.now() - t0), 0));
    }, finals.map((m) => ({ runId: m.runId, label: m.runId, snapshot: m.snapshot, backendNote: m.snapshot.result.backendNote ?? null, error: null })));
    const heatmaps = await page.locator('svg.ns-heatmap').count();
    // The issue's size: a 48-layer × 500-step set (2 compared runs, seeded shapes, as in the views' tests).
    const large = (['pre', 'post'] as const).map((placement, i) => {
      const result = fakeRun({ placement, layers: 48, steps: 500, recordEvery: 1, seed: 7 + i });
      return { runId: `large-${placement}`, label: placement, snapshot: { step: 500, totalSteps: 500, done: true, result }, backendNote: null, error: null };
    });
    const largeMs: number[] = [];
    for (let round = 0; round < 5; round++) {
      await send({ type: 'setRuns', runs: [] });
      largeMs.push(await page.evaluate((runs) => {
        const t0 = performance.now();
        window.postMessage({ type: 'setRuns', runs }, '*');
        // The message is handled in a task; the frame after it has laid out and painted what it drew.
        return new Promise<number>((done) => setTimeout(() => requestAnimationFrame(() => done(performance.now() - t0)), 0));
      }, large));
    }
    const largeMedian = [...largeMs].sort((a, b) => a - b)[2];
    const largeHeatmaps = await page.locator('svg.ns-heatmap').count();
    await send({ type: 'setRuns', runs: finals.map((m) => ({ runId: m.runId, label: m.runId, snapshot: m.snapshot, backendNote: m.snapshot.result.backendNote ?? null, error: null })) });
    const violations = await panel.violations();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const renderer = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      return gl ? String(gl.getParameter(gl.RENDERER)) : 'no WebGL2';
    });
    console.log(`NormScope panel in headless Chromium (${await browser.version()}, WebGL2: ${renderer})`);
    console.log(`  diagram: ${nodes} clickable nodes`);
    for (const line of results) console.log(line);
    console.log(`  comparison render (2 runs, ${heatmaps} heatmaps, loss + theory): ${renderMs.toFixed(1)} ms`);
    console.log(`  48 layers × 500 steps, 2 runs (${largeHeatmaps} heatmaps): render median ${largeMedian.toFixed(1)} ms over 5 (min ${Math.min(...largeMs).toFixed(1)}, max ${Math.max(...largeMs).toFixed(1)}); target < 200 ms`);
    console.log(`  CSP violations: ${violations.length === 0 ? 'none' : violations.join('; ')}`);
    const problems = consoleLines.filter((line) => /^(error|pageerror)/.test(line));
    console.log(`  console errors: ${problems.length === 0 ? 'none' : problems.slice(0, 5).join(' | ')}`);
    console.log(`  screenshot: ${SCREENSHOT}`);
  } finally {
    await panel.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
