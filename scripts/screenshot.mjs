// Screenshots an HTML file (a sweep or probe report, a page of diagrams) in headless Chromium, so a view
// can be looked at as a user sees it:  node scripts/screenshot.mjs page.html out.png [width] [height]
// (height: keep only the top of the page, as the README's pictures do)
// Chromium: /usr/bin/chromium (or CHROMIUM=path).
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';

const [page, out, width = '1320', height] = process.argv.slice(2);
if (!page || !out) {
  console.error('usage: node scripts/screenshot.mjs page.html out.png [width] [height]');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
try {
  const tab = await browser.newPage({ viewport: { width: Number(width), height: 600 }, deviceScaleFactor: 1 });
  await tab.goto(`file://${resolve(page)}`);
  await tab.waitForSelector('#app[data-rendered], body[data-rendered]', { timeout: 10_000 }).catch(() => {});
  await tab.screenshot(height ? { path: out, clip: { x: 0, y: 0, width: Number(width), height: Number(height) } } : { path: out, fullPage: true });
} finally {
  await browser.close();
}
