// SVG snapshot comparison: the committed file under test/snapshots is the expected picture;
// UPDATE_SNAPSHOTS=1 rewrites it. A missing snapshot fails rather than silently passing.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JSDOM } from 'jsdom';

export function newDocument(): Document {
  return new JSDOM('<!DOCTYPE html><html><body></body></html>').window.document;
}

/** One element per line, so a changed picture shows as a readable diff. */
function pretty(markup: string): string {
  return `${markup.replace(/></g, '>\n<')}\n`;
}

export function assertSnapshot(name: string, element: Element): void {
  const path = join(process.cwd(), 'test', 'snapshots', `${name}.svg`);
  const actual = pretty(element.outerHTML);
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `no snapshot ${path}; run with UPDATE_SNAPSHOTS=1 to write it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from its snapshot`);
}
