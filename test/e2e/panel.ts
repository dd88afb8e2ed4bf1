// Reads NormScope's panel as a person sees it: runs and their status, the block diagram, heatmap cells and
// the values they show, the loss curve, and the painted colours. The webview sits two iframes deep.
import type { BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import { distinctColours, dominantColour, pixelStats } from './pixels';
import type { Rgb } from './pixels';
import { check } from './check';
import { plainText, revealTab, webviewFrame } from './workbench';

/** A probe on SwiftShader WebGL (or the CPU fallback) on a loaded 2-core machine takes a while. */
export const PROBE_MS = 200_000;

export interface RunFacts { label: string; status: string; text: string }

export interface HeatmapFacts {
  metric: string;
  /** The run it belongs to (its column's caption), when the panel compares runs. */
  run: string;
  /** Painted cells: one rect per cell, or one path per colour level. */
  cells: number;
  nonFinite: number;
  /** Values the cells carry (data-value), where the renderer writes them. */
  values: number[];
}

/** Makes sure the panel's tab is in front, then returns its document. */
export async function panelFrame(page: Page): Promise<FrameLocator> {
  if (!(await page.locator('iframe.webview.ready').last().isVisible().catch(() => false))) await revealTab(page, 'NormScope');
  return webviewFrame(page);
}

export async function runFacts(frame: FrameLocator): Promise<RunFacts[]> {
  return frame.locator('.ns-run').evaluateAll((items) => items.map((item) => ({
    label: (item.querySelector('.ns-run-label, vscode-badge, .badge')?.textContent ?? '').trim(),
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
    await frame.locator('.ns-run').first().page().waitForTimeout(1000);
  }
}

export async function heatmapFacts(frame: FrameLocator): Promise<HeatmapFacts[]> {
  return frame.locator('svg.ns-heatmap').evaluateAll((svgs) => svgs.map((svg) => {
    const column = svg.closest('[data-run-id]');
    const cells = [...svg.querySelectorAll('rect.cell, path.ns-level')].filter((cell) => cell.tagName !== 'path' || (cell.getAttribute('d') ?? '') !== '');
    return {
      metric: svg.closest('[data-metric]:not(svg)')?.getAttribute('data-metric') ?? svg.getAttribute('data-metric') ?? '',
      run: (column?.querySelector('figcaption')?.textContent ?? '').trim(),
      cells: cells.length,
      nonFinite: svg.querySelectorAll('.ns-nonfinite').length,
      values: cells.map((cell) => cell.getAttribute('data-value')).filter((value): value is string => value !== null).map(Number),
    };
  }));
}

/** Points at the middle of a heatmap and reads the value its readout prints, where the renderer has one. */
export async function readoutValue(page: Page, svg: Locator): Promise<string | null> {
  const readout = svg.locator('.ns-readout');
  if ((await readout.count()) === 0) return null;
  const box = await svg.boundingBox();
  check(box !== null, 'the heatmap is not laid out');
  for (const [fx, fy] of [[0.55, 0.5], [0.7, 0.4], [0.4, 0.6]]) {
    await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 4 });
    const text = plainText((await readout.textContent()) ?? '');
    if (/layer \d+ · step \d+ · /.test(text)) return text;
  }
  throw new Error('the heatmap readout shows no value under the pointer');
}

/** Every heatmap paints cells, none non-finite, with more than one value (a flat map means nothing was measured). */
export function checkHeatmaps(facts: HeatmapFacts[]): void {
  check(facts.length > 0, 'the panel shows no heatmap');
  for (const fact of facts) {
    const name = `${fact.metric}${fact.run ? ` (${fact.run})` : ''}`;
    check(fact.cells >= 2, `heatmap ${name} paints ${fact.cells} cell(s)`);
    check(fact.nonFinite === 0, `heatmap ${name} has ${fact.nonFinite} non-finite cell(s)`);
    check(fact.values.every(Number.isFinite), `heatmap ${name} carries a non-finite value`);
    if (fact.values.length > 0) check(new Set(fact.values).size > 1, `heatmap ${name} is flat: every cell is ${fact.values[0]}`);
  }
}

/** The loss curve: a path with finite coordinates that paints visible pixels. */
export async function checkLossCurve(frame: FrameLocator, context: BrowserContext, note: (message: string) => void): Promise<void> {
  const chart = frame.locator('svg[data-kind="loss"], svg.ns-loss').first();
  await chart.waitFor({ state: 'visible' });
  const paths = await chart.locator('path').evaluateAll((elements) => elements.map((element) => element.getAttribute('d') ?? '')
    .filter((d) => /^M/.test(d)));
  const longest = paths.sort((a, b) => b.length - a.length)[0] ?? '';
  const points = longest.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?,-?\d+(?:\.\d+)?(?:e-?\d+)?/g) ?? [];
  note(`loss curve: ${points.length} points`);
  check(points.length >= 5, `the loss curve has ${points.length} points`);
  check(!/NaN|Infinity/.test(longest), 'the loss curve holds a non-finite coordinate');
  const stats = await pixelStats(context, await chart.screenshot());
  check(distinctColours(stats, 20) >= 3, 'the loss chart paints no visible curve');
}

/** The panel's painted background and its charts' text colour. */
export async function panelColours(page: Page, context: BrowserContext): Promise<{ background: Rgb; text: string }> {
  const frame = await panelFrame(page);
  const svg = frame.locator('svg.ns-heatmap').first();
  await svg.waitFor({ state: 'visible' });
  const stats = await pixelStats(context, await page.locator('iframe.webview.ready').last().screenshot());
  const text = await svg.evaluate((element) => getComputedStyle(element).color);
  return { background: dominantColour(stats), text };
}
