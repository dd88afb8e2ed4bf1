// Re-analysis from the kept tree: an edited file whose changed region alone is re-parsed must copy to the
// very tree a fresh parse gives and report exactly what a fresh analysis reports, across the fixtures and
// seeded edits (typing, deleting, pasting, breaking the syntax and fixing it again, multi-byte characters).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile } from '../../src/core/parse/analyze';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import type { PythonParser } from '../../src/core/parse/treeSitter';
import { changedSpan, TreeStore } from '../../src/core/parse/treeStore';
import { copyTree } from '../../src/core/parse/python/copyTree';
import { reparseChanged } from '../../src/core/parse/python/reparse';
import type { Node } from '../../src/core/parse/python/syntaxNode';
import { readGrammarBinaries } from '../../src/node/grammars';

let python: PythonParser;
before(async () => {
  python = await createPythonParser(readGrammarBinaries(process.cwd()));
});

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const fixtures = join(process.cwd(), 'test', 'fixtures', 'python');
const sources = readdirSync(fixtures).filter((f) => f.endsWith('.py')).sort().map((f) => ({ name: f, text: readFileSync(join(fixtures, f), 'utf8') }));

test('changedSpan: the changed span between two texts in UTF-16 units, never inside a surrogate pair', () => {
  assert.equal(changedSpan('same', 'same'), null);
  assert.deepEqual(changedSpan('class A:\n    x = 1\n', 'class A:\n    x = 10\n'), { start: 18, oldEnd: 18, newEnd: 19 });
  assert.deepEqual(changedSpan('class A:\n    x = 1\n    y = 2\n', 'class A:\n    y = 2\n'), { start: 13, oldEnd: 23, newEnd: 13 });
  // 😀 and 😃 share their high surrogate: the span starts before the pair.
  assert.deepEqual(changedSpan('s = "😀"\n', 's = "😃"\n'), { start: 5, oldEnd: 7, newEnd: 7 });
  // Repeated text: prefix and suffix never overlap.
  assert.deepEqual(changedSpan('aaaa', 'aaaaaa'), { start: 4, oldEnd: 4, newEnd: 6 });
});

test('changedSpan reproduces the new text from the old on seeded random edits', () => {
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = ['a', ' ', '\n', 'é', '😀', 'x\ny', '('];
  for (let i = 0; i < 500; i++) {
    const base = Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const at = Math.floor(random() * (base.length + 1));
    const cut = Math.floor(random() * (base.length - at + 1));
    const insert = Array.from({ length: Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const after = random() < 0.1 ? base : base.slice(0, at) + insert + base.slice(at + cut);
    const span = changedSpan(base, after);
    if (base === after) {
      assert.equal(span, null);
      continue;
    }
    assert.ok(span);
    assert.equal(base.slice(0, span.start) + after.slice(span.start, span.newEnd) + base.slice(span.oldEnd), after);
    for (const cutAt of [span.start, span.oldEnd]) {
      const unit = base.charCodeAt(cutAt);
      assert.ok(!(unit >= 0xdc00 && unit <= 0xdfff), `span boundary ${cutAt} splits a surrogate pair`);
    }
  }
});

/** Every node of a copied tree as one line: what the analyzer can read of it. */
function dump(node: Node, depth = 0, out: string[] = []): string[] {
  out.push(`${depth} ${node.type} ${node.field} ${node.startIndex}-${node.endIndex} ${node.isNamed} ${node.isMissing} ${node.hasError} ${JSON.stringify(node.text.slice(0, 20))} ${node.parent?.type ?? '-'}`);
  for (const child of node.children) dump(child, depth + 1, out);
  return out;
}

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

/** A seeded edit that usually keeps the syntax valid: a statement, a comment, a blank line, a new function, a digit. */
function tidyEdit(text: string, random: () => number): string {
  const lines = text.split('\n');
  const at = 1 + Math.floor(random() * (lines.length - 1));
  const line = lines[at];
  const indent = /^\s*/.exec(line)![0];
  const kind = Math.floor(random() * 5);
  if (kind === 0 && line.trim() !== '') lines.splice(at, 0, `${indent}scale = 1.0`);
  else if (kind === 1 && line.trim() !== '') lines[at] = `${line}  # note`;
  else if (kind === 2) lines.splice(at, 0, '');
  else if (kind === 3 && indent === '' && line.trim() !== '') lines.splice(at, 0, 'def helper(x):', '    return x', '', '');
  else return text.replace(/\d/, String(Math.floor(random() * 10)));
  return lines.join('\n');
}

test('a re-parsed region composes the very tree a fresh parse copies, and falls back where it must', () => {
  let seed = 99;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let composed = 0;
  let fellBack = 0;
  for (const { text: original } of sources) {
    let text = original;
    let tree = python.parser.parse(text)!;
    let kept = { text, root: copyTree(tree, text) };
    tree.delete();
    for (let step = 0; step < 10; step++) {
      const next = step % 3 === 2 ? randomEdit(text, random) : tidyEdit(text, random);
      // Any share: the fixtures are small, and this test is about the composition, not the saving.
      const root = reparseChanged(kept, next, python.parser, 1);
      tree = python.parser.parse(next)!;
      const fresh = copyTree(tree, next);
      // tree-sitter's own flag: some recoveries leave no ERROR or MISSING node for the copy to see.
      const broken = tree.rootNode.hasError;
      tree.delete();
      if (root) {
        composed++;
        assert.deepEqual(dump(root), dump(fresh));
      } else {
        fellBack++;
        assert.ok(broken, `fell back on a valid edit of a valid tree: ${JSON.stringify(changedSpan(text, next))}`);
      }
      if (broken) {
        // Back to the last valid text, so that every step starts from a tree the region path can use.
        tree = python.parser.parse(text)!;
        kept = { text, root: copyTree(tree, text) };
        tree.delete();
        continue;
      }
      text = next;
      kept = { text, root: root ?? fresh };
    }
  }
  // Most seeded edits keep the syntax valid and take the region path; the broken ones fall back.
  assert.ok(composed > fellBack, `composed ${composed}, fell back ${fellBack}`);
  assert.ok(fellBack > 0);
  console.log(`# ${composed} edits composed from a region, ${fellBack} parsed whole`);
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
