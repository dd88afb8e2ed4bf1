// The scenarios that open NormScope's panel: run a probe, compare two placements, switch to a light theme.
import { check } from './check';
import type { FrameLocator } from 'playwright-core';
import { checkHeatmaps, checkLossCurve, heatmapFacts, panelColours, panelFrame, printedNumber, readoutValue, waitForRuns } from './panel';
import { colourDistance, luminance } from './pixels';
import type { Scenario } from './scenarios';
import { EXAMPLES } from './workspace';
import { editorLine, openFile, pickQuickItem, runCommand, SLOW_MS, tickedQuickItems } from './workbench';

/** The palette titles the editor contributes (src/host/commands.ts, category NormScope). */
export const COMMANDS = {
  probe: 'NormScope: Probe Model Under Cursor',
  compare: 'NormScope: Compare Placements…',
};

/** The diagram of the run's block: nodes, and among them the norms this placement puts where. */
async function checkDiagram(frame: FrameLocator, note: (message: string) => void): Promise<void> {
  const diagram = frame.locator('.ns-compare svg.ns-diagram').first();
  await diagram.waitFor({ state: 'visible' });
  const nodes = await diagram.locator('.ns-node').count();
  const norms = await diagram.locator('.ns-node.ns-norm, .ns-node.ns-final-norm').count();
  const adds = await diagram.locator('.ns-node.ns-add').count();
  note(`diagram: ${nodes} nodes, ${norms} norms, ${adds} adds`);
  // A Pre-LN block: a norm before each of its two sublayers and a residual add after each.
  check(norms >= 2 && adds >= 2, `the block diagram shows ${norms} norm(s) and ${adds} add(s)`);
}

export const probeScenario: Scenario = {
  slug: 'probe-panel',
  title: 'run the probe from the command palette: diagram, heatmaps with finite values, a loss curve',
  async run({ page, context, note, screenshotPath }) {
    // The probe takes the model under the cursor: finding a norm definition puts the cursor in the block class.
    await openFile(page, EXAMPLES.preLn.file);
    await editorLine(page, EXAMPLES.preLn.normDefinition);
    await runCommand(page, COMMANDS.probe);
    const frame = await panelFrame(page);
    const runs = await waitForRuns(frame, 1, note);
    check(runs.length === 1 && /Pre-LN/.test(runs[0].text), `expected one Pre-LN run: ${JSON.stringify(runs)}`);
    await checkDiagram(frame, note);
    const facts = await heatmapFacts(frame);
    note(`heatmaps: ${JSON.stringify(facts)}`);
    checkHeatmaps(facts);
    const readout = await readoutValue(page, frame.locator('.ns-compare svg.ns-heatmap').first());
    note(`readout: ${readout}`);
    check(readout !== null && Number.isFinite(printedNumber(/· (\S+)$/.exec(readout)?.[1] ?? 'x')), `the heatmap readout shows no finite value: ${readout}`);
    await checkLossCurve(frame, context, 1, note);
    await page.screenshot({ path: screenshotPath });
    await page.locator('iframe.webview.ready').last().screenshot({ path: screenshotPath.replace(/\.png$/, '-webview.png') });
  },
};

export const compareScenario: Scenario = {
  slug: 'compare',
  title: 'compare Pre-LN vs Post-LN: both columns render',
  async run({ page, context, note, screenshotPath }) {
    await openFile(page, EXAMPLES.preLn.file);
    await editorLine(page, EXAMPLES.preLn.normDefinition);
    await runCommand(page, COMMANDS.compare);
    // A multi-select pick: Post-LN is the counterpart of Pre-LN; make sure it is the one ticked.
    const widget = page.locator('.quick-input-widget');
    const ticked = await tickedQuickItems(page);
    note(`ticked: ${JSON.stringify(ticked)}`);
    check(ticked.length === 1 && /^Post-LN/.test(ticked[0]), `the comparison does not offer Post-LN alone by default: ${JSON.stringify(ticked)}`);
    await widget.locator('.quick-input-box input').press('Enter');
    await widget.waitFor({ state: 'hidden', timeout: 10_000 });

    const frame = await panelFrame(page);
    const runs = await waitForRuns(frame, 2, note);
    check(runs.some((run) => /Pre-LN/.test(run.text)) && runs.some((run) => /Post-LN/.test(run.text)), `the runs are not Pre-LN and Post-LN: ${JSON.stringify(runs)}`);
    const facts = await heatmapFacts(frame);
    note(`heatmaps: ${JSON.stringify(facts)}`);
    checkHeatmaps(facts);
    const headers = frame.locator('.ns-compare .ns-cell-header');
    const labels = (await headers.allInnerTexts()).map((text) => text.split('\n')[0].trim());
    note(`columns: ${JSON.stringify(labels)}`);
    for (const label of ['Pre-LN', 'Post-LN']) {
      check(labels.some((text) => text.includes(label)), `no column headed ${label}: ${JSON.stringify(labels)}`);
      check(facts.some((fact) => fact.run.includes(label)), `no heatmap in the ${label} column`);
    }
    // Side by side: the two column headers sit at different x, both visible.
    const boxes = await Promise.all((await headers.all()).map((header) => header.boundingBox()));
    check(boxes.length === 2 && boxes.every((box) => box !== null && box.width > 50), `the two columns are not both visible: ${JSON.stringify(boxes)}`);
    check(boxes[0]!.x + boxes[0]!.width <= boxes[1]!.x + 1, `the two columns overlap or stack: ${JSON.stringify(boxes)}`);
    await checkLossCurve(frame, context, 2, note);
    await page.screenshot({ path: screenshotPath });
  },
};

export const themeScenario: Scenario = {
  slug: 'light-theme',
  title: 'switch to a light theme: the panel redraws with the theme colours',
  async run({ page, context, note, screenshotPath }) {
    // The panel follows the model under the cursor: go back to the compared Pre-LN block, whose runs it keeps.
    await openFile(page, EXAMPLES.preLn.file);
    await editorLine(page, EXAMPLES.preLn.normDefinition);
    const before = await panelColours(page, context);
    note(`dark: background ${JSON.stringify(before.background)}, text ${before.text}`);
    check(luminance(before.background) < 0.35, `the panel is not dark under the dark theme: ${JSON.stringify(before.background)}`);
    await runCommand(page, 'Preferences: Color Theme');
    await pickQuickItem(page, 'Light Modern');
    await page.locator('.monaco-workbench.vs').waitFor({ state: 'attached', timeout: 30_000 });
    const frame = await panelFrame(page);
    // The webview receives the new theme's variables; wait until its text colour has changed.
    await frame.locator('.ns-compare svg.ns-heatmap').first().evaluate(async (element, old) => {
      for (let i = 0; i < 200 && getComputedStyle(element).color === old; i++) await new Promise((r) => setTimeout(r, 50));
    }, before.text);
    const after = await panelColours(page, context);
    note(`light: background ${JSON.stringify(after.background)}, text ${after.text}`);
    check(luminance(after.background) > 0.8, `the panel background is not light after the switch: ${JSON.stringify(after.background)}`);
    check(after.text !== before.text, `the chart text colour did not follow the theme (${after.text})`);
    check(colourDistance(before.background, after.background) > 100, 'the panel background barely changed');
    checkHeatmaps(await heatmapFacts(frame));
    await page.screenshot({ path: screenshotPath });
  },
};
