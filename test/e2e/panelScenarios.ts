// The scenarios that open NormScope's panel: run a probe, compare two placements, switch to a light theme.
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { colourDistance, distinctColours, dominantColour, luminance, pixelStats } from './pixels';
import type { Scenario } from './scenarios';
import { check } from './scenarios';
import { EXAMPLES } from './workspace';
import { editorLine, openFile, pickQuickItem, plainText, runCommand, webviewFrame } from './workbench';

/** The palette titles the editor contributes (package.json `contributes.commands`). */
export const COMMANDS = {
  probe: 'NormScope: Probe Model Under Cursor',
  compare: 'NormScope: Compare Pre-LN vs Post-LN',
};

/** A probe on SwiftShader WebGL (or the CPU fallback) on a loaded 2-core machine takes a while. */
const PROBE_MS = 180_000;

export interface HeatmapFacts { metric: string; label: string; levels: number; nonFinite: number }

async function heatmapFacts(frame: FrameLocator): Promise<HeatmapFacts[]> {
  const facts: HeatmapFacts[] = [];
  for (const svg of await frame.locator('svg.ns-heatmap').all()) {
    facts.push({
      metric: (await svg.getAttribute('data-metric')) ?? '',
      label: (await svg.getAttribute('aria-label')) ?? '',
      levels: await svg.locator('path.ns-level[d]:not([d=""])').count(),
      nonFinite: await svg.locator('.ns-nonfinite').count(),
    });
  }
  return facts;
}

/** Points at the middle of a heatmap's plot and reads the value the readout prints there. */
async function readoutValue(page: Page, svg: Locator): Promise<{ text: string; value: number }> {
  const box = await svg.boundingBox();
  check(box !== null, 'the heatmap is not laid out');
  const readout = svg.locator('.ns-readout');
  for (const [fx, fy] of [[0.55, 0.5], [0.7, 0.4], [0.4, 0.6]]) {
    await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 4 });
    const text = plainText(await readout.textContent() ?? '');
    const match = /layer (\d+) · step (\d+) · (\S+)/.exec(text);
    if (match) return { text, value: Number(match[3]) };
  }
  throw new Error('the heatmap readout shows no value under the pointer');
}

/** Waits until the panel shows finished heatmaps for `runs` runs, then checks every value is finite. */
async function waitForFinishedPanel(page: Page, runs: number, note: (message: string) => void): Promise<FrameLocator> {
  const frame = webviewFrame(page);
  await frame.locator('svg.ns-heatmap').first().waitFor({ state: 'visible', timeout: PROBE_MS });
  // A run is done when its status says so; until then the heatmaps grow step by step.
  await frame.locator('[data-run-state="done"]').nth(runs - 1).waitFor({ state: 'attached', timeout: PROBE_MS });
  const facts = await heatmapFacts(frame);
  note(`heatmaps: ${JSON.stringify(facts)}`);
  check(facts.length >= runs, `expected heatmaps for ${runs} run(s), found ${facts.length}`);
  for (const fact of facts) {
    check(fact.levels >= 2, `heatmap ${fact.label} paints ${fact.levels} colour level(s): no structure across layers and steps`);
    check(fact.nonFinite === 0, `heatmap ${fact.label} has non-finite cells`);
  }
  return frame;
}

async function checkLossCurve(frame: FrameLocator, context: Parameters<typeof pixelStats>[0], note: (message: string) => void): Promise<void> {
  const chart = frame.locator('svg.ns-line[data-kind="loss"]').first();
  await chart.waitFor({ state: 'visible' });
  const d = (await chart.locator('path.ns-line-path').first().getAttribute('d')) ?? '';
  const points = d.match(/-?\d+(\.\d+)?,-?\d+(\.\d+)?/g) ?? [];
  note(`loss curve: ${points.length} points`);
  check(points.length >= 5, `the loss curve has ${points.length} points`);
  check(!/NaN|Infinity/.test(d), 'the loss curve path holds a non-finite coordinate');
  // Visible: the curve's stroke paints pixels that differ from the background.
  const stats = await pixelStats(context, await chart.screenshot());
  check(distinctColours(stats, 20) >= 3, 'the loss chart paints no visible curve');
}

