// `npm run bench:editor`: the extension's activation cost (load dist/extension.js with a fake vscode
// and activate: module evaluation + registration; no wasm), the first analysis after activation (the
// lazy tree-sitter init), and hover latency on a ~3,000-line model file, warm (cached report) and after
// an edit (re-analysis). Medians of several runs; targets: hover warm < 30 ms.
//   node out/bench/editor.bench.js [--runs N] [--lines N]

import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { createFakeVscode, fakeDocument, requireWithFakeVscode } from '../host/fakeVscode';
import { buildModelFile } from './inspectModel';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const RUNS = option('--runs', 15);
const LINES = option('--lines', 3000);
const HOVER_TARGET_MS = 30;

interface ExtensionModule {
  activate(context: unknown): { activationMs: number };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
const ms = (value: number): string => `${value.toFixed(2)} ms`;

function activateOnce() {
  const { api, registered } = createFakeVscode();
  const t0 = performance.now();
  const extension = requireWithFakeVscode<ExtensionModule>(resolve('dist/extension.js'), api);
  const loaded = performance.now();
  const reported = extension.activate({ subscriptions: [], extensionUri: api.Uri.file(process.cwd()) });
  const activated = performance.now();
  return { api, registered, loadMs: loaded - t0, activateMs: activated - loaded, reportedMs: reported.activationMs };
}

/** Positions worth hovering: every line holding a norm or sublayer call, at its first non-blank column. */
function hoverPositions(source: string): { line: number; character: number }[] {
  const out: { line: number; character: number }[] = [];
  source.split('\n').forEach((text, line) => {
    const match = /self\.(\w*(?:norm|ln|attn|mlp|attention|feed_forward)\w*)/i.exec(text);
    if (match) out.push({ line, character: match.index + 5 });
  });
  return out;
}

async function main(): Promise<void> {
  const source = buildModelFile(LINES);
  const lineCount = source.split('\n').length;

  // The first activation in this process includes reading and compiling the bundle from disk.
  const first = activateOnce();
  const load: number[] = [];
  const activate: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = activateOnce();
    load.push(run.loadMs);
    activate.push(run.activateMs);
  }

  // Lazy init: the first hover of a session pays the wasm runtime and grammar load plus one analysis.
  const { api, registered } = first;
  const positions = hoverPositions(source);
  const hover = registered.hovers[0];
  let version = 1;
  const t0 = performance.now();
  const firstHover = await hover.provideHover(fakeDocument('/bench/model.py', source, 'python', version), new api.Position(positions[0].line, positions[0].character));
  const firstMs = performance.now() - t0;

  const warm: number[] = [];
  let found = 0;
  const document = fakeDocument('/bench/model.py', source, 'python', version);
  for (let i = 0; i < Math.max(RUNS * 4, positions.length); i++) {
    const p = positions[i % positions.length];
    const start = performance.now();
    const result = await hover.provideHover(document, new api.Position(p.line, p.character));
    warm.push(performance.now() - start);
    if (result) found++;
  }

  const edited: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    version++;
    const p = positions[i % positions.length];
    const start = performance.now();
    await hover.provideHover(fakeDocument('/bench/model.py', source, 'python', version), new api.Position(p.line, p.character));
    edited.push(performance.now() - start);
  }

  console.log(`NormScope editor benchmark (${RUNS} runs; medians; node ${process.version})`);
  console.log(`  activation, first in process (load bundle + activate): ${ms(first.loadMs + first.activateMs)} (activate() alone ${ms(first.activateMs)})`);
  console.log(`  activation, repeated (module evaluation from cache-cleared require): ${ms(median(load))}, activate() ${ms(median(activate))}`);
  console.log(`  first hover (lazy tree-sitter init + analysis of ${lineCount} lines): ${ms(firstMs)}${firstHover ? '' : ' (that position had no hover target)'}`);
  console.log(`  hover, warm (cached report), ${lineCount}-line file: median ${ms(median(warm))} over ${warm.length} hovers at ${positions.length} positions, ${found} with a hover (target < ${HOVER_TARGET_MS} ms: ${median(warm) < HOVER_TARGET_MS ? 'met' : 'NOT met'})`);
  console.log(`  hover after an edit (re-analysis), ${lineCount}-line file: median ${ms(median(edited))}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
