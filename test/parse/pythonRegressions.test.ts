// Inputs that once hung or crashed the Python analyzer, each reduced to the line that did it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/parse/python/analyzePython';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import type { PythonParser } from '../../src/core/parse/treeSitter';
import { readGrammarBinaries } from '../../src/node/grammars';

let python: PythonParser;
before(async () => {
  python = await createPythonParser(readGrammarBinaries(process.cwd()));
});

test('a chained assignment whose inner target is annotated (`a = b: T(...)`) ends', { timeout: 10_000 }, () => {
  // Damaged `nn.ModuleList(...)` as `nn.Mo:duleList(...)` parsed as `x = nn.Mo: duleList(...)`, whose inner
  // assignment has no right-hand side; the chained-assignment walk used to spin on it forever.
  const source = [
    'import torch.nn as nn',
    'class Model(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.blocks = nn.Mo:duleList([nn.Linear(4, 4) for i in range(2)])',
    '',
  ].join('\n');
  const report = analyzePython('damaged.py', source, python);
  // tree-sitter-python accepts the line (an annotated inner target), so no syntax error: the file simply
  // holds no transformer, and says so.
  assert.deepEqual(report.blocks, []);
  assert.deepEqual(report.diagnostics.map((d) => d.code), ['no-transformer']);
});
