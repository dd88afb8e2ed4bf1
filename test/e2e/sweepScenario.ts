// A depth sweep from the command palette: the placements pick (Pre-LN and Post-LN ticked), the depths box
// refusing bad text as it is typed, then the panel's sweep section with its three charts against L and
// Pre-LN's predicted 1/√L band. Depths 3 and 6 at 40 steps (normscope.sweep.steps in main.ts): every chart
// has points (the last third needs L ≥ 3), and Pre-LN leaves the unigram plateau, so its lines are drawn.
import type { FrameLocator } from 'playwright-core';
import { check } from './check';
import { panelFrame, PROBE_MS } from './panel';
import { distinctColours, pixelStats } from './pixels';
import type { Scenario } from './scenarios';
import { EXAMPLES } from './workspace';
import { editorLine, openFile, plainText, runCommand, SLOW_MS, tickedQuickItems } from './workbench';

const SWEEP_COMMAND = 'NormScope: Sweep Depth…';
const DEPTHS = [3, 6];

interface SweepChartFacts { kind: string; title: string; points: number; stalled: number; lines: string[]; bands: string[]; legend: string[] }

async function sweepCharts(frame: FrameLocator): Promise<SweepChartFacts[]> {
  return frame.locator('.ns-sweep-section svg.ns-chart').evaluateAll((svgs) => svgs.map((svg) => ({
    kind: [...svg.classList].find((c) => c.startsWith('ns-chart-sweep-')) ?? '',
    title: svg.querySelector('.ns-title')?.textContent ?? '',
    points: svg.querySelectorAll('.ns-points circle').length,
    stalled: svg.querySelectorAll('.ns-points circle.ns-point-stalled').length,
    lines: [...svg.querySelectorAll('.ns-lines path')].map((p) => p.getAttribute('d') ?? ''),
    bands: [...svg.querySelectorAll('.ns-bands path')].map((p) => p.getAttribute('d') ?? ''),
    legend: [...svg.querySelectorAll('.ns-legend title')].map((t) => t.textContent ?? ''),
  })));
}