export const probeScenario: Scenario = {
  slug: 'probe-panel',
  title: 'run the probe from the command palette: diagram, heatmaps with finite values, a loss curve',
  async run({ page, context, note, screenshotPath }) {
    await openFile(page, EXAMPLES.preLn);
    // The probe takes the model under the cursor: put it inside the block class.
    await (await editorLine(page, 'self.ln_1 = ')).click();
    await runCommand(page, COMMANDS.probe);
    const frame = await waitForFinishedPanel(page, 1, note);
    const nodes = await frame.locator('.ns-node').count();
    const norms = await frame.locator('.ns-node.ns-norm, .ns-node.ns-final-norm').count();
    note(`diagram: ${nodes} nodes, ${norms} norms`);
    check(nodes >= 4 && norms >= 1, `the block diagram shows ${nodes} nodes and ${norms} norms`);
    const first = frame.locator('svg.ns-heatmap').first();
    const { text, value } = await readoutValue(page, first);
    note(`readout: ${text}`);
    check(Number.isFinite(value), `the heatmap readout is not a finite number: ${text}`);
    await checkLossCurve(frame, context, note);
    await page.screenshot({ path: screenshotPath });
  },
};

export const compareScenario: Scenario = {
  slug: 'compare',
  title: 'compare Pre-LN vs Post-LN: both columns render',
  async run({ page, note, screenshotPath }) {
    await openFile(page, EXAMPLES.preLn);
    await (await editorLine(page, 'self.ln_1 = ')).click();
    await runCommand(page, COMMANDS.compare);
    const frame = await waitForFinishedPanel(page, 2, note);
    const columns = frame.locator('[data-run-label]');
    const labels = await columns.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-run-label')));
    note(`columns: ${JSON.stringify(labels)}`);
    check(labels.includes('Pre-LN') && labels.includes('Post-LN'), `the comparison does not show Pre-LN and Post-LN: ${JSON.stringify(labels)}`);
    for (const label of ['Pre-LN', 'Post-LN']) {
      const column = frame.locator(`[data-run-label="${label}"]`).first();
      const heatmaps = await column.locator('svg.ns-heatmap').count();
      check(heatmaps >= 1, `the ${label} column renders no heatmap`);
      const box = await column.boundingBox();
      check(box !== null && box.width > 100 && box.height > 100, `the ${label} column is not visible`);
    }
    await page.screenshot({ path: screenshotPath });
  },
};

/** The panel's background and text colours as painted, from a screenshot of its first heatmap. */
async function panelColours(page: Page, context: Parameters<typeof pixelStats>[0]) {
  const frame = webviewFrame(page);
  const svg = frame.locator('svg.ns-heatmap').first();
  await svg.waitFor({ state: 'visible' });
  const stats = await pixelStats(context, await page.locator('iframe.webview.ready').last().screenshot());
  const text = await svg.evaluate((element) => getComputedStyle(element).color);
  return { background: dominantColour(stats), text };
}

export const themeScenario: Scenario = {
  slug: 'light-theme',
  title: 'switch to a light theme: the panel redraws with the theme colours',
  async run({ page, context, note, screenshotPath }) {
    const before = await panelColours(page, context);
    note(`dark: background ${JSON.stringify(before.background)}, text ${before.text}`);
    check(luminance(before.background) < 0.35, `the panel is not dark under the dark theme: ${JSON.stringify(before.background)}`);
    await runCommand(page, 'Preferences: Color Theme');
    await pickQuickItem(page, 'Light Modern');
    await page.locator('.monaco-workbench.vs').waitFor({ state: 'attached', timeout: 30_000 });
    const frame = webviewFrame(page);
    // The webview receives the new theme's variables; wait until its text colour has changed.
    await frame.locator('svg.ns-heatmap').first().evaluate(async (element, old) => {
      for (let i = 0; i < 200 && getComputedStyle(element).color === old; i++) await new Promise((r) => setTimeout(r, 50));
    }, before.text);
    const after = await panelColours(page, context);
    note(`light: background ${JSON.stringify(after.background)}, text ${after.text}`);
    check(luminance(after.background) > 0.8, `the panel background is not light after the switch: ${JSON.stringify(after.background)}`);
    check(after.text !== before.text, `the chart text colour did not follow the theme (${after.text})`);
    check(colourDistance(before.background, after.background) > 100, 'the panel background barely changed');
    const facts = await heatmapFacts(frame);
    check(facts.length >= 1 && facts.every((fact) => fact.levels >= 2), 'the heatmaps did not survive the redraw');
    await page.screenshot({ path: screenshotPath });
  },
};
