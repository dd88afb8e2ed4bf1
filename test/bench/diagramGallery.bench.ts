// Not a timing: draws every diagram fixture (the seven dilution cures, then the classic placements) on one
// page with the views' real CSS and screenshots it in headless Chromium, so a person can look at them.
//   npm run build && node esbuild.mjs --tests && node out/bench/diagramGallery.bench.js [out.png]
// Writes out/diagram-gallery.html and the PNG (default out/diagram-gallery.png). Chromium: /usr/bin/chromium or CHROMIUM.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { buildBlockGraph } from '../../src/core/graph/blockGraph';
import { buildDiagramModel } from '../../webview/views/diagramModel';
import { renderDiagram } from '../../webview/views/diagram';
import { LAYOUT_CSS, VIEW_CSS } from '../../webview/views/theme';
import { PAGE_CSS } from '../../src/report/page';
import { VARIANT_BLOCKS } from '../graph/variantBlocks';
import { newDocument } from '../views/snapshot';

async function main(): Promise<void> {
  const doc = newDocument();
  const grid = doc.body.appendChild(doc.createElement('div'));
  grid.className = 'gallery';
  for (const block of Object.values(VARIANT_BLOCKS)) {
    const cell = grid.appendChild(doc.createElement('div'));
    renderDiagram(cell, buildDiagramModel(buildBlockGraph(block)));
  }
  const css = `${PAGE_CSS}${VIEW_CSS}${LAYOUT_CSS} .gallery { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; } .gallery > div { max-width: 460px; }`;
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${css}</style></head><body data-rendered="1">${grid.outerHTML}</body></html>`;
  mkdirSync('out', { recursive: true });
  writeFileSync('out/diagram-gallery.html', html);
  const out = process.argv[2] ?? 'out/diagram-gallery.png';
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 800 } });
    await page.goto(`file://${resolve('out/diagram-gallery.html')}`);
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(`diagram gallery: out/diagram-gallery.html, ${out}`);
}

void main();
