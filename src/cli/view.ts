// `normscope view RUN.jsonl... [--out report.html] [--json]`: reads recorded training runs (run files,
// docs/run-format.md) and prints a summary, the JSON document, or the same HTML report as `probe`, every
// run side by side on shared scales. Problems are printed as FILE:LINE messages; the exit code is non-zero
// only when no run could be shown.

import { readFileSync, writeFileSync } from 'node:fs';
import type { ProbePlacement, RecordedResult } from '../core/probe/types';
import { modelFromReport } from '../core/probe/fromReport';
import { recordedResult } from '../core/runs/recorded';
import { formatRunDiagnostic, readRunFile } from '../core/runs/runFile';
import type { RecordedRun, RunDiagnostic } from '../core/runs/runFile';
import { DEFAULT_MAX_BYTES, DEFAULT_TIME_BUDGET_MS } from '../core/parse/analyze';
import { renderReportHtml } from '../report/html';
import { findModelFile } from '../node/runModel';
import { inspectPaths } from './inspect';
import { formatViewSummary, viewRunJson } from './viewOutput';
import type { ViewJson } from './viewOutput';

export const VIEW_USAGE = `Usage: normscope view RUN.normscope.jsonl... [options]

Reads training runs recorded by the NormScope monitor or the exported probe (docs/run-format.md) and
shows the same views as \`probe\`: heatmaps per layer and step, loss, and the theory lines for the run's
placement and depth when they are known (from the header, or by analysing the model file it names).
Several runs are drawn side by side on shared colour scales.

Options:
  --out FILE.html     write the self-contained HTML report
  --json              print {"runs": [...], "diagnostics": [...]} instead of the summary
  --no-detect         do not analyse the header's model file for a placement the header does not give
  -h, --help          show this help
`;

interface ViewArgs {
  files: string[];
  out: string | null;
  json: boolean;
  detect: boolean;
}

export function parseViewArgs(argv: readonly string[]): ViewArgs | { error: string } | { help: true } {
  const args: ViewArgs = { files: [], out: null, json: false, detect: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { help: true };
    if (arg === '--json') args.json = true;
    else if (arg === '--no-detect') args.detect = false;
    else if (arg === '--out') {
      const out = argv[++i];
      if (out === undefined || out.startsWith('--')) return { error: '--out expects a file name (report.html)' };
      args.out = out;
    } else if (arg.startsWith('--')) return { error: `unknown option '${arg}'` };
    else args.files.push(arg);
  }
  if (args.files.length === 0) return { error: 'give at least one run file (*.normscope.jsonl)' };
  return args;
}

/** The placement of the header's block class in its model file, through the analyzer (never run). */
async function detectPlacement(runFile: string, run: RecordedRun): Promise<{ placement: ProbePlacement; from: string } | null> {
  const { model, blockClass } = run.header;
  if (run.header.placement !== null || model === null) return null;
  const path = findModelFile(runFile, model);
  if (!path) return null;
  const [report] = await inspectPaths([path], { config: null, useSiblingConfig: true, useImports: true, maxBytes: DEFAULT_MAX_BYTES, timeBudgetMs: DEFAULT_TIME_BUDGET_MS });
  const named = report.blocks.filter((block) => block.name === blockClass);
  const found = modelFromReport(named.length > 0 ? { ...report, blocks: named } : report);
  return found.ok ? { placement: found.model.placement, from: `${model}${blockClass ? ` (${found.block.name})` : ''}` } : null;
}

export interface LoadedRuns {
  results: RecordedResult[];
  diagnostics: (RunDiagnostic & { file: string })[];
}

/** Reads every file; unreadable files and bad lines become diagnostics, never exceptions. */
export async function loadRunFiles(files: readonly string[], detect: boolean): Promise<LoadedRuns> {
  const results: RecordedResult[] = [];
  const diagnostics: LoadedRuns['diagnostics'] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      diagnostics.push({ file, line: 1, severity: 'error', message: `cannot read the run file: ${reason}` });
      continue;
    }
    const state = readRunFile(text);
    diagnostics.push(...state.diagnostics.map((d) => ({ ...d, file })));
    const skipped = state.diagnostics.filter((d) => d.severity === 'error').length;
    for (const run of state.runs) {
      if (run.metrics.steps.length === 0) continue;
      const detected = detect ? await detectPlacement(file, run) : null;
      const notes = skipped > 0 ? [`${skipped} line${skipped === 1 ? '' : 's'} of ${file} could not be read (see the messages printed with their line numbers).`] : [];
      results.push(recordedResult(run, { file, detected, notes }));
    }
  }
  return { results, diagnostics };
}

export async function runView(argv: string[]): Promise<number> {
  const args = parseViewArgs(argv);
  if ('help' in args) {
    process.stdout.write(VIEW_USAGE);
    return 0;
  }
  if ('error' in args) {
    process.stderr.write(`normscope view: ${args.error}\n\n${VIEW_USAGE}`);
    return 2;
  }
  const { results, diagnostics } = await loadRunFiles(args.files, args.detect);
  for (const diagnostic of diagnostics) process.stderr.write(`${formatRunDiagnostic(diagnostic.file, diagnostic)}\n`);
  if (results.length === 0) {
    process.stderr.write(`normscope view: nothing to show: no recorded step could be read from ${args.files.join(', ')}\n`);
    return 1;
  }
  if (args.json) {
    const document: ViewJson = { runs: results.map(viewRunJson), diagnostics };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    process.stdout.write(formatViewSummary(results));
  }
  if (args.out !== null) {
    const names = results.map((r) => r.recorded.name);
    writeFileSync(args.out, renderReportHtml(results, { title: `NormScope: ${names.join(' vs ')} (recorded)`, source: args.files.join(', ') }));
    process.stderr.write(`normscope view: wrote ${args.out}\n`);
  }
  return 0;
}
