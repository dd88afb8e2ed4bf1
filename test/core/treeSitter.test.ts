import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import { readGrammarBinaries } from '../../src/node/grammars';

test('the Python grammar loads from wasm bytes and parses, with UTF-16 positions', async () => {
  const { parser } = await createPythonParser(readGrammarBinaries(process.cwd()));
  const tree = parser.parse('é = 1\nclass A:\n    pass\n');
  assert.ok(tree);
  const cls = tree.rootNode.child(1)!;
  assert.equal(cls.type, 'class_definition');
  assert.equal(cls.startIndex, 6); // 'é' is one UTF-16 unit (two UTF-8 bytes)
  assert.deepEqual(cls.startPosition, { row: 1, column: 0 });
  tree.delete();
});
