// What a person does in the VS Code workbench, as playwright steps that wait for states, never for fixed times:
// open a file with Quick Open, run a palette command, read CodeLenses, hover a word, read problems and toasts.
import type { FrameLocator, Locator, Page } from 'playwright-core';

/** Editor text is laid out with non-breaking spaces; compare text only after this. */
export function plainText(text: string): string {
  return text.replace(/\u00a0/g, ' ').replace(/[ \t]+/g, ' ').trim();
}

/** The first Quick Open after start can take tens of seconds on a loaded 2-core machine. */
export const SLOW_MS = 90_000;

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: SLOW_MS });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: SLOW_MS });
  // The explorer lists the workspace once the remote file system answered.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: SLOW_MS });
}

async function openQuickInput(page: Page, key: string): Promise<Locator> {
  const widget = page.locator('.quick-input-widget');
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 }, trial: true }).catch(() => undefined);
    await page.keyboard.press(key);
    try {
      await widget.waitFor({ state: 'visible', timeout: attempt === 0 ? SLOW_MS / 3 : 10_000 });
      return widget;
    } catch {
      await page.keyboard.press('Escape');
    }
  }
  throw new Error(`the quick input did not open on ${key}`);
}

/** Quick Open (Ctrl+P), type the file name, pick the row that names it, and wait for its editor tab. */
export async function openFile(page: Page, fileName: string): Promise<void> {
  // Open in the first editor group, so the panel beside it stays visible whatever was focused last.
  await page.keyboard.press('Control+1');
  const widget = await openQuickInput(page, 'Control+P');
  const input = widget.locator('.quick-input-box input');
  await input.fill(fileName);
  const row = widget.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first();
  await row.waitFor({ state: 'visible', timeout: SLOW_MS });
  // Click the row that names the file: Enter would open whichever row is highlighted first.
  await row.click();
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).first().waitFor({ state: 'visible', timeout: SLOW_MS });
  await page.locator('.editor-instance .view-lines .view-line').first().waitFor({ state: 'visible', timeout: SLOW_MS });
}

/** Command palette (F1), type the command's title, pick the row whose label is exactly that title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const widget = await openQuickInput(page, 'F1');
  const input = widget.locator('.quick-input-box input');
  await input.fill(`>${title}`);
  const row = widget.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: SLOW_MS });
  await row.click();
  await widget.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** Picks an entry in a quick pick that a command opened (e.g. a theme or a file to compare with). */
export async function pickQuickItem(page: Page, text: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible', timeout: SLOW_MS });
  const input = widget.locator('.quick-input-box input');
  await input.fill(text);
  const row = widget.locator('.quick-input-list .monaco-list-row').filter({ hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: SLOW_MS });
  await input.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** The labels a multi-select quick pick that a command opened shows ticked, once its rows are shown. */
export async function tickedQuickItems(page: Page): Promise<string[]> {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible', timeout: SLOW_MS });
  const rows = widget.locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ state: 'visible', timeout: SLOW_MS });
  return rows.evaluateAll((elements) => elements
    .filter((row) => row.querySelector('input[type=checkbox]:checked, .monaco-custom-toggle.checked, [aria-checked="true"]') || row.getAttribute('aria-checked') === 'true')
    .map((row) => (row.querySelector('.label-name')?.textContent ?? row.textContent ?? '').trim()));
}

/** The texts of the CodeLenses the active editor shows, once at least one matches `pattern`. */
export async function waitForCodeLens(page: Page, pattern: RegExp): Promise<string[]> {
  const lenses = page.locator('.editor-instance .codelens-decoration');
  await lenses.filter({ hasText: pattern }).first().waitFor({ state: 'visible', timeout: SLOW_MS });
  return (await lenses.allInnerTexts()).map(plainText);
}

/**
 * Finds `text` in the active editor with the find widget (Ctrl+F, Enter, Escape), as a person would: the
 * editor scrolls to it and the cursor lands on it. Returns the `.view-line` that shows it.
 */
export async function editorLine(page: Page, text: string): Promise<Locator> {
  // Focus the first group's editor from the keyboard (a click can land on a widget) and search from the top.
  await page.keyboard.press('Control+1');
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Control+F');
  const find = page.locator('.editor-instance .find-widget.visible');
  await find.waitFor({ state: 'visible', timeout: SLOW_MS });
  const input = find.locator('textarea, input').first();
  await input.fill(text);
  await find.locator('.matchesCount', { hasText: /^1 of|of \d/ }).waitFor({ state: 'visible', timeout: SLOW_MS });
  await input.press('Enter');
  await input.press('Escape');
  await find.waitFor({ state: 'hidden', timeout: 10_000 });
  const line = page.locator('.editor-instance .view-lines .view-line').filter({ hasText: new RegExp(escapeRegExp(text).replace(/ /g, '[ \\u00a0]')) }).first();
  await line.waitFor({ state: 'visible', timeout: SLOW_MS });
  return line;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Moves the mouse over the first occurrence of `word` on `line` and returns the visible hover's text. */
export async function hoverWord(page: Page, line: Locator, word: string, expect: RegExp): Promise<{ text: string; hover: Locator }> {
  const token = line.locator('span span', { hasText: word }).first();
  const box = await token.boundingBox();
  if (!box) throw new Error(`'${word}' is not laid out on the editor line`);
  const hover = page.locator('.monaco-hover:not(.hidden)').filter({ visible: true }).filter({ hasText: expect });
  // Hovers close when the mouse leaves and may first show before the extension answers: move away and back
  // until the expected hover shows, within the slow-machine allowance.
  const deadline = Date.now() + SLOW_MS;
  while (Date.now() < deadline) {
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.move(box.x + Math.min(box.width / 2, 12), box.y + box.height / 2, { steps: 3 });
    try {
      await hover.first().waitFor({ state: 'visible', timeout: 8_000 });
      return { text: plainText(await hover.first().innerText()), hover: hover.first() };
    } catch {
      await page.mouse.move(0, 0);
    }
  }
  const shown = await page.locator('.monaco-hover').filter({ visible: true }).allInnerTexts();
  throw new Error(`no hover matching ${expect} over '${word}'; visible hovers: ${JSON.stringify(shown.map(plainText))}`);
}

/** The texts of the notification toasts shown now, with their severity read from the icon. */
export async function notifications(page: Page): Promise<{ severity: string; text: string }[]> {
  const toasts = page.locator('.notifications-toasts .notification-toast');
  const result: { severity: string; text: string }[] = [];
  for (const toast of await toasts.all()) {
    const icon = (await toast.locator('.notification-list-item-icon').getAttribute('class').catch(() => '')) ?? '';
    const severity = /codicon-error/.test(icon) ? 'error' : /codicon-warning/.test(icon) ? 'warning' : 'info';
    result.push({ severity, text: plainText(await toast.innerText().catch(() => '')) });
  }
  return result;
}

/** Brings the tab titled `title` (an editor or a webview panel) to the front of its group. */
export async function revealTab(page: Page, title: string): Promise<void> {
  const tab = page.locator('.tabs-container .tab', { hasText: title }).first();
  await tab.waitFor({ state: 'visible', timeout: SLOW_MS });
  await tab.click();
}

/** The panel's document: the webview sits two iframes deep. */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}
