// The table's pure parts: column alignment and the one `file:line:` prefix per diagnostic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignColumns, formatDiagnostic } from '../../src/cli/inspectFormat';

test('columns are padded to their widest cell, counting characters not UTF-16 units', () => {
  assert.deepEqual(alignColumns([['A', 'BB', 'C'], ['𝔁𝔁𝔁', 'x', 'last column is not padded']]), ['A    BB  C', '𝔁𝔁𝔁  x   last column is not padded']);
});

test('a message that already names file and line gets the prefix once', () => {
  const diagnostic = { severity: 'warning' as const, line: 12, message: 'models/a.b.py:12: could not classify Block' };
  assert.equal(formatDiagnostic('models/a.b.py', diagnostic), 'models/a.b.py:12: warning: could not classify Block');
  assert.equal(formatDiagnostic('models/a.b.py', { ...diagnostic, message: 'models/a.b.py: no transformer' }), 'models/a.b.py:12: warning: no transformer');
  assert.equal(formatDiagnostic('x.py', { ...diagnostic, message: 'models/x.py: stays' }), 'x.py:12: warning: models/x.py: stays');
});
