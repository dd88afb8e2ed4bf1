// The real panel bundle (dist/webview.js) served under the extension's exact Content-Security-Policy and
// opened in headless Chromium with a fake acquireVsCodeApi: what bench:panel and bench:runs drive through
// the message protocol. Chromium: /usr/bin/chromium (or CHROMIUM=path).

import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { webviewHtml } from '../../src/host/webviewHtml';
import type { HostToWebview, WebviewToHost } from '../../src/protocol/messages';

export interface PanelPage {
  browser: Browser;
  page: Page;
  consoleLines: string[];
  send(message: HostToWebview): Promise<void>;
  posted(): Promise<WebviewToHost[]>;
  violations(): Promise<string[]>;
  close(): Promise<void>;
}

function serve(root: string): Server {
  const server = createServer((request, response) => {
    const path = resolve(root, `.${decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)}`);
    if (request.url === '/' || request.url === '/index.html') {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      response.setHeader('content-type', 'text/html');
      response.end(webviewHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/media/panel.css`, nonce: 'benchNonce0123456789abcdefABCDEF' }));
      return;
    }
    // Only what localResourceRoots allows: dist/ and media/.
    if (!(path.startsWith(join(root, 'dist')) || path.startsWith(join(root, 'media'))) || !existsSync(path)) {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader('content-type', path.endsWith('.js') ? 'text/javascript' : path.endsWith('.css') ? 'text/css' : 'application/octet-stream');
    response.end(readFileSync(path));
  });
  return server;
}

export async function openPanelPage(viewport: { width: number; height: number }): Promise<PanelPage> {
  const server = serve(process.cwd());
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--enable-unsafe-swiftshader', '--use-angle=swiftshader'] });
  const close = async () => {
    await browser.close();
    server.close();
  };
  const page = await browser.newPage({ viewport });
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
  // As a string: the bench bundle's keepNames helpers do not exist inside the page.
  await page.addInitScript(`
    window.__posted = [];
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.violatedDirective + ': ' + event.blockedURI + ' ' + (event.sample || '') + ' @' + event.sourceFile + ':' + event.lineNumber));
    window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => undefined });
  `);
  await page.goto(url);
  const violations = () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
  try {
    await page.waitForFunction(() => ((window as unknown as { __posted: { type: string }[] }).__posted).some((m) => m.type === 'ready'), undefined, { timeout: 20_000 });
  } catch (error) {
    const blocked = await violations();
    await close();
    throw new Error(`the panel never said ready; console: ${consoleLines.join(' | ')}; CSP: ${blocked.join('; ')}`, { cause: error });
  }
  return {
    browser, page, consoleLines, close, violations,
    send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
    posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewToHost[] }).__posted),
  };
}
