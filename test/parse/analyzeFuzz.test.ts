// Never throws, checked on damaged input: fixtures truncated, with characters inserted and lines removed.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile } from '../../src/core/parse/analyze';
import { analyzeHfConfig } from '../../src/core/parse/hfConfig';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import type { PythonParser } from '../../src/core/parse/treeSitter';
import { readGrammarBinaries } from '../../src/node/grammars';

let python: PythonParser;
before(async () => {
  python = await createPythonParser(readGrammarBinaries(process.cwd()));
});

/** A seeded generator, so a failure names a case that can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function damage(text: string, round: number, next: () => number): string {
  const at = Math.floor(next() * text.length);
  switch (round % 4) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + '()[]{}:=+,"\n  \\'.charAt(Math.floor(next() * 16)) + text.slice(at);
    case 2: {
      const lines = text.split('\n');
      lines.splice(Math.floor(next() * lines.length), 1 + Math.floor(next() * 4));
      return lines.join('\n');
    }
    default: return text.slice(at) + text.slice(0, at);
  }
}

function fixtures(dir: string, extension: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith(extension)).map((name) => join(dir, name));
  } catch {
    return [];
  }
}

test('damaged Python never throws and never reaches an error guard', () => {
  const files = [...fixtures('test/fixtures/python', '.py'), ...fixtures('test/fixtures/sibling', '.py')];
  assert.ok(files.length > 0);
  const next = random(20261126);
  for (let round = 0; round < 48; round++) {
    const file = files[round % files.length];
    const text = damage(readFileSync(file, 'utf8'), round, next);
    const report = analyzeFile('damaged.py', new TextEncoder().encode(text), python);
    // analyzeFile's guard says internal-error; the analyzer's own guard says analyzer-error.
    const internal = report.diagnostics.filter((d) => d.code === 'internal-error' || d.code === 'analyzer-error');
    assert.deepEqual(internal, [], `round ${round} of ${file}`);
  }
});

test('damaged config.json never throws: a block or a diagnostic, always', () => {
  const files = fixtures('test/fixtures/config', '.json');
  const next = random(42);
  for (let round = 0; round < 400; round++) {
    const file = files[round % files.length];
    const text = damage(readFileSync(file, 'utf8'), round, next);
    const report = analyzeHfConfig('damaged.json', text);
    assert.ok(report.blocks.length > 0 || report.diagnostics.length > 0, `round ${round} of ${file}`);
  }
});
