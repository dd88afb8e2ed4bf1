// Installs a jsdom window as the global one before the webview modules load: the toolkit's custom
// elements read `document` and friends at import time. Import this first.

import { JSDOM } from 'jsdom';

export const dom = new JSDOM('<!DOCTYPE html><body></body>', { pretendToBeVisual: true, url: 'https://normscope.test/' });
// jsdom has no media queries; the toolkit's design tokens ask for prefers-color-scheme and forced-colors.
(dom.window as unknown as { matchMedia: unknown }).matchMedia = (query: string) => ({
  matches: false, media: query, onchange: null,
  addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false,
});
const g = globalThis as Record<string, unknown>;
const win = dom.window as unknown as Record<string, unknown>;
// Every window property Node lacks (Document, HTMLElement, customElements, …), as a browser page has them.
for (const name of Object.getOwnPropertyNames(dom.window)) {
  if (!(name in g) && !/Storage$/.test(name)) g[name] = win[name];
}
g.window = dom.window;
