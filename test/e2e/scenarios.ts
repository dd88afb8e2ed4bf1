// The things a person does with NormScope, each asserted on what the screen shows: the list the runner walks.
import type { BrowserContext, Page } from 'playwright-core';
import { check } from './check';
import { compareScenario, probeScenario, themeScenario } from './panelScenarios';
import { trainingRunScenario } from './runScenario';
import { sweepScenario } from './sweepScenario';
import { BROKEN_FILE, EXAMPLES, brokenLine } from './workspace';
import { editorLine, hoverWord, notifications, openFile, plainText, runCommand, SLOW_MS, waitForCodeLens } from './workbench';

export interface ScenarioContext {
  page: Page;
  context: BrowserContext;
  workspace: string;
  outDir: string;
  /** Where the scenario's screenshot goes; the runner takes one at the end if the scenario took none. */
  screenshotPath: string;
  note(message: string): void;
}

export interface Scenario {
  slug: string;
  title: string;
  run(ctx: ScenarioContext): Promise<void>;
}

/** The lenses above a class, once one of them matches `lens`: the lens sits above the class, which may be far down the file. */
async function lensesAbove(page: Page, classLine: string, lens: RegExp): Promise<string[]> {
  await editorLine(page, classLine);
  return waitForCodeLens(page, lens);
}

const codeLens: Scenario = {
  slug: 'codelens-pre-ln',
  title: 'open a Pre-LN model: the CodeLens shows its placement and depth',
  async run({ page, note, screenshotPath }) {
    const example = EXAMPLES.preLn;
    await openFile(page, example.file);
    const lenses = await lensesAbove(page, example.classLine, example.lens);
    note(`CodeLenses: ${JSON.stringify(lenses)}`);
    check(lenses.some((text) => example.lens.test(text)), `no CodeLens reads ${example.lens}: ${JSON.stringify(lenses)}`);
    check(lenses.some((text) => /Probe/.test(text)), `no Probe CodeLens beside the placement: ${JSON.stringify(lenses)}`);
    check(!lenses.some((text) => /Post-LN/.test(text)), `a Pre-LN file must not be labelled Post-LN: ${JSON.stringify(lenses)}`);
    await page.screenshot({ path: screenshotPath });
  },
};

const hover: Scenario = {
  slug: 'hover-norm',
  title: 'hover a norm definition: the tooltip names the placement and the prediction',
  async run({ page, note, screenshotPath }) {
    const example = EXAMPLES.preLn;
    await openFile(page, example.file);
    const line = await editorLine(page, example.normDefinition);
    const { text, hover } = await hoverWord(page, line, example.normName, /NormScope/);
    note(`hover: ${text.slice(0, 400)}`);
    check(text.includes(`norm ${example.normName}`), `the hover does not name the norm ${example.normName}: ${text}`);
    check(/Pre-LN/.test(text), `the hover does not name the placement Pre-LN: ${text}`);
    check(/Predicted at initialisation/.test(text), `the hover has no prediction: ${text}`);
    // Pre-LN's stream grows linearly with depth (Xiong et al. 2020): the prediction must say so for this depth.
    check(text.includes(`L=${example.depth}`), `the prediction is not for this model's depth L=${example.depth}: ${text}`);
    // Xiong et al. 2020: Pre-LN's E‖x_L‖²/d lies in [1 + L/2, 1 + 3L/2]; the hover gives its RMS band √ of that.
    const low = Math.sqrt(1 + example.depth / 2).toFixed(2);
    const high = Math.sqrt(1 + (3 * example.depth) / 2).toFixed(2);
    check(text.includes(low) && text.includes(high), `the hover's depth prediction lacks Xiong's band ${low}…${high}: ${text}`);
    await hover.screenshot({ path: screenshotPath.replace(/\.png$/, '-tooltip.png') });
    await page.screenshot({ path: screenshotPath });
    await page.mouse.move(0, 0);
  },
};

