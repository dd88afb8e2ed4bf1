// Scores the analyzer's reports against the hand labels of public model files (labels.tsv): one
// verdict per labelled block, tallies per category, and the blocks reported that no label names.
// Pure: reading files and running the analyzer belong to score.ts.

import type { BlockIR, FileReport } from '../../src/core/ir/model';

/** What a label says a block is. `norm: '?'` means the file alone does not decide the norm type. */
export interface Expected {
  placement: string;
  norm: 'layernorm' | 'rmsnorm' | 'other' | '?';
  finalNorm: boolean | null;
  layers: number | null;
  dModel: number | null;
  flag?: { name: string; default: boolean | number | string | null; readings: Record<string, string> };
}

export interface Label {
  repo: string;
  path: string;
  commit: string;
  block: string;
  category: string;
  expected: Expected;
  sure: boolean;
  notes: string;
  /** 1-based line of the row in labels.tsv, for messages. */
  row: number;
}

export type Verdict = 'right' | 'honest-unknown' | 'confident-wrong' | 'not-reported' | 'missing';
export const VERDICTS: readonly Verdict[] = ['right', 'honest-unknown', 'confident-wrong', 'not-reported', 'missing'];

/** Agreement on a number or flag that is not part of "right": depth, width, final norm. */
export type Agreement = 'same' | 'differs' | 'not-reported' | 'not-labelled';

export interface BlockScore {
  label: Label;
  verdict: Verdict;
  /** What the analyzer said, in one line (`pre rmsnorm`, `unknown: …`), or why there is nothing. */
  said: string;
  /** Why the verdict is not `right`, when it is not. */
  why: string;
  layers: Agreement;
  dModel: Agreement;
  finalNorm: Agreement;
}

const COLUMNS = ['repo', 'path', 'commit', 'block', 'category', 'expected', 'sure', 'notes'];
const NORMS = new Set(['layernorm', 'rmsnorm', 'other', '?']);

/** Parses labels.tsv; every malformed row is an error naming its line, so a bad label never scores silently. */
export function parseLabels(text: string, placements: readonly string[]): { labels: Label[]; errors: string[] } {
  const labels: Label[] = [];
  const errors: string[] = [];
  const lines = text.split('\n');
  let header: string[] | null = null;
  lines.forEach((line, index) => {
    const row = index + 1;
    if (line.trim() === '' || line.startsWith('#')) return;
    const cells = line.split('\t');
    if (!header) {
      header = cells;
      if (COLUMNS.some((column, at) => cells[at] !== column)) errors.push(`labels.tsv:${row}: expected the header ${COLUMNS.join(' | ')}`);
      return;
    }
    if (cells.length !== COLUMNS.length) {
      errors.push(`labels.tsv:${row}: expected ${COLUMNS.length} tab-separated cells, found ${cells.length}`);
      return;
    }
    const [repo, path, commit, block, category, json, sure, notes] = cells;
    let expected: Expected;
    try {
      expected = JSON.parse(json) as Expected;
    } catch (error) {
      errors.push(`labels.tsv:${row}: expected is not JSON (${(error as Error).message})`);
      return;
    }
    if (!/^[0-9a-f]{40}$/.test(commit)) errors.push(`labels.tsv:${row}: commit should be 40 hex digits`);
    if (!placements.includes(expected.placement)) errors.push(`labels.tsv:${row}: placement '${expected.placement}' is not one of ${placements.join(', ')}`);
    if (!NORMS.has(expected.norm)) errors.push(`labels.tsv:${row}: norm '${expected.norm}' should be layernorm, rmsnorm, other or ?`);
    if ((expected.placement === 'conditional') !== (expected.flag !== undefined)) errors.push(`labels.tsv:${row}: a conditional placement needs a flag, and only a conditional one`);
    if (sure !== 'yes' && sure !== 'no') errors.push(`labels.tsv:${row}: sure should be yes or no`);
    labels.push({ repo, path, commit, block, category, expected, sure: sure === 'yes', notes, row });
  });
  if (!header) errors.push('labels.tsv: no header row');
  return { labels, errors };
}

/** The local file of a label: <folder>/<owner>__<repo>/<path>, as the README's rebuild steps lay it out. */
export function localPath(label: Pick<Label, 'repo' | 'path'>): string {
  return `${label.repo.replace('/', '__')}/${label.path}`;
}

/** A flag name as written, without `self.` or leading underscores, so `self._norm_first` matches `norm_first`. */
function flagKey(name: string): string {
  return name.replace(/^self\./, '').replace(/^_+/, '').toLowerCase();
}

/** Python and JSON spellings of one default (`True`, `true`) compare equal. */
function valueKey(value: unknown): string {
  return String(value).toLowerCase();
}

