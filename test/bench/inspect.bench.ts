// `npm run bench:inspect`: cold start (wasm load + first analysis, in fresh processes) and the warm
// median per file for a ~3,000-line model file. Prints figures; targets are warm < 50 ms, cold < 500 ms.
//   node out/bench/inspect.bench.js [--runs N] [--cold-runs N] [--lines N]

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { analyzeFile } from '../../src/core/parse/analyze';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import { readGrammarBinaries } from '../../src/node/grammars';
import { buildModelFile } from './inspectModel';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const WARM_RUNS = option('--runs', 30);
const COLD_RUNS = option('--cold-runs', 7);
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

/** One cold start: what a fresh CLI or extension host pays before its first report. Prints JSON. */
async function coldChild(): Promise<void> {
  const source = new TextEncoder().encode(buildModelFile(LINES));
  const t0 = performance.now();
  const parser = await createPythonParser(readGrammarBinaries());
  const t1 = performance.now();
  const report = analyzeFile('zoo.py', source, parser);
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ wasm: t1 - t0, firstAnalysis: t2 - t1, total: t2 - t0, blocks: report.blocks.length, sinceProcessStart: t2 }));
}

async function main(): Promise<void> {
  const text = buildModelFile(LINES);
  const bytes = new TextEncoder().encode(text);
  const lineCount = text.split('\n').length;
  console.log(`inspect benchmark: ${lineCount} lines, ${(bytes.length / 1024).toFixed(0)} KiB, node ${process.version}, ${WARM_RUNS} warm runs, ${COLD_RUNS} cold processes`);

  const cold: { wasm: number; firstAnalysis: number; total: number; blocks: number; sinceProcessStart: number }[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const child = spawnSync(process.execPath, [__filename, '--cold-child', '--lines', String(LINES)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`cold run failed: ${child.stderr}`);
    cold.push(JSON.parse(child.stdout));
  }
  const coldTotal = median(cold.map((c) => c.total));
  console.log(`cold  wasm load      median ${ms(median(cold.map((c) => c.wasm)))}`);
  console.log(`cold  first analysis median ${ms(median(cold.map((c) => c.firstAnalysis)))}`);
  console.log(`cold  total          median ${ms(coldTotal)}  (min ${ms(Math.min(...cold.map((c) => c.total)))}, max ${ms(Math.max(...cold.map((c) => c.total)))}; node start to report ${ms(median(cold.map((c) => c.sinceProcessStart)))})  target < ${COLD_TARGET_MS} ms: ${coldTotal < COLD_TARGET_MS ? 'met' : 'MISSED'}`);

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
  console.log(`warm  analyzeFile    median ${ms(warmMedian)}  (p10 ${ms(quantile(warm, 0.1))}, p90 ${ms(quantile(warm, 0.9))}; ${blocks} blocks)  target < ${WARM_TARGET_MS} ms: ${warmMedian < WARM_TARGET_MS ? 'met' : 'MISSED'}`);
  console.log(`warm  parse only     median ${ms(median(parseOnly))}  (tree-sitter's share of the above)`);
}

if (args.includes('--cold-child')) void coldChild();
else void main();
