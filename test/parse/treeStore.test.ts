// Incremental re-analysis: an edited file re-parsed from its kept tree must report exactly what a fresh
// analysis reports, across the fixtures and seeded random edits (typing, deleting, pasting, breaking
// the syntax and fixing it again, multi-byte characters); and editBetween's edit must be tree-sitter's.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile } from '../../src/core/parse/analyze';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import type { PythonParser } from '../../src/core/parse/treeSitter';
import { editBetween, TreeStore } from '../../src/core/parse/treeStore';
import { readGrammarBinaries } from '../../src/node/grammars';

let python: PythonParser;
before(async () => {
  python = await createPythonParser(readGrammarBinaries(process.cwd()));
});

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const fixtures = join(process.cwd(), 'test', 'fixtures', 'python');
const sources = readdirSync(fixtures).filter((f) => f.endsWith('.py')).sort().map((f) => ({ name: f, text: readFileSync(join(fixtures, f), 'utf8') }));

/** Row and column of an offset counted the slow, obvious way. */
function slowPoint(text: string, offset: number): { row: number; column: number } {
  const lines = text.slice(0, offset).split('\n');
  return { row: lines.length - 1, column: lines[lines.length - 1].length };
}

test('editBetween: the changed span between two texts, with rows and UTF-16 columns', () => {
  assert.equal(editBetween('same', 'same'), null);
  const before = 'class A:\n    x = 1\n    y = 2\n';
  const after = 'class A:\n    x = 10\n    y = 2\n';
  assert.deepEqual(editBetween(before, after), {
    startIndex: 18, oldEndIndex: 18, newEndIndex: 19,
    startPosition: { row: 1, column: 9 }, oldEndPosition: { row: 1, column: 9 }, newEndPosition: { row: 1, column: 10 },
  });
  // Deleting a whole line: the old end is on the next row.
  const deleted = editBetween(before, 'class A:\n    y = 2\n')!;
  assert.deepEqual([deleted.startIndex, deleted.oldEndIndex, deleted.newEndIndex], [13, 23, 13]);
  assert.deepEqual([deleted.startPosition, deleted.oldEndPosition], [{ row: 1, column: 4 }, { row: 2, column: 4 }]);
  // 😀 and 😃 share their high surrogate: the edit starts before the pair, never inside it.
  const emoji = editBetween('s = "😀"\n', 's = "😃"\n')!;
  assert.deepEqual([emoji.startIndex, emoji.oldEndIndex, emoji.newEndIndex], [5, 7, 7]);
  // Repeated text: prefix and suffix never overlap.
  const grown = editBetween('aaaa', 'aaaaaa')!;
  assert.deepEqual([grown.startIndex, grown.oldEndIndex, grown.newEndIndex], [4, 4, 6]);
});

test('editBetween agrees with a slow reference on seeded random edits', () => {
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = ['a', ' ', '\n', 'é', '😀', 'x\ny', '('];
  for (let i = 0; i < 500; i++) {
    const base = Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const at = Math.floor(random() * (base.length + 1));
    const cut = Math.floor(random() * (base.length - at + 1));
    const insert = Array.from({ length: Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    let after = base.slice(0, at) + insert + base.slice(at + cut);
    if (random() < 0.1) after = base;
    const edit = editBetween(base, after);
    if (base === after) {
      assert.equal(edit, null);
      continue;
    }
    assert.ok(edit);
    // The edit reproduces the new text from the old one.
    assert.equal(base.slice(0, edit.startIndex) + after.slice(edit.startIndex, edit.newEndIndex) + base.slice(edit.oldEndIndex), after);
    assert.deepEqual(edit.startPosition, slowPoint(base, edit.startIndex));
    assert.deepEqual(edit.oldEndPosition, slowPoint(base, edit.oldEndIndex));
    assert.deepEqual(edit.newEndPosition, slowPoint(after, edit.newEndIndex));
    for (const cutAt of [edit.startIndex, edit.oldEndIndex]) {
      const unit = base.charCodeAt(cutAt);
      assert.ok(!(unit >= 0xdc00 && unit <= 0xdfff), `edit boundary ${cutAt} splits a surrogate pair`);
    }
  }
});

/** A seeded edit of the kinds an editor sends: type a character, delete a range, paste a line, break a bracket. */
function randomEdit(text: string, random: () => number): string {
  const at = Math.floor(random() * (text.length + 1));
  const kind = Math.floor(random() * 6);
  if (kind === 0) return text.slice(0, at) + ['x', ' ', '\n', '(', ':', 'é', '😀'][Math.floor(random() * 7)] + text.slice(at);
  if (kind === 1) return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(random() * 40)));
  if (kind === 2) return text.slice(0, at) + '\n        x = self.norm(x)\n' + text.slice(at);
  if (kind === 3) {
    // Move a line elsewhere: a cut and a paste far apart become one wide edit.
    const start = text.lastIndexOf('\n', at - 1) + 1;
    const end = text.indexOf('\n', at);
    const line = text.slice(start, end < 0 ? text.length : end + 1);
    const rest = text.slice(0, start) + text.slice(start + line.length);
    const to = Math.floor(random() * (rest.length + 1));
    return rest.slice(0, to) + line + rest.slice(to);
  }
  if (kind === 4) return text.replace('residual', 'residual2');
  return text.slice(0, at) + '    ' + text.slice(at);
}

test('re-analysing from the kept tree reports what a fresh analysis reports, over seeded edit sequences', () => {
  let seed = 20261126;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const store = new TreeStore(4);
  let reparsed = 0;
  for (const { name, text: original } of sources) {
    let text = original;
    for (let step = 0; step < 12; step++) {
      // Every fourth step goes back to the original, so the kept tree is also reused after errors are fixed.
      text = step % 4 === 3 ? original : randomEdit(text, random);
      const incremental = analyzeFile(name, utf8(text), python, { trees: store });
      const fresh = analyzeFile(name, utf8(text), python);
      assert.deepEqual(incremental, fresh, `${name} after edit ${step}`);
      reparsed++;
    }
  }
  assert.ok(store.size <= 4, 'the store keeps at most its capacity');
  assert.equal(reparsed, sources.length * 12);
});

test('the store frees what it drops and re-analyses unchanged text without a parse', () => {
  const store = new TreeStore(2);
  const [a, b, c] = sources;
  for (const { name, text } of [a, b, c]) analyzeFile(name, utf8(text), python, { trees: store });
  assert.equal(store.size, 2);
  // The same text again takes the kept tree as it is: same report, still kept.
  const again = analyzeFile(c.name, utf8(c.text), python, { trees: store });
  assert.deepEqual(again, analyzeFile(c.name, utf8(c.text), python));
  assert.equal(store.size, 2);
  store.forget(c.name);
  assert.equal(store.size, 1);
  store.clear();
  assert.equal(store.size, 0);
  // After clear the next analysis parses from scratch and is kept again.
  analyzeFile(a.name, utf8(a.text), python, { trees: store });
  assert.equal(store.size, 1);
});

test('a file that stops being Python text keeps nothing wrong: the next analysis still matches a fresh one', () => {
  const store = new TreeStore();
  const { name, text } = sources.find((s) => s.name === 'nanogpt_pre.py')!;
  analyzeFile(name, utf8(text), python, { trees: store });
  const binary = analyzeFile(name, new Uint8Array([0x63, 0, 0x61]), python, { trees: store });
  assert.equal(binary.diagnostics[0].code, 'binary-file');
  const edited = text.replace('class Block', 'class TransformerBlock');
  assert.deepEqual(analyzeFile(name, utf8(edited), python, { trees: store }), analyzeFile(name, utf8(edited), python));
});