function agreement(expected: number | boolean | null, reported: number | boolean | null | undefined): Agreement {
  if (expected === null) return 'not-labelled';
  if (reported === null || reported === undefined) return 'not-reported';
  return expected === reported ? 'same' : 'differs';
}

function describe(block: BlockIR): string {
  if (block.placement === 'unknown') return `unknown: ${block.reason}`;
  const flag = block.flag ? ` [${block.flag.name}=${block.flag.default}: ${Object.entries(block.flag.placements).map(([k, v]) => `${k}→${v}`).join(', ')}]` : '';
  return `${block.placement} ${block.norm ?? 'norm?'}${flag}`;
}

/** Compares a conditional's flag; returns why it differs, or '' when it agrees. */
function flagDifference(expected: NonNullable<Expected['flag']>, block: BlockIR): string {
  if (!block.flag) return `no flag reported (expected ${expected.name})`;
  // A label may accept several flag names (`parallel_attn|new_decoder_architecture`) where two flags select the same readings.
  if (!expected.name.split('|').some((name) => flagKey(name) === flagKey(block.flag!.name))) return `flag ${block.flag.name}, expected ${expected.name}`;
  if (expected.default !== null && valueKey(block.flag.default) !== valueKey(expected.default)) return `default ${block.flag.default}, expected ${expected.default}`;
  for (const [value, placement] of Object.entries(expected.readings)) {
    const reported = Object.entries(block.flag.placements).find(([key]) => valueKey(key) === valueKey(value))?.[1];
    if (reported !== placement) return `${expected.name}=${value} reads ${reported ?? 'nothing'}, expected ${placement}`;
  }
  return '';
}

/**
 * One label against the report of its file. "right" is the placement (and for `conditional` the flag,
 * its default and every reading) plus the norm type where the label decides it. A classified placement
 * or norm that differs is confident-wrong; `unknown`, or a right placement without a norm type, is an
 * honest unknown. Depth, width and the final norm are tallied apart and never change the verdict.
 */
export function scoreBlock(label: Label, report: FileReport | null): BlockScore {
  const none = { layers: 'not-reported', dModel: 'not-reported', finalNorm: 'not-reported' } as const;
  if (!report) return { label, verdict: 'missing', said: 'file not in the folder', why: 'missing', ...none };
  const block = report.blocks.find((candidate) => candidate.name === label.block);
  if (!block) return { label, verdict: 'not-reported', said: 'not reported', why: 'no block of that name', ...none };
  const expected = label.expected;
  const numbers = {
    layers: agreement(expected.layers, block.layers),
    dModel: agreement(expected.dModel, block.dModel),
    finalNorm: agreement(expected.finalNorm, block.finalNorm),
  };
  const said = describe(block);
  if (block.placement === 'unknown') return { label, verdict: 'honest-unknown', said, why: block.reason, ...numbers };
  if (block.placement !== expected.placement) {
    return { label, verdict: 'confident-wrong', said, why: `placement ${block.placement}, expected ${expected.placement}`, ...numbers };
  }
  if (expected.flag) {
    const difference = flagDifference(expected.flag, block);
    if (difference) return { label, verdict: 'confident-wrong', said, why: difference, ...numbers };
  }
  if (expected.norm !== '?') {
    if (block.norm === null) return { label, verdict: 'honest-unknown', said, why: 'placement right, norm type not reported', ...numbers };
    if (block.norm !== expected.norm) return { label, verdict: 'confident-wrong', said, why: `norm ${block.norm}, expected ${expected.norm}`, ...numbers };
  }
  return { label, verdict: 'right', said, why: '', ...numbers };
}

/** Reported blocks that no label of their file names: a non-block reported as a block shows here. */
export function extraBlocks(labels: readonly Label[], report: FileReport): BlockIR[] {
  const named = new Set(labels.map((label) => label.block));
  return report.blocks.filter((block) => !named.has(block.name));
}

export type Tally = Record<Verdict, number>;

export function emptyTally(): Tally {
  return { right: 0, 'honest-unknown': 0, 'confident-wrong': 0, 'not-reported': 0, missing: 0 };
}

/** Verdict counts per category, plus a total row. */
export function tallyByCategory(scores: readonly BlockScore[]): { categories: Map<string, Tally>; total: Tally } {
  const categories = new Map<string, Tally>();
  const total = emptyTally();
  for (const score of scores) {
    const tally = categories.get(score.label.category) ?? emptyTally();
    tally[score.verdict]++;
    total[score.verdict]++;
    categories.set(score.label.category, tally);
  }
  return { categories: new Map([...categories].sort(([a], [b]) => a.localeCompare(b))), total };
}
