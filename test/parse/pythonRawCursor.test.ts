// The raw-memory walk (rawCursor.ts) reports exactly the nodes web-tree-sitter's public TreeCursor visits,
// with the same type, field, span, MISSING flag and depth, on every fixture, example, the benchmark file,
// damaged copies of them (ERROR and MISSING nodes), non-ASCII text and incrementally re-parsed trees.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from 'web-tree-sitter';
import { heapOf, languageLayout, rawSteps, treePointer, trustedRawWalk, walkSteps } from '../../src/core/parse/python/rawCursor';
import type { TrustedRawWalk, WalkStep } from '../../src/core/parse/python/rawCursor';
import { createPythonParser, treeSitterRuntime } from '../../src/core/parse/treeSitter';
import type { PythonParser } from '../../src/core/parse/treeSitter';
import { readGrammarBinaries } from '../../src/node/grammars';
import { buildModelFile } from '../bench/inspectModel';

let python: PythonParser;
before(async () => {
  python = await createPythonParser(readGrammarBinaries(process.cwd()));
});

function runtime(): Record<string, unknown> {
  const found = treeSitterRuntime();
  assert.ok(found);
  return found;
}

function rawWalkOf(tree: Tree): TrustedRawWalk {
  const raw = trustedRawWalk(tree, runtime(), { reference: () => tree.walk() });
  assert.ok(raw, 'the raw walk is trusted for the shipped runtime');
  return raw;
}

function publicSteps(tree: Tree): WalkStep[] {
  const cursor = tree.walk();
  try {
    return walkSteps(cursor);
  } finally {
    cursor.delete();
  }
}

/** Compares the two walks of `source` node by node, failing at the first difference with its position. */
function assertSameWalk(source: string, label: string): WalkStep[] {
  const tree = python.parser.parse(source)!;
  try {
    return assertSameTreeWalk(tree, label);
  } finally {
    tree.delete();
  }
}

function assertSameTreeWalk(tree: Tree, label: string): WalkStep[] {
  const raw = rawSteps(rawWalkOf(tree));
  const expected = publicSteps(tree);
  for (let i = 0; i < Math.max(raw.length, expected.length); i++) {
    assert.deepEqual(raw[i], expected[i], `${label}: node ${i} differs`);
  }
  return expected;
}

function corpus(): Array<[string, string]> {
  const files = [
    ...readdirSync('test/fixtures/python').filter((f) => f.endsWith('.py')).map((f) => join('test/fixtures/python', f)),
    ...readdirSync('examples').filter((f) => f.endsWith('.py')).map((f) => join('examples', f)),
  ];
  assert.ok(files.length > 10);
  return [...files.map((f): [string, string] => [f, readFileSync(f, 'utf8')]), ['bench model', buildModelFile(3000)]];
}

/** A small deterministic generator, so damaged variants are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return state / 0x100000000;
  };
}

/** Deletes or inserts characters that break Python's structure (brackets, colons, operators, indentation). */
function damage(source: string, seed: number, edits: number): string {
  const random = seeded(seed);
  let text = source;
  const breakers = ['(', ')', ':', '[', ']', ',', '=', '+', '    ', '\n', '"', 'def ', '.'];
  for (let i = 0; i < edits && text.length > 0; i++) {
    const at = Math.floor(random() * text.length);
    if (random() < 0.5) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3));
    else text = text.slice(0, at) + breakers[Math.floor(random() * breakers.length)] + text.slice(at);
  }
  return text;
}

test('the raw walk is trusted for the shipped runtime, and the language header reads as the binding reports', () => {
  const tree = python.parser.parse('x = 1\n')!;
  try {
    const heap = heapOf(runtime());
    assert.ok(heap);
    const address = (tree.language as unknown as { [0]: number })[0];
    const layout = languageLayout(heap, address);
    assert.ok(layout);
    assert.equal(layout.fieldCount, tree.language.fieldCount);
    assert.ok(layout.symbolCount > 100 && layout.symbolCount <= tree.language.types.length);
    assert.ok(treePointer(tree) > 0);
    assert.equal(languageLayout(heap, treePointer(tree)), null, 'a TSTree does not read as a language');
    assert.equal(languageLayout(heap, 0), null);
    rawWalkOf(tree);
  } finally {
    tree.delete();
  }
});

test('raw and public walks agree on every fixture, example and the benchmark file', () => {
  for (const [label, source] of corpus()) {
    const steps = assertSameWalk(source, label);
    assert.ok(steps.length > 20, label);
  }
});

test('raw and public walks agree on damaged files full of ERROR and MISSING nodes', () => {
  let missing = 0;
  let errors = 0;
  const errorId = 65535;
  const sources = corpus();
  for (let seed = 1; seed <= 60; seed++) {
    const [label, source] = sources[seed % sources.length];
    const damaged = damage(source, seed, 1 + (seed % 12) * 3);
    const steps = assertSameWalk(damaged, `${label} damaged with seed ${seed}`);
    missing += steps.filter((s) => s.isMissing).length;
    errors += steps.filter((s) => s.typeId === errorId).length;
  }
  assert.ok(missing > 0, 'some variants have MISSING nodes');
  assert.ok(errors > 0, 'some variants have ERROR nodes');
});

test('raw and public walks agree on non-ASCII text (UTF-16 offsets), empty files and comments alone', () => {
  const sources = [
    '',
    '# only a comment\n',
    'x = "héllo wörld ✓ 😀"  # ключ\ny = f(x, 名前=1)\n',
    'class Ünïcode(nn.Module):\n    def forward(self, x):\n        return self.norm(x)  # 😀 norm\n',
    'def f(:\n    return (\n',
  ];
  for (const [i, source] of sources.entries()) assertSameWalk(source, `source ${i}`);
});

test('raw and public walks agree on trees re-parsed incrementally after edits', () => {
  const source = buildModelFile(400);
  let tree = python.parser.parse(source)!;
  let text = source;
  try {
    const random = seeded(7);
    for (let round = 0; round < 8; round++) {
      const at = Math.floor(random() * text.length);
      const inserted = round % 2 ? ')' : 'y = norm(x)\n';
      const next = text.slice(0, at) + inserted + text.slice(at);
      tree.edit({
        startIndex: at, oldEndIndex: at, newEndIndex: at + inserted.length,
        startPosition: position(text, at), oldEndPosition: position(text, at), newEndPosition: position(next, at + inserted.length),
      });
      const reparsed = python.parser.parse(next, tree)!;
      tree.delete();
      tree = reparsed;
      text = next;
      assertSameTreeWalk(tree, `edit round ${round}`);
    }
  } finally {
    tree.delete();
  }
});

function position(text: string, index: number): { row: number; column: number } {
  const before = text.slice(0, index);
  const row = before.split('\n').length - 1;
  return { row, column: index - (before.lastIndexOf('\n') + 1) };
}

test('a raw walk is refused where the runtime is not the pinned build', () => {
  const tree = python.parser.parse('x = 1\n')!;
  try {
    const impostor = { ...runtime(), wasmBinary: new Uint8Array(16) };
    assert.equal(trustedRawWalk(tree, impostor, { reference: () => tree.walk() }), null);
    assert.equal(trustedRawWalk(tree, null, { reference: () => tree.walk() }), null);
  } finally {
    tree.delete();
  }
});
