// analyzeFile on input that is not a clean model file: every case yields a diagnostic, none throws.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFile } from '../../src/core/parse/analyze';
import { decodeSource, firstInvalidUtf8, useHandDecoderForTests } from '../../src/core/parse/analyzeBytes';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import type { PythonParser } from '../../src/core/parse/treeSitter';
import { readGrammarBinaries } from '../../src/node/grammars';

let python: PythonParser;
before(async () => {
  python = await createPythonParser(readGrammarBinaries(process.cwd()));
});

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const codes = (report: { diagnostics: { code?: string }[] }): (string | undefined)[] => report.diagnostics.map((d) => d.code);

test('an empty or blank file is reported, not analysed', () => {
  for (const bytes of [new Uint8Array(0), utf8('\n\n   \t\n')]) {
    const report = analyzeFile('model.py', bytes, python);
    assert.deepEqual(report.blocks, []);
    assert.deepEqual(codes(report), ['empty-file']);
    assert.equal(report.language, 'python');
  }
});

test('a binary file names the byte offset and line of its first NUL', () => {
  const bytes = new Uint8Array([...utf8('import torch\nx = 1\n'), 0x00, 0x01, 0x02]);
  const report = analyzeFile('model.py', bytes, python);
  assert.deepEqual(codes(report), ['binary-file']);
  assert.equal(report.diagnostics[0].line, 3);
  assert.equal(report.diagnostics[0].severity, 'error');
  assert.match(report.diagnostics[0].message, /NUL byte at byte offset 19 \(line 3\)/);
});

test('Latin-1 text is not UTF-8: the byte offset and line of the first bad byte', () => {
  const bytes = new Uint8Array([...utf8('import torch\n# caf'), 0xe9, ...utf8('\nclass A: pass\n')]);
  const report = analyzeFile('model.py', bytes, python);
  assert.deepEqual(codes(report), ['not-utf8']);
  assert.equal(report.diagnostics[0].line, 2);
  assert.match(report.diagnostics[0].message, /byte 0xe9 at byte offset 18 \(line 2\)/);
});

test('UTF-16 files are named as such', () => {
  const report = analyzeFile('config.json', new Uint8Array([0xff, 0xfe, 0x7b, 0x00]), python);
  assert.deepEqual(codes(report), ['not-utf8']);
  assert.match(report.diagnostics[0].message, /UTF-16/);
});

test('the UTF-8 validator agrees with TextDecoder({fatal: true}) on random and edge-case bytes', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const valid = (bytes: Uint8Array): boolean => { try { fatal.decode(bytes); return true; } catch { return false; } };
  const cases: number[][] = [
    [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98, 0x80], [0xe2, 0x82], [0xc3],
    [0xef, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80], [0x80], [0xfe],
  ];
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 3000; i++) cases.push(Array.from({ length: 1 + Math.floor(random() * 6) }, () => (random() < 0.5 ? 0x80 + Math.floor(random() * 0x80) : Math.floor(random() * 0x100))));
  for (const bytes of cases.map((c) => new Uint8Array(c))) {
    assert.equal(firstInvalidUtf8(bytes) < 0, valid(bytes), `bytes ${[...bytes].map((b) => b.toString(16))}`);
  }
});

for (const hand of [false, true]) {
  test(`the ${hand ? 'hand-written' : 'platform'} decoder matches Node on multilingual text, with the BOM dropped, and locates bad bytes`, () => {
    useHandDecoderForTests(hand);
    try {
      const text = 'é = "naïve ≠ 𝔁 😀 日本語"\nclass Block:  # Ω\n';
      const decoded = decodeSource(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]));
      assert.deepEqual(decoded, { ok: true, text });
      const long = 'αβγ😀'.repeat(5000);
      assert.deepEqual(decodeSource(utf8(long)), { ok: true, text: long });
      // A lone continuation byte on line 2, and a UTF-16 surrogate encoded as UTF-8 on line 3.
      const bad = decodeSource(new Uint8Array([...utf8('x = 1\ny = "'), 0x80, ...utf8('"\nz = "'), 0xed, 0xa0, 0x80, 0x22]));
      assert.deepEqual(bad.ok ? null : [bad.code, bad.offset, bad.line], ['not-utf8', 11, 2]);
      const surrogate = decodeSource(new Uint8Array([...utf8('z = "'), 0xed, 0xa0, 0x80, 0x22]));
      assert.deepEqual(surrogate.ok ? null : [surrogate.code, surrogate.offset, surrogate.line], ['not-utf8', 5, 1]);
    } finally {
      useHandDecoderForTests(false);
    }
  });
}

