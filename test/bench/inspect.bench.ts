// `npm run bench:inspect`: cold start (wasm load + first analysis, in fresh processes) and the warm
// median per file for a ~3,000-line model file: read fresh (the CLI, a newly opened file) and re-read
// after an edit (the editor, which keeps the file's last tree). Prints figures; targets are warm < 50 ms,
// cold < 500 ms.
//   node out/bench/inspect.bench.js [--runs N] [--cold-runs N] [--lines N]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeFile } from '../../src/core/parse/analyze';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import { TreeStore } from '../../src/core/parse/treeStore';
import { readGrammarBinaries } from '../../src/node/grammars';
import { buildModelFile } from './inspectModel';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const WARM_RUNS = option('--runs', 30);
const COLD_RUNS = option('--cold-runs', 5);
const LINES = option('--lines', 3000);
const WARM_TARGET_MS = 50;
const COLD_TARGET_MS = 500;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;

interface ColdRun {
  wasm: number;
  first: number;
  total: number;
  sinceProcessStart: number;
}

/**
 * One cold start in this fresh process, printed as JSON: the wasm load, then either the first parse
 * (the definition of cold) or the first whole analyzeFile (what a user waits for).
 */
async function coldChild(mode: 'parse' | 'analyze'): Promise<void> {
  const text = buildModelFile(LINES);
  const source = new TextEncoder().encode(text);
  const t0 = performance.now();
  const parser = await createPythonParser(readGrammarBinaries());
  const t1 = performance.now();
  if (mode === 'parse') parser.parser.parse(text)?.delete();
  else analyzeFile('zoo.py', source, parser);
  const t2 = performance.now();
  const run: ColdRun = { wasm: t1 - t0, first: t2 - t1, total: t2 - t0, sinceProcessStart: t2 };
  process.stdout.write(JSON.stringify(run));
}

