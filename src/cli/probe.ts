// `normscope probe [FILE] [options]`: reads the placement, norm and depth of FILE's transformer through
// the analyzer (flags override each), runs the probe (and its counterparts with --compare) on the same
// seed and data, and prints a summary, JSON, or the HTML report.

import { writeFileSync } from 'node:fs';
import type { ProbeBackend } from '../core/probe/backend';
import { createNodeBackend } from '../node/probeBackends';
import { runProbe as runProbeEngine } from '../core/probe/engine';
import { modelFromReport } from '../core/probe/fromReport';
import { counterparts, probeConfigFor } from '../core/probe/probeConfig';
import type { AnalysedModel } from '../core/probe/probeConfig';
import type { BackendName, ProbeConfig, ProbeResult } from '../core/probe/types';
import { renderReportHtml } from '../report/html';
import { DEFAULT_MAX_BYTES, DEFAULT_TIME_BUDGET_MS } from '../core/parse/analyze';
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

async function runOne(config: ProbeConfig, backend: ProbeBackend, signal: { aborted: boolean }, showProgress: boolean): Promise<ProbeResult> {
  const label = `${config.placement}${config.rezero ? ' (ReZero)' : ''}`;
  let result: ProbeResult | null = null;
  for await (const snapshot of runProbeEngine(config, { backend, signal, pause: () => new Promise((resolve) => setImmediate(resolve)) })) {
    result = snapshot.result;
    if (showProgress) process.stderr.write(`\r${progressLine(snapshot, label)}\u001b[K`);
  }
  if (showProgress) process.stderr.write('\n');
  return result!;
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
  const created = createNodeBackend(args.backend);
  const { backend } = created;
  const backendName: BackendName = args.backend === 'gpujs' ? 'gpujs' : 'cpu';
  const signal = { aborted: false };
  const onInterrupt = (): void => { signal.aborted = true; };
  process.once('SIGINT', onInterrupt);
  const placements = [resolved.model.placement, ...(args.compare ? counterparts(resolved.model.placement) : [])];
  const results: ProbeResult[] = [];
  try {
    for (const placement of placements) {
      const overrides: Partial<ProbeConfig> = { ...args.overrides, backend: backendName, placement };
      if (placement === 'none' && (args.rezero || resolved.model.rezero)) overrides.rezero = true;
      const { config, clamped } = probeConfigFor({ ...resolved.model, placement }, overrides);
      const result = await runOne(config, backend, signal, process.stderr.isTTY === true);
      result.clamped = [...resolved.notes, ...clamped, ...result.clamped.filter((note) => !clamped.includes(note))];
      if (created.note) result.backendNote = created.note;
      results.push(result);
      if (signal.aborted) break;
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    backend.dispose();
  }
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
  return signal.aborted ? 130 : 0;
}
