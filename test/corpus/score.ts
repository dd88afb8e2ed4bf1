// The real-code evaluation (issue 9): scores the analyzer on a local folder of public model files
// against test/corpus/labels.tsv, or fuzzes it on seeded mutations of those files. Run through
// scripts/corpus.mjs, which bundles this file:
//   node scripts/corpus.mjs FOLDER [--labels FILE] [--json OUT] [--verbose]
//   node scripts/corpus.mjs FOLDER [--labels FILE] --fuzz N [--seed S] [--budget MS]
// --labels names another label file in labels.tsv's format (default test/corpus/labels.tsv), e.g. the
// held-out set test/corpus/heldout.tsv.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FileReport } from '../../src/core/ir/model';
import { PLACEMENTS } from '../../src/core/ir/model';
import { analyzeFile } from '../../src/core/parse/analyze';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import { BoundedAnalyzer } from '../../src/node/boundedAnalyzer';
import { readGrammarBinaries } from '../../src/node/grammars';
import { readImportedFiles } from '../../src/node/importedFiles';
import { MUTATIONS, mutate, random } from '../parse/fuzzMutators';
import type { BlockScore, Label } from './scoring';
import { VERDICTS, extraBlocks, localPath, parseLabels, scoreBlock, tallyByCategory } from './scoring';

/** DESIGN.md's placements, the dilution-cure variants included, whether or not model.ts has them yet. */
const DESIGN_PLACEMENTS = [...new Set<string>([...PLACEMENTS, 'layernorm-scaling', 'attention-residuals', 'denseformer', 'hyper-connections', 'residual', 'admin', 'ngpt'])];

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const folder = args.find((arg, at) => !arg.startsWith('--') && (at === 0 || !args[at - 1].startsWith('--')));

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function loadLabels(): Label[] {
  const file = resolve(option('--labels') ?? 'test/corpus/labels.tsv');
  if (!existsSync(file)) fail(`label file ${file} not found (--labels FILE; default test/corpus/labels.tsv)`);
  const { labels, errors } = parseLabels(readFileSync(file, 'utf8'), DESIGN_PLACEMENTS);
  if (errors.length > 0) fail(errors.map((error) => error.replace(/^labels\.tsv/, relative(process.cwd(), file))).join('\n'));
  return labels;
}

/** The labelled files, once each, with their labels. */
function filesOf(labels: readonly Label[]): Map<string, Label[]> {
  const files = new Map<string, Label[]>();
  for (const label of labels) files.set(localPath(label), [...(files.get(localPath(label)) ?? []), label]);
  return files;
}

const pad = (text: string, width: number): string => (text.length >= width ? text.slice(0, width - 1) + '…' : text.padEnd(width));

function printScores(scores: readonly BlockScore[], extras: readonly string[], verbose: boolean): void {
  console.log(`${pad('FILE', 58)} ${pad('BLOCK', 36)} ${pad('VERDICT', 16)} ${pad('L/d/final', 24)} ANALYZER SAID`);
  for (const score of scores) {
    const numbers = `${score.layers}/${score.dModel}/${score.finalNorm}`.replaceAll('not-labelled', '-').replaceAll('not-reported', '?');
    const said = score.verdict === 'right' ? score.said : `${score.said}${score.why && !score.said.includes(score.why) ? ` — ${score.why}` : ''}`;
    console.log(`${pad(`${score.label.repo}:${score.label.path.split('/').pop()}`, 58)} ${pad(score.label.block + (score.label.sure ? '' : ' (unsure)'), 36)} ${pad(score.verdict, 16)} ${pad(numbers, 24)} ${verbose ? said : pad(said, 110)}`);
  }
  if (extras.length > 0) {
    console.log(`\nReported but not labelled (${extras.length}):`);
    for (const extra of extras) console.log(`  ${extra}`);
  }
  const { categories, total } = tallyByCategory(scores);
  const header = `${pad('CATEGORY', 32)} ${VERDICTS.map((verdict) => verdict.padStart(16)).join('')}`;
  console.log(`\n${header}`);
  for (const [category, tally] of categories) console.log(`${pad(category, 32)} ${VERDICTS.map((verdict) => String(tally[verdict]).padStart(16)).join('')}`);
  console.log(`${pad('TOTAL', 32)} ${VERDICTS.map((verdict) => String(total[verdict]).padStart(16)).join('')}`);
  const scored = scores.length - total.missing;
  const share = (n: number): string => (scored > 0 ? `${((100 * n) / scored).toFixed(0)}%` : '-');
  console.log(`\n${scored} blocks scored in ${new Set(scores.filter((s) => s.verdict !== 'missing').map((s) => localPath(s.label))).size} files (${total.missing} labelled blocks in missing files): right ${total.right} (${share(total.right)}), honest-unknown ${total['honest-unknown']}, confident-wrong ${total['confident-wrong']}, not-reported ${total['not-reported']}.`);
  const agree = (key: 'layers' | 'dModel' | 'finalNorm'): string => {
    const counts = { same: 0, differs: 0, 'not-reported': 0 };
    for (const score of scores) if (score.verdict !== 'missing' && score.verdict !== 'not-reported' && score[key] !== 'not-labelled') counts[score[key]]++;
    return `${key}: ${counts.same} same, ${counts.differs} differ, ${counts['not-reported']} not reported`;
  };
  console.log(`Not part of "right" (among reported blocks whose label states them): ${agree('layers')}; ${agree('dModel')}; ${agree('finalNorm')}.`);
}