export const sweepScenario: Scenario = {
  slug: 'sweep-depth',
  title: 'sweep a Pre-LN model over depth from the palette: loss, last contribution with 1/√L, layer importance against L',
  async run({ page, context, note, screenshotPath }) {
    await openFile(page, EXAMPLES.preLn.file);
    await editorLine(page, EXAMPLES.preLn.normDefinition);
    await runCommand(page, SWEEP_COMMAND);

    // Which placements: the model's own and its counterpart are ticked.
    const widget = page.locator('.quick-input-widget');
    const ticked = await tickedQuickItems(page);
    note(`ticked: ${JSON.stringify(ticked)}`);
    check(ticked.length === 2 && ticked.some((t) => /^Pre-LN/.test(t)) && ticked.some((t) => /^Post-LN/.test(t)), `the sweep does not offer Pre-LN and Post-LN by default: ${JSON.stringify(ticked)}`);
    await widget.locator('.quick-input-box input').press('Enter');

    // Which depths: the box refuses a bad list as it is typed, then takes a good one.
    const input = widget.locator('.quick-input-box input');
    await widget.locator('.quick-input-title, .quick-input-header').filter({ hasText: /Depths L to probe/ }).first().waitFor({ state: 'visible', timeout: SLOW_MS })
      .catch(() => undefined);
    await input.fill('6,abc');
    const message = widget.locator('.quick-input-message');
    await message.filter({ hasText: /got 'abc'/ }).waitFor({ state: 'visible', timeout: 10_000 });
    note(`refused: ${plainText(await message.innerText())}`);
    await input.press('Enter');
    check(await widget.isVisible(), 'the depths box closed on a refused list');
    await input.fill(DEPTHS.join(','));
    await message.filter({ hasText: /got 'abc'/ }).waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    await input.press('Enter');
    await widget.waitFor({ state: 'hidden', timeout: 10_000 });

    // The runs go with a progress notification; the panel shows the sweep once every run is done.
    const progress = page.locator('.notifications-toasts .notification-toast', { hasText: /sweeping Block over depth/ });
    const sawProgress = await progress.first().waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false);
    note(`progress notification seen: ${sawProgress}`);
    const frame = await panelFrame(page);
    const section = frame.locator(`.ns-sweep-section[data-points="${2 * DEPTHS.length}"]`);
    await section.waitFor({ state: 'attached', timeout: PROBE_MS });
    const heading = plainText(await section.locator('h3').innerText());
    note(`heading: ${heading}`);
    check(/Depth sweep: pre, post at L = 3, 6 · 40 steps/.test(heading), `the sweep heading does not say what ran: ${heading}`);

    const charts = await sweepCharts(frame);
    note(`charts: ${JSON.stringify(charts.map((c) => ({ kind: c.kind, points: c.points, stalled: c.stalled, lines: c.lines.length, bands: c.bands.length })))}`);
    const byKind = new Map(charts.map((c) => [c.kind, c]));
    const loss = byKind.get('ns-chart-sweep-loss');
    const contribution = byKind.get('ns-chart-sweep-contribution');
    const importance = byKind.get('ns-chart-sweep-importance');
    check(loss !== undefined && contribution !== undefined && importance !== undefined, `the sweep lacks a chart: ${JSON.stringify([...byKind.keys()])}`);
    check(loss.points === 4 && importance.points === 4, `a dot per run is expected (loss ${loss.points}, importance ${importance.points})`);
    check(contribution.points === 8, `trained and at-init dots per run are expected: ${contribution.points}`);
    for (const chart of [loss, contribution, importance]) {
      check(chart.lines.length > 0 && chart.lines.every((d) => d.length > 0 && !/NaN|Infinity/.test(d)), `${chart.title}: no finite lines ${JSON.stringify(chart.lines)}`);
    }
    // Pre-LN's predicted last contribution at init, √(δ/(1+Lδ)) ~ 1/√L, drawn as a band in its colour.
    check(contribution.bands.length === 1 && /^M[\d.]+,[\d.]+/.test(contribution.bands[0]), `no Pre-LN 1/√L band: ${JSON.stringify(contribution.bands)}`);
    check(contribution.legend.some((l) => /1\/√L/.test(l)), `the band is not labelled 1/√L: ${JSON.stringify(contribution.legend)}`);
    check(importance.legend.some((l) => /⅓/.test(l)), `the importance chart has no ⅓ reference: ${JSON.stringify(importance.legend)}`);
    // Pre-LN at 40 steps leaves the plateau: its runs are not faded.
    const preStalled = await frame.locator('.ns-sweep-section svg.ns-chart-sweep-importance .ns-points circle.ns-point-stalled title').allTextContents();
    note(`stalled dots: ${JSON.stringify(preStalled)}`);
    check(!preStalled.some((t) => t.startsWith('Pre-LN')), `Pre-LN runs are marked stalled: ${JSON.stringify(preStalled)}`);
    const table = await section.locator('.ns-sweep-table tbody tr').allInnerTexts();
    note(`table: ${JSON.stringify(table.map(plainText))}`);
    check(table.length === 8, `the table has ${table.length} rows, not 2 placements × 4 measures`);

    // Painted: the charts show coloured lines, not only axes and text.
    const svg = section.locator('svg.ns-chart-sweep-contribution');
    await svg.scrollIntoViewIfNeeded();
    const stats = await pixelStats(context, await svg.screenshot());
    check(distinctColours(stats, 20) >= 3, 'the contribution chart paints no visible lines');
    await section.locator('svg.ns-chart').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath });
    // The panel scrolled to the importance chart and the table (an element screenshot two iframes deep is
    // misplaced, so the webview's iframe is shot whole).
    await section.locator('svg.ns-chart-sweep-importance').scrollIntoViewIfNeeded();
    await page.locator('iframe.webview.ready').last().screenshot({ path: screenshotPath.replace(/\.png$/, '-webview.png') });
  },
};