test('a file over the size limit is refused with its size, also when only its head was read', () => {
  const report = analyzeFile('model.py', utf8('x = 1\n'.repeat(100)), python, { maxBytes: 100 });
  assert.deepEqual(codes(report), ['too-large']);
  assert.match(report.diagnostics[0].message, /600 bytes, over the 100 bytes/);
  const head = analyzeFile('weights.json', utf8('{'), python, { totalBytes: 5 * 1024 * 1024 * 1024 });
  assert.deepEqual(codes(head), ['too-large']);
  assert.match(head.diagnostics[0].message, /5120\.0 MiB/);
});

test('dispatch: .json goes to the config reader, extension-less JSON by content, other text is unsupported', () => {
  const config = utf8('{\n  "model_type": "llama",\n  "num_hidden_layers": 2\n}\n');
  assert.equal(analyzeFile('config.json', config, python).blocks[0].placement, 'pre');
  assert.equal(analyzeFile('config', config, python).language, 'json');
  const notes = analyzeFile('notes.txt', utf8('shopping list: eggs\n'), python);
  assert.deepEqual(codes(notes), ['unsupported-file']);
  assert.equal(analyzeFile('model', utf8('import torch\nclass A: pass\n'), python).language, 'python');
});

test('a slow analysis is reported against the per-file budget', () => {
  let clock = 0;
  const report = analyzeFile('model.py', utf8('import torch\n'), python, { timeBudgetMs: 100, now: () => (clock += 1000) });
  assert.ok(report.diagnostics.some((d) => d.code === 'time-budget' && d.severity === 'warning'));
});

test('parsing stops at the deadline and the parser is usable afterwards', () => {
  const huge = 'class A:\n    def f(self, x):\n        return x + 1\n'.repeat(4000);
  // A spy parser records what tree-sitter returned to the analyzer: null means the parse was cancelled.
  const results: unknown[] = [];
  const spy = Object.create(python.parser) as PythonParser['parser'];
  spy.parse = (...args: Parameters<PythonParser['parser']['parse']>) => {
    const tree = python.parser.parse(...args);
    results.push(tree);
    return tree;
  };
  let calls = 0;
  const clock = (): number => (calls++ === 0 ? 0 : 1e6); // the deadline has passed at the first progress check
  const report = analyzeFile('huge.py', utf8(huge), { parser: spy, language: python.language }, { timeBudgetMs: 50, now: clock });
  assert.ok(results.length > 0, 'the analyzer parsed through the bounded parser');
  assert.equal(results[0], null, 'tree-sitter gave up at the deadline');
  assert.ok(report.diagnostics.some((d) => d.code === 'time-budget'), JSON.stringify(report.diagnostics));
  const tree = python.parser.parse('x = 1\n');
  assert.equal(tree?.rootNode.toString(), '(module (expression_statement (assignment left: (identifier) right: (integer))))');
  tree?.delete();
});

test('an analyzer that throws becomes a diagnostic', () => {
  const broken = { parser: { parse() { throw new Error('boom'); }, reset() {} }, language: python.language } as unknown as PythonParser;
  const report = analyzeFile('model.py', utf8('import torch\n'), broken);
  assert.deepEqual(report.blocks, []);
  assert.ok(report.diagnostics.some((d) => d.severity === 'error'));
});