async function score(root: string): Promise<void> {
  const labels = loadLabels();
  const python = await createPythonParser(readGrammarBinaries(process.cwd()));
  const scores: BlockScore[] = [];
  const extras: string[] = [];
  const imports: string[] = [];
  for (const [file, fileLabels] of filesOf(labels)) {
    const full = join(root, file);
    let report: FileReport | null = null;
    if (existsSync(full)) {
      // As the CLI given the repository's folder: the files it imports are read where the folder has them.
      const bytes = new Uint8Array(readFileSync(full));
      const importedFiles = readImportedFiles(full, new TextDecoder().decode(bytes), [join(root, file.split('/')[0])]);
      report = analyzeFile(full, bytes, python, importedFiles.length > 0 ? { importedFiles } : {});
      if (importedFiles.length > 0) imports.push(`${file}: ${importedFiles.map((f) => f.file.slice(join(root, file.split('/')[0]).length + 1)).join(', ')}`);
      for (const block of extraBlocks(fileLabels, report)) extras.push(`${file} ${block.name} (line ${block.line}): ${block.placement}${block.placement === 'unknown' ? ` — ${block.reason}` : ''}`);
    }
    for (const label of fileLabels) scores.push(scoreBlock(label, report));
  }
  printScores(scores, extras, args.includes('--verbose'));
  if (imports.length > 0) console.log(`Imported files read from the folder (test/corpus/README.md): ${imports.join('; ')}.`);
  const out = option('--json');
  if (out) {
    writeFileSync(out, JSON.stringify({ scores: scores.map(({ label, ...rest }) => ({ repo: label.repo, path: label.path, block: label.block, category: label.category, sure: label.sure, expected: label.expected, ...rest })), extras }, null, 1));
    console.log(`wrote ${out}`);
  }
}

/**
 * Seeded mutations of every labelled file that is present, each analysed in a worker with a hard time
 * limit (BoundedAnalyzer: 3× the budget). A throw shows as internal-error or analyzer-error, a hang as
 * the worker being stopped; both are failures.
 */
async function fuzz(root: string, rounds: number): Promise<void> {
  const workerFile = resolve('dist/analyze.worker.js');
  if (!existsSync(workerFile)) fail(`${workerFile} is missing: run 'node esbuild.mjs' first (scripts/corpus.mjs does)`);
  const seed = Number(option('--seed') ?? 20261204);
  const budgetMs = Number(option('--budget') ?? 5000);
  const files = [...filesOf(loadLabels()).keys()].map((file) => join(root, file)).filter((file) => existsSync(file));
  if (files.length === 0) fail(`no labelled file found under ${root}`);
  const texts = files.map((file) => readFileSync(file, 'utf8'));
  const analyzer = new BoundedAnalyzer(workerFile);
  const next = random(seed);
  const failures: string[] = [];
  const times: number[] = [];
  const overBudget: string[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const at = round % files.length;
      const mutation = MUTATIONS[Math.floor(round / files.length) % MUTATIONS.length];
      const text = mutate(texts[at], mutation, next);
      const t0 = performance.now();
      const report = await analyzer.analyze(files[at], new TextEncoder().encode(text), { timeBudgetMs: budgetMs });
      const elapsed = performance.now() - t0;
      times.push(elapsed);
      const bad = report.diagnostics.filter((d) => d.code === 'internal-error' || d.code === 'analyzer-error' || (d.code === 'time-budget' && d.severity === 'error'));
      if (bad.length > 0) failures.push(`round ${round} (seed ${seed}, ${mutation}) of ${files[at]}: ${bad.map((d) => `${d.code}: ${d.message}`).join('; ')}`);
      else if (report.diagnostics.some((d) => d.code === 'time-budget')) overBudget.push(`round ${round} (${mutation}) of ${files[at]}: ${Math.round(elapsed)} ms`);
    }
  } finally {
    await analyzer.close();
  }
  times.sort((a, b) => a - b);
  console.log(`fuzz: ${rounds} mutated copies of ${files.length} labelled files (seed ${seed}; ${MUTATIONS.join(', ')}), budget ${budgetMs} ms per file, hard stop at 3×.`);
  console.log(`time per file: median ${times[times.length >> 1].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms; ${overBudget.length} over the budget (finished, warned).`);
  for (const line of overBudget) console.log(`  over budget: ${line}`);
  if (failures.length === 0) console.log(`none threw, none hung: ${rounds} of ${rounds} finished with a report.`);
  else {
    console.log(`${failures.length} of ${rounds} failed:`);
    for (const line of failures) console.log(`  ${line}`);
    process.exitCode = 1;
  }
}

if (!folder) fail('usage: node scripts/corpus.mjs FOLDER [--labels FILE] [--json OUT] [--verbose] | FOLDER [--labels FILE] --fuzz N [--seed S] [--budget MS]');
const fuzzRounds = option('--fuzz');
void (fuzzRounds ? fuzz(resolve(folder), Number(fuzzRounds)) : score(resolve(folder)));