const syntaxError: Scenario = {
  slug: 'syntax-error',
  title: 'a file with a syntax error: a diagnostic on its line, no error notification',
  async run({ page, note, workspace, screenshotPath }) {
    const expectedLine = brokenLine(workspace);
    await openFile(page, BROKEN_FILE);
    // The squiggle on the broken line is what the person sees first.
    await page.locator('.editor-instance .squiggly-error').first().waitFor({ state: 'attached', timeout: SLOW_MS }).catch(() => {
      throw new Error(`no error diagnostic (squiggle) appeared in ${BROKEN_FILE}, whose line ${expectedLine} opens a bracket it never closes`);
    });
    await page.keyboard.press('Control+Shift+M');
    const rows = page.locator('.markers-panel .monaco-list-row');
    const syntaxRow = rows.filter({ hasText: /Syntax error/ }).first();
    await syntaxRow.waitFor({ state: 'visible', timeout: SLOW_MS });
    const texts = (await rows.allInnerTexts()).map(plainText);
    note(`problems: ${JSON.stringify(texts)}`);
    const rowText = plainText(await syntaxRow.innerText());
    const lineMatch = /\[Ln (\d+), Col \d+\]/.exec(rowText);
    check(lineMatch !== null, `the problem row gives no line: ${rowText}`);
    const line = Number(lineMatch[1]);
    // tree-sitter may notice the unclosed bracket on the next line it cannot fit: allow one line of slack.
    check(Math.abs(line - expectedLine) <= 1, `the syntax error is reported on line ${line}, not near the broken line ${expectedLine}`);
    check(/NormScope/i.test(rowText), `the problem is not from NormScope: ${rowText}`);
    // The analyzer must not throw: no error toast appears while the file is open.
    await page.waitForTimeout(1500);
    const toasts = await notifications(page);
    note(`notifications: ${JSON.stringify(toasts)}`);
    const errors = toasts.filter((toast) => toast.severity === 'error' || /normscope/i.test(toast.text) && /error|fail/i.test(toast.text));
    check(errors.length === 0, `error notifications appeared: ${JSON.stringify(errors)}`);
    await page.screenshot({ path: screenshotPath });
    await page.keyboard.press('Control+Shift+M');
  },
};

/** Selects `text` in the active editor (the find widget leaves it selected) and types `replacement` over it. */
async function replaceText(page: Page, text: string, replacement: string): Promise<void> {
  await editorLine(page, text);
  // insertText types as an input method would: no auto-closed brackets doubling the ones typed.
  await page.keyboard.insertText(replacement);
}

const editScenario: Scenario = {
  slug: 'edit-follows',
  title: 'edit a Pre-LN block into Post-LN: the CodeLens follows the unsaved edit, and the revert',
  async run({ page, note, screenshotPath }) {
    const example = EXAMPLES.preLn;
    await openFile(page, example.file);
    await lensesAbove(page, example.classLine, example.lens);
    // Move each norm from the sublayer's input to after the residual add: Post-LN, N(x + F(x)).
    await replaceText(page, 'x = x + self.attn(self.ln_1(x))', 'x = self.ln_1(x + self.attn(x))');
    await replaceText(page, 'x = x + self.mlp(self.ln_2(x))', 'x = self.ln_2(x + self.mlp(x))');
    const edited = await lensesAbove(page, example.classLine, new RegExp(example.lens.source.replace('Pre-LN', 'Post-LN')));
    note(`CodeLenses after the edit: ${JSON.stringify(edited)}`);
    check(!edited.some((text) => /Pre-LN/.test(text)), `a lens still says Pre-LN after the edit: ${JSON.stringify(edited)}`);
    const dirty = await page.locator('.tabs-container .tab.active.dirty').count();
    check(dirty === 1, 'the edited file should be unsaved: NormScope reads the editor, not the disk');
    await page.screenshot({ path: screenshotPath });
    // Leave the workspace as it was: the revert must bring the Pre-LN lens back.
    await runCommand(page, 'File: Revert File');
    const reverted = await lensesAbove(page, example.classLine, example.lens);
    note(`CodeLenses after the revert: ${JSON.stringify(reverted)}`);
    check(!reverted.some((text) => /Post-LN/.test(text)), `a lens still says Post-LN after the revert: ${JSON.stringify(reverted)}`);
  },
};

export const SCENARIOS: Scenario[] = [codeLens, hover, probeScenario, compareScenario, syntaxError, themeScenario, editScenario, trainingRunScenario,
  sweepScenario];

/**
 * Scenarios left out of the default run, by number, with why; `E2E_ONLY=N` still runs one. None now:
 * scenario 8 failed on an idle machine because the Linux watcher reports no create for a file written
 * into a folder made a moment before (the extension now searches created folders: src/host/runDiscovery.ts).
 */
export const KNOWN_FAILING: ReadonlyMap<number, string> = new Map<number, string>([]);
