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
import { damage, random } from './fuzzMutators';

let python: PythonParser;
before(async () => {
  python = await createPythonParser(readGrammarBinaries(process.cwd()));
});

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
