// The core is shared by the host, the webview and the CLI: it imports neither vscode, the DOM nor Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const FORBIDDEN_MODULE = /^(vscode|node:.*|fs|fs\/promises|path|os|child_process|worker_threads|crypto|url|util|module|events|stream|buffer|process)$/;
const FORBIDDEN_GLOBAL = /\b(document|window|navigator|process|require|__dirname|Buffer)\s*[.(\[]/;

test('src/core imports no vscode, Node built-in or DOM', () => {
  const offenders: string[] = [];
  for (const file of sources('src/core')) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)) {
      if (FORBIDDEN_MODULE.test(match[1])) offenders.push(`${file}: imports '${match[1]}'`);
    }
    const code = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""');
    const global = FORBIDDEN_GLOBAL.exec(code);
    if (global) offenders.push(`${file}: uses '${global[1]}'`);
  }
  assert.deepEqual(offenders, []);
});

test('the purity check catches a forbidden import', () => {
  assert.ok(FORBIDDEN_MODULE.test('node:fs'));
  assert.ok(FORBIDDEN_MODULE.test('vscode'));
  assert.ok(!FORBIDDEN_MODULE.test('web-tree-sitter'));
  assert.ok(FORBIDDEN_GLOBAL.test('document.createElement("x")'));
});
