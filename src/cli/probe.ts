// `normscope probe [FILE] [options]`: reads the placement, norm and depth of FILE's transformer through
// the analyzer (flags override each), runs the probe (and its counterparts with --compare) on the same
// seed and data (concurrently, one worker thread per core), and prints a summary, JSON, or the HTML report.

import { writeFileSync } from 'node:fs';
import { runProbes } from '../node/probeRuns';
import { modelFromReport } from '../core/probe/fromReport';
import { counterparts, probeConfigFor } from '../core/probe/probeConfig';
import type { AnalysedModel } from '../core/probe/probeConfig';
import type { BackendName, ProbeConfig, ProbeResult, ProbeSnapshot } from '../core/probe/types';
import { renderReportHtml } from '../report/html';
import { DEFAULT_MAX_BYTES, DEFAULT_TIME_BUDGET_MS } from '../core/parse/analyze';
import { exportTorch } from './exportTorch';
import { inspectPaths } from './inspect';
import { PROBE_USAGE, parseProbeArgs } from './probeArgs';
import type { ProbeArgs } from './probeArgs';
import { formatProbeJson, formatProbeSummary, progressLine, runJson } from './probeOutput';
import type { ProbeRunJson } from './probeOutput';

type Source = ProbeRunJson['source'];

/** What to probe: the analysed file's model with the flags laid over it. */
async function resolveModel(args: ProbeArgs): Promise<{ model: AnalysedModel; notes: string[]; source: Source } | { error: string }> {
  let model: AnalysedModel | null = null;
  const notes: string[] = [];
  let source: Source = null;
  if (args.file !== null) {
    const [report] = await inspectPaths([args.file], { config: null, useSiblingConfig: true, useImports: true, maxBytes: DEFAULT_MAX_BYTES, timeBudgetMs: DEFAULT_TIME_BUDGET_MS });
    const found = modelFromReport(report);
    if (found.ok) {
      model = found.model;
      notes.push(...found.notes);
      source = { file: args.file, block: found.block.name, line: found.block.line };
    } else if (args.placement === null) {
      return { error: found.reason };
    } else {
      notes.push(`analyzer: ${found.reason.replace(/; pass --placement.*$/, '')}; using the flags`);
    }
  }
  model = { ...(model ?? { placement: args.placement! }) };
  if (args.placement !== null) model.placement = args.placement;
  if (args.layers !== null) model.layers = args.layers;
  if (args.norm !== null) model.norm = args.norm;
  return { model, notes, source };
}

/** Progress of every run on one line: `[#####-----]  42%  pre  step 84/200  loss 2.31 · post …`. */
function drawProgress(latest: (ProbeSnapshot | undefined)[], labels: string[]): void {
  const parts = latest.flatMap((snapshot, index) => (snapshot ? [progressLine(snapshot, labels[index], latest.length > 1 ? 10 : 30)] : []));
  process.stderr.write(`\r${parts.join(' · ')}\u001b[K`);
}

export async function runProbe(argv: string[]): Promise<number> {
  const args = parseProbeArgs(argv);
  if ('help' in args) {
    process.stdout.write(PROBE_USAGE);
    return 0;
  }
  if ('error' in args) {
    process.stderr.write(`normscope probe: ${args.error}\n\n${PROBE_USAGE}`);
    return 2;
  }
  const resolved = await resolveModel(args);
  if ('error' in resolved) {
    process.stderr.write(`normscope probe: ${resolved.error}\n`);
    return 2;
  }
  if (args.exportTorch !== null) {
    const overrides: Partial<ProbeConfig> = { ...args.overrides };
    if (resolved.model.placement === 'none' && (args.rezero || resolved.model.rezero)) overrides.rezero = true;
    return exportTorch(args.exportTorch, resolved.model, overrides, resolved.source?.file ?? null);
  }
  const backendName: BackendName = args.backend === 'gpujs' ? 'gpujs' : 'cpu';
  const abort = new AbortController();
  const onInterrupt = (): void => abort.abort();
  process.once('SIGINT', onInterrupt);
  const placements = [resolved.model.placement, ...(args.compare ? counterparts(resolved.model.placement) : [])];
  const plans = placements.map((placement) => {
    const overrides: Partial<ProbeConfig> = { ...args.overrides, backend: backendName, placement };
    if (placement === 'none' && (args.rezero || resolved.model.rezero)) overrides.rezero = true;
    return probeConfigFor({ ...resolved.model, placement }, overrides);
  });
  const labels = plans.map(({ config }) => `${config.placement}${config.rezero ? ' (ReZero)' : ''}`);
  const showProgress = process.stderr.isTTY === true;
  const latest: (ProbeSnapshot | undefined)[] = plans.map(() => undefined);
  let results: ProbeResult[];
  try {
    // The runs of a --compare train concurrently, one worker thread per core (src/node/probeRuns.ts).
    const outcome = await runProbes(plans.map((plan) => plan.config), {
      request: args.backend,
      signal: abort.signal,
      onSnapshot: (index, snapshot) => {
        latest[index] = snapshot;
        if (showProgress) drawProgress(latest, labels);
      },
    });
    results = outcome.results;
    results.forEach((result, index) => {
      const { clamped } = plans[index];
      result.clamped = [...resolved.notes, ...clamped, ...result.clamped.filter((note) => !clamped.includes(note))];
      if (outcome.note) result.backendNote = outcome.note;
    });
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  if (showProgress) process.stderr.write('\n');
  if (args.json) {
    process.stdout.write(formatProbeJson(results.map((r) => runJson(r, resolved.source)), args.compare));
  } else {
    if (resolved.source) process.stdout.write(`${resolved.source.file}:${resolved.source.line}: ${resolved.source.block}\n\n`);
    process.stdout.write(formatProbeSummary(results));
  }
  if (args.out !== null) {
    const title = resolved.source ? `NormScope probe: ${resolved.source.block} (${resolved.source.file})` : `NormScope probe: ${placements.join(' vs ')}`;
    writeFileSync(args.out, renderReportHtml(results, { title, source: resolved.source?.file }));
    process.stderr.write(`normscope probe: wrote ${args.out}\n`);
  }
  return abort.signal.aborted ? 130 : 0;
}
