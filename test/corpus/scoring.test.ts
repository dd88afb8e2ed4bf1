// The real-code evaluation's own checks: labels.tsv is well formed, each verdict means what the README
// says, and the fuzz mutations are seeded and change their input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { BlockIR, FileReport } from '../../src/core/ir/model';
import { PLACEMENTS } from '../../src/core/ir/model';
import { MUTATIONS, mutate, random } from '../parse/fuzzMutators';
import type { Expected, Label } from './scoring';
import { extraBlocks, localPath, parseLabels, scoreBlock, tallyByCategory } from './scoring';

const DESIGN = [...PLACEMENTS, 'layernorm-scaling', 'attention-residuals', 'denseformer', 'hyper-connections', 'residual', 'admin', 'ngpt'];

function label(block: string, expected: Partial<Expected>, category = 'plain'): Label {
  return {
    repo: 'owner/repo', path: 'model.py', commit: '0'.repeat(40), block, category, sure: true, notes: '', row: 4,
    expected: { placement: 'pre', norm: 'layernorm', finalNorm: true, layers: 12, dModel: 768, ...expected },
  };
}

function block(name: string, fields: Partial<BlockIR>): BlockIR {
  const span = { line: 1, column: 0, endLine: 1, endColumn: 0, offset: 0, endOffset: 0 };
  return {
    name, line: 1, span, placement: 'pre', reason: '', sublayers: [], norm: 'layernorm', finalNorm: true,
    layers: 12, dModel: 768, heads: 12, flag: null, normDefinitions: [], normUses: [], ...fields,
  };
}

const report = (...blocks: BlockIR[]): FileReport => ({ file: 'model.py', language: 'python', blocks, diagnostics: [] });

test('labels.tsv parses: 40-hex commits, DESIGN placements, a flag exactly on conditional rows', () => {
  const { labels, errors } = parseLabels(readFileSync('test/corpus/labels.tsv', 'utf8'), DESIGN);
  assert.deepEqual(errors, []);
  assert.ok(labels.length >= 40, `only ${labels.length} labels`);
  const keys = labels.map((l) => `${localPath(l)}#${l.block}`);
  assert.equal(new Set(keys).size, keys.length, 'a block is labelled twice');
});

test('a malformed label row is an error naming its line, never a silent score', () => {
  const text = 'repo\tpath\tcommit\tblock\tcategory\texpected\tsure\tnotes\n' +
    `a/b\tm.py\t${'0'.repeat(40)}\tBlock\tplain\t{"placement":"prenorm","norm":"layernorm"}\tyes\t\n` +
    `a/b\tm.py\tabc\tBlock2\tplain\t{"placement":"conditional","norm":"rmsnorm"}\tmaybe\t\n` +
    'a/b\tm.py\n';
  const { errors } = parseLabels(text, DESIGN);
  assert.ok(errors.some((e) => e.startsWith('labels.tsv:2:') && e.includes("'prenorm'")));
  assert.ok(errors.some((e) => e.startsWith('labels.tsv:3:') && e.includes('40 hex')));
  assert.ok(errors.some((e) => e.startsWith('labels.tsv:3:') && e.includes('needs a flag')));
  assert.ok(errors.some((e) => e.startsWith('labels.tsv:3:') && e.includes('yes or no')));
  assert.ok(errors.some((e) => e.startsWith('labels.tsv:4:') && e.includes('8 tab-separated')));
});

test('verdicts: right, honest-unknown, confident-wrong, not-reported, missing', () => {
  assert.equal(scoreBlock(label('Block', {}), report(block('Block', {}))).verdict, 'right');
  assert.equal(scoreBlock(label('Block', {}), report(block('Block', { placement: 'unknown', reason: 'drop_path' }))).verdict, 'honest-unknown');
  assert.equal(scoreBlock(label('Block', {}), report(block('Block', { norm: null }))).verdict, 'honest-unknown');
  assert.equal(scoreBlock(label('Block', {}), report(block('Block', { placement: 'none' }))).verdict, 'confident-wrong');
  assert.equal(scoreBlock(label('Block', {}), report(block('Block', { norm: 'rmsnorm' }))).verdict, 'confident-wrong');
  assert.equal(scoreBlock(label('Block', { norm: '?' }), report(block('Block', { norm: null }))).verdict, 'right');
  assert.equal(scoreBlock(label('Block', {}), report(block('Other', {}))).verdict, 'not-reported');
  assert.equal(scoreBlock(label('Block', {}), null).verdict, 'missing');
});

test('a conditional is right only with its flag, default and every reading', () => {
  const flag = { name: 'normalize_before', default: false, readings: { True: 'pre', False: 'post' } };
  const expected = label('Layer', { placement: 'conditional', flag });
  const reported = (name: string, value: boolean, onTrue: 'pre' | 'post', onFalse: 'pre' | 'post') =>
    report(block('Layer', { placement: 'conditional', flag: { name, default: value, placements: { True: onTrue, False: onFalse } } }));
  assert.equal(scoreBlock(expected, reported('self._normalize_before', false, 'pre', 'post')).verdict, 'right');
  assert.equal(scoreBlock(expected, reported('normalize_before', true, 'pre', 'post')).verdict, 'confident-wrong');
  assert.equal(scoreBlock(expected, reported('normalize_before', false, 'post', 'pre')).verdict, 'confident-wrong');
  assert.equal(scoreBlock(expected, reported('pre_norm', false, 'pre', 'post')).verdict, 'confident-wrong');
  assert.equal(scoreBlock(expected, report(block('Layer', { placement: 'conditional' }))).verdict, 'confident-wrong');
});

test('depth, width and final norm are tallied apart and never change the verdict', () => {
  const score = scoreBlock(label('Block', { layers: 12, dModel: null, finalNorm: true }), report(block('Block', { layers: 24, finalNorm: null })));
  assert.equal(score.verdict, 'right');
  assert.deepEqual([score.layers, score.dModel, score.finalNorm], ['differs', 'not-labelled', 'not-reported']);
});

test('extras are the reported blocks no label names; tallies add up per category', () => {
  const labels = [label('Block', {}, 'plain'), label('Gone', {}, 'subclass')];
  const file = report(block('Block', {}), block('Attention', { placement: 'unknown' }));
  assert.deepEqual(extraBlocks(labels, file).map((b) => b.name), ['Attention']);
  const { categories, total } = tallyByCategory(labels.map((l) => scoreBlock(l, file)));
  assert.equal(categories.get('plain')?.right, 1);
  assert.equal(categories.get('subclass')?.['not-reported'], 1);
  assert.equal(total.right + total['not-reported'], 2);
});

test('fuzz mutations are seeded, and each one changes a real-sized input', () => {
  const text = readFileSync('test/fixtures/python/nanogpt_pre.py', 'utf8');
  for (const mutation of MUTATIONS) {
    assert.equal(mutate(text, mutation, random(7)), mutate(text, mutation, random(7)), `${mutation} is not seeded`);
    const changed = [1, 2, 3, 4, 5].some((seed) => mutate(text, mutation, random(seed)) !== text);
    assert.ok(changed, `${mutation} never changed the text`);
  }
});
