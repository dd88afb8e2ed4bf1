// Reads NormScope's panel as a person sees it: runs and their status, the block diagram, heatmap cells and
// the values they show, the loss curve, and the painted colours. The webview sits two iframes deep.
import type { BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import { distinctColours, dominantColour, pixelStats } from './pixels';
import type { Rgb } from './pixels';
import { check } from './check';
import { plainText, revealTab, SLOW_MS, webviewFrame } from './workbench';

/** A probe on SwiftShader WebGL (or the CPU fallback) on a loaded 2-core machine takes a while. */
export const PROBE_MS = 200_000;

export interface RunFacts { label: string; status: string; text: string }

export interface HeatmapFacts {
  metric: string;
  /** The run it belongs to: the header of its column in the comparison grid. */
  run: string;
  /** Painted colour levels (one path per colour, with cells in it). */
  levels: number;
  nonFinite: number;
  /** The numbers on its colour legend, as printed. */
  legend: string[];
}

/** Makes sure the panel's tab is in front, then returns its document. */
export async function panelFrame(page: Page): Promise<FrameLocator> {
  if (!(await page.locator('iframe.webview.ready').last().isVisible().catch(() => false))) await revealTab(page, 'NormScope');
  return webviewFrame(page);
}

export async function runFacts(frame: FrameLocator): Promise<RunFacts[]> {
  return frame.locator('.ns-run-status').evaluateAll((items) => items.map((item) => ({
    label: (item.querySelector('vscode-badge, .ns-badge, .badge')?.textContent ?? '').trim(),
    status: item.getAttribute('data-status') ?? '',
    text: (item.textContent ?? '').replace(/\s+/g, ' ').trim(),
  })));
}

/** Waits until `count` runs say they are done (or one failed, which fails the scenario at once). */
export async function waitForRuns(frame: FrameLocator, count: number, note: (message: string) => void): Promise<RunFacts[]> {
  const deadline = Date.now() + PROBE_MS;
  let last = '';
  for (;;) {
    const runs = await runFacts(frame).catch(() => [] as RunFacts[]);
    const summary = runs.map((run) => run.text).join(' | ');
    if (summary !== last) {
      note(`runs: ${summary || '(none yet)'}`);
      last = summary;
    }
    const failed = runs.find((run) => run.status === 'error');
    check(!failed, `a probe run failed: ${failed?.text}`);
    if (runs.filter((run) => run.status === 'done').length >= count) return runs;
    check(Date.now() < deadline, `fewer than ${count} run(s) finished within ${PROBE_MS / 1000} s: ${summary}`);
    await frame.owner().page().waitForTimeout(1000);
  }
}

export async function heatmapFacts(frame: FrameLocator): Promise<HeatmapFacts[]> {
  return frame.locator('.ns-compare svg.ns-heatmap').evaluateAll((svgs) => svgs.map((svg) => {
    const cell = svg.closest('.ns-cell');
    const run = cell?.getAttribute('data-run') ?? '';
    const header = cell?.parentElement?.querySelector(`.ns-cell-header[data-run="${run}"] h2`);
    return {
      metric: svg.getAttribute('data-metric') ?? '',
      run: (header?.textContent ?? '').trim(),
      levels: [...svg.querySelectorAll('path.ns-level')].filter((path) => (path.getAttribute('d') ?? '') !== '').length,
      nonFinite: svg.querySelectorAll('.ns-cells .ns-nonfinite').length,
      legend: [...svg.querySelectorAll('.ns-legend .ns-axis text')].map((text) => (text.textContent ?? '').trim()),
    };
  }));
}

/** Points at the middle of a heatmap and reads the value its readout prints, where the renderer has one. */
export async function readoutValue(page: Page, svg: Locator): Promise<string | null> {
  const readout = svg.locator('.ns-readout');
  if ((await readout.count()) === 0) return null;
  await svg.scrollIntoViewIfNeeded();
  const box = await svg.boundingBox();
  check(box !== null, 'the heatmap is not laid out');
  for (const [fx, fy] of [[0.55, 0.5], [0.7, 0.4], [0.4, 0.6], [0.5, 0.3]]) {
    // locator.hover scrolls the webview as needed and sends real pointer events through both iframes.
    await svg.hover({ position: { x: box.width * fx, y: box.height * fy }, force: true });
    const text = plainText((await readout.textContent()) ?? '');
    if (/layer \d+ · step \d+ · /.test(text)) return text;
  }
  throw new Error('the heatmap readout shows no value under the pointer');
}

/** A number as the views print it (`0.123`, `1.2e-5`, `4096`, with a Unicode minus where d3 puts one). */
export function printedNumber(text: string): number {
  return Number(text.replace(/\u2212/g, '-'));
}

/** Every heatmap paints several colour levels, no non-finite cell, and a legend of finite numbers. */
export function checkHeatmaps(facts: HeatmapFacts[]): void {
  check(facts.length > 0, 'the panel shows no heatmap');
  for (const fact of facts) {
    const name = `${fact.metric}${fact.run ? ` (${fact.run})` : ''}`;
    // One level means every cell has the same colour: nothing was measured across layers and steps.
    check(fact.levels >= 2, `heatmap ${name} paints ${fact.levels} colour level(s)`);
    check(fact.nonFinite === 0, `heatmap ${name} has non-finite cells`);
    check(fact.legend.length >= 2, `heatmap ${name} has no legend scale: ${JSON.stringify(fact.legend)}`);
    check(fact.legend.every((label) => Number.isFinite(printedNumber(label))), `heatmap ${name} has a non-finite legend: ${JSON.stringify(fact.legend)}`);
  }
}

/** The loss chart: one curve per run, each with finite coordinates, painting visible pixels. */
export async function checkLossCurve(frame: FrameLocator, context: BrowserContext, runs: number, note: (message: string) => void): Promise<void> {
  const chart = frame.locator('svg.ns-chart-loss').first();
  await chart.waitFor({ state: 'visible' });
  const curves = await chart.locator('.ns-lines path.ns-line').evaluateAll((paths) => paths.map((path) => path.getAttribute('d') ?? ''));
  const points = curves.map((d) => (d.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?,-?\d+(?:\.\d+)?(?:e-?\d+)?/g) ?? []).length);
  note(`loss curves: ${JSON.stringify(points)} points`);
  check(curves.length >= runs, `the loss chart draws ${curves.length} curve(s) for ${runs} run(s)`);
  check(points.every((count) => count >= 5), `a loss curve has fewer than 5 points: ${JSON.stringify(points)}`);
  check(curves.every((d) => !/NaN|Infinity/.test(d)), 'a loss curve holds a non-finite coordinate');
  // Visible: background, axes and text alone give few colours; a coloured curve adds its own.
  const stats = await pixelStats(context, await chart.screenshot());
  check(distinctColours(stats, 20) >= 3, 'the loss chart paints no visible curve');
}

/** The panel's painted background and its charts' text colour. */
export async function panelColours(page: Page, context: BrowserContext): Promise<{ background: Rgb; text: string }> {
  const frame = await panelFrame(page);
  const svg = frame.locator('.ns-compare svg.ns-heatmap').first();
  await svg.waitFor({ state: 'visible', timeout: SLOW_MS });
  const stats = await pixelStats(context, await page.locator('iframe.webview.ready').last().screenshot());
  const text = await svg.evaluate((element) => getComputedStyle(element).color);
  return { background: dominantColour(stats), text };
}
