// Every way copyTree walks a tree copies exactly the tree web-tree-sitter's public cursor does: the raw-memory
// walk (eager), the runtime's cursor exports (lazy function bodies) and the public cursor itself.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyTree, readsTree } from '../../src/core/parse/python/syntax';
import type { Node } from '../../src/core/parse/python/syntax';
import { createPythonParser, treeSitterRuntime } from '../../src/core/parse/treeSitter';
import type { PythonParser } from '../../src/core/parse/treeSitter';
import { readGrammarBinaries } from '../../src/node/grammars';
import { buildModelFile } from '../bench/inspectModel';

let python: PythonParser;
before(async () => {
  python = await createPythonParser(readGrammarBinaries(process.cwd()));
});

/** Every copied node as one line (type, field, span, flags), loading lazy bodies as it goes. */
function dump(node: Node, depth = 0, out: string[] = []): string[] {
  out.push(`${' '.repeat(depth)}${node.type}${node.isNamed ? '' : '!'} ${node.field ?? '-'} ${node.startIndex}-${node.endIndex}${node.isMissing ? ' MISSING' : ''}${node.hasError ? ' E' : ''}`);
  for (const child of node.children) dump(child, depth + 1, out);
  return out;
}

/** The runtime with its binary hidden: the raw walk is refused, so copyTree walks with the cursor exports. */
function exportsOnly(): Record<string, unknown> {
  const runtime = treeSitterRuntime();
  assert.ok(runtime);
  return { ...runtime, wasmBinary: undefined };
}

function bothCopies(source: string): { fast: string[]; slow: string[] } {
  const tree = python.parser.parse(source)!;
  try {
    const raw = copyTree(tree, source);
    const exports = copyTree(tree, source, exportsOnly());
    const slow = dump(copyTree(tree, source, null));
    assert.deepEqual(dump(exports), slow);
    return { fast: dump(raw), slow };
  } finally {
    tree.delete();
  }
}

test('the runtime exposes the cursor exports the fast walk uses', () => {
  const runtime = treeSitterRuntime();
  assert.ok(runtime);
  for (const name of ['goto_first_child', 'goto_next_sibling', 'goto_parent', 'current_node_type_id', 'current_field_id', 'start_index', 'end_index', 'current_node_is_missing', 'delete']) {
    assert.equal(typeof runtime[`_ts_tree_cursor_${name}_wasm`], 'function', name);
  }
});

test('fast and public cursor walks copy the same tree for every fixture, example and the benchmark file', () => {
  const files = [
    ...readdirSync('test/fixtures/python').filter((f) => f.endsWith('.py')).map((f) => join('test/fixtures/python', f)),
    ...readdirSync('examples').filter((f) => f.endsWith('.py')).map((f) => join('examples', f)),
  ];
  assert.ok(files.length > 10);
  const sources = [...files.map((f) => readFileSync(f, 'utf8')), buildModelFile(400)];
  for (const source of sources) {
    const { fast, slow } = bothCopies(source);
    assert.ok(fast.length > 20);
    assert.deepEqual(fast, slow);
  }
});

test('fast and public cursor walks agree on a file with syntax errors (MISSING and ERROR nodes kept)', () => {
  const source = 'class Block(nn.Module):\n    def forward(self, x):\n        x = x + self.attn(self.ln(x)\n        return x +\n';
  const { fast, slow } = bothCopies(source);
  assert.ok(fast.some((line) => line.includes('ERROR') || line.includes('MISSING')));
  assert.deepEqual(fast, slow);
});

test('all walks copy the same tree from damaged files (ERROR and MISSING nodes, punctuation kept)', () => {
  const source = buildModelFile(120);
  let damagedCopies = 0;
  for (let seed = 1; seed <= 24; seed++) {
    // Cut a few characters at spread-out, seed-dependent places, so the parser recovers around them.
    let text = source;
    for (let k = 1; k <= 1 + (seed % 4); k++) {
      const at = (seed * 7919 * k) % text.length;
      text = text.slice(0, at) + text.slice(at + 1 + (seed % 3));
    }
    const { fast, slow } = bothCopies(text);
    assert.deepEqual(fast, slow, `seed ${seed}`);
    if (fast.some((line) => line.endsWith(' E'))) damagedCopies++;
  }
  assert.ok(damagedCopies > 10, 'most variants have syntax errors');
});

test('the raw walk copies the whole tree at once; the exports walk leaves function bodies to their tree', () => {
  const source = buildModelFile(60);
  const tree = python.parser.parse(source)!;
  try {
    const eager = copyTree(tree, source);
    const lazy = copyTree(tree, source, exportsOnly());
    assert.equal(readsTree(eager), false);
    assert.equal(readsTree(lazy), true);
    const loaders = (node: Node): number => (node.loader ? 1 : 0) + node.copiedChildren.reduce((n, c) => n + loaders(c), 0);
    assert.equal(loaders(eager), 0);
    assert.ok(loaders(lazy) > 0);
  } finally {
    tree.delete();
  }
});