function coldRuns(mode: 'parse' | 'analyze', v8Flags: string[] = []): ColdRun[] {
  const runs: ColdRun[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const child = spawnSync(process.execPath, [...v8Flags, __filename, '--cold-child', mode, '--lines', String(LINES)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`cold run failed: ${child.stderr}`);
    runs.push(JSON.parse(child.stdout) as ColdRun);
  }
  return runs;
}

async function main(): Promise<void> {
  const text = buildModelFile(LINES);
  const bytes = new TextEncoder().encode(text);
  const lineCount = text.split('\n').length;
  console.log(`inspect benchmark: ${lineCount} lines, ${(bytes.length / 1024).toFixed(0)} KiB, node ${process.version}, ${WARM_RUNS} warm runs, ${COLD_RUNS} cold processes; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores (figures scale with it)`);

  const coldParse = coldRuns('parse');
  const coldParseBaseline = coldRuns('parse', ['--liftoff-only']);
  const coldAnalyze = coldRuns('analyze');
  const spread = (runs: ColdRun[]): string => `min ${ms(Math.min(...runs.map((c) => c.total)))}, max ${ms(Math.max(...runs.map((c) => c.total)))}`;
  const verdict = (value: number): string => `target < ${COLD_TARGET_MS} ms: ${value < COLD_TARGET_MS ? 'met' : 'MISSED'}`;
  console.log(`cold  wasm load                 median ${ms(median(coldParse.map((c) => c.wasm)))}`);
  const coldMedian = median(coldParse.map((c) => c.total));
  console.log(`cold  wasm load + first parse   median ${ms(coldMedian)}  (${spread(coldParse)}; V8 defaults, as the extension host)  ${verdict(coldMedian)}`);
  const baselineMedian = median(coldParseBaseline.map((c) => c.total));
  console.log(`cold  wasm load + first parse   median ${ms(baselineMedian)}  (${spread(coldParseBaseline)}; --liftoff-only, as the CLI)  ${verdict(baselineMedian)}`);
  console.log(`cold  wasm load + first report  median ${ms(median(coldAnalyze.map((c) => c.total)))}  (${spread(coldAnalyze)}; node start to report ${ms(median(coldAnalyze.map((c) => c.sinceProcessStart)))})`);

  // What a user waits for: `normscope inspect FILE` end to end, node start-up included.
  const dir = mkdtempSync(join(tmpdir(), 'normscope-bench-'));
  writeFileSync(join(dir, 'zoo.py'), text);
  const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
  const cliRuns: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const t0 = performance.now();
    const child = spawnSync(process.execPath, [cli, 'inspect', join(dir, 'zoo.py'), '--json'], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`normscope inspect failed: ${child.stderr}`);
    cliRuns.push(performance.now() - t0);
  }
  console.log(`cold  normscope inspect (process) median ${ms(median(cliRuns))}  (min ${ms(Math.min(...cliRuns))}, max ${ms(Math.max(...cliRuns))}; the CLI keeps wasm on V8's baseline compiler)`);

  const parser = await createPythonParser(readGrammarBinaries());
  analyzeFile('zoo.py', bytes, parser); // the first analysis in this process is the cold one above
  const warm: number[] = [];
  const parseOnly: number[] = [];
  let blocks = 0;
  for (let i = 0; i < WARM_RUNS; i++) {
    const t0 = performance.now();
    blocks = analyzeFile('zoo.py', bytes, parser).blocks.length;
    warm.push(performance.now() - t0);
    // The share of tree-sitter alone, so a slow figure points at the parser or at the dataflow.
    const t1 = performance.now();
    parser.parser.parse(text)?.delete();
    parseOnly.push(performance.now() - t1);
  }
  const warmMedian = median(warm);
  console.log(`warm  analyzeFile, fresh file    median ${ms(warmMedian)}  (p10 ${ms(quantile(warm, 0.1))}, p90 ${ms(quantile(warm, 0.9))}; ${blocks} blocks; no tree kept: the CLI, a newly opened file)  target < ${WARM_TARGET_MS} ms: ${warmMedian < WARM_TARGET_MS ? 'met' : 'MISSED'}`);
  console.log(`warm  parse only                 median ${ms(median(parseOnly))}  (tree-sitter's share of the above)`);

  // The editor: each run edits the file the way typing does, at a different block each time, and
  // re-analyses it with the last tree kept (AnalysisCache's path on every document change).
  const trees = new TreeStore();
  let edited = text;
  analyzeFile('zoo.py', new TextEncoder().encode(edited), parser, { trees });
  const anchors: number[] = [];
  for (let at = edited.indexOf('    def forward('); at >= 0; at = edited.indexOf('    def forward(', at + 1)) anchors.push(at);
  const afterEdit: number[] = [];
  let fresh = 0;
  for (let i = 0; i < WARM_RUNS; i++) {
    // Type a statement into the i-th forward (cumulative edits, as in a session), then analyse.
    const lineEnd = edited.indexOf('\n', edited.indexOf('    def forward(', anchors[(i * 7) % anchors.length] + 40 * i) + 1);
    const at = lineEnd < 0 ? edited.length : lineEnd + 1;
    edited = `${edited.slice(0, at)}        scale_${i} = 1.0  # typed\n${edited.slice(at)}`;
    const editedBytes = new TextEncoder().encode(edited);
    const t0 = performance.now();
    const report = analyzeFile('zoo.py', editedBytes, parser, { trees });
    afterEdit.push(performance.now() - t0);
    fresh = report.blocks.length;
  }
  const editMedian = median(afterEdit);
  console.log(`warm  analyzeFile, after an edit median ${ms(editMedian)}  (p10 ${ms(quantile(afterEdit, 0.1))}, p90 ${ms(quantile(afterEdit, 0.9))}; ${fresh} blocks; last tree kept: the editor)  target < ${WARM_TARGET_MS} ms: ${editMedian < WARM_TARGET_MS ? 'met' : 'MISSED'}`);
}

if (args.includes('--cold-child')) void coldChild(args[args.indexOf('--cold-child') + 1] === 'parse' ? 'parse' : 'analyze');
else void main();
