// Loads test/browser/page.ts into Debian's headless Chromium (WebGL2 on SwiftShader where there is no
// GPU), as a plain page or under the panel's own Content-Security-Policy, through playwright-core.
import { existsSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { contentSecurityPolicy } from '../../src/host/webviewHtml';

export const CHROMIUM = process.env.NORMSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const NONCE = 'normscopeWebglCheck';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** The page bundle, built as esbuild.mjs builds the webview (browser, IIFE, gpu.js's browser build). */
async function bundle(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: ['test/browser/page.ts'],
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022', keepNames: true, write: false,
    external: ['gl', 'webgpu', 'fs', 'fs/promises', 'module', 'path', 'url'], logLevel: 'warning',
  });
  return result.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
  });
}

/** A page holding `window.normscopeWebgl`; under the webview's CSP when `webviewCsp` (no unsafe-eval). */
export async function openPage(browser: Browser, webviewCsp: boolean): Promise<{ page: Page; messages: string[] }> {
  const script = await bundle();
  const page = await browser.newPage();
  const messages: string[] = [];
  page.on('console', (message) => messages.push(message.text()));
  page.on('pageerror', (error) => messages.push(String(error)));
  const csp = webviewCsp ? contentSecurityPolicy('https://webview.invalid', NONCE) : null;
  const meta = csp ? `<meta http-equiv="Content-Security-Policy" content="${csp.replace(/"/g, '&quot;')}">` : '';
  await page.setContent(`<!doctype html><html><head>${meta}<script nonce="${NONCE}">${script}</script></head><body></body></html>`);
  return { page, messages };
}
