// `normscope sweep FILE [options]`: reads FILE's placement, norm and width through the analyzer, probes it
// and the compared placements at every depth of --layers on the run pool (one run per core), draws a
// progress line on stderr, stops cleanly on Ctrl-C, and prints the table, JSON, or the HTML sweep report.

import { writeFileSync } from 'node:fs';
import { DEFAULT_MAX_BYTES, DEFAULT_TIME_BUDGET_MS } from '../core/parse/analyze';
import { modelFromReport } from '../core/probe/fromReport';
import { counterparts } from '../core/probe/probeConfig';
import type { AnalysedModel } from '../core/probe/probeConfig';
import type { SweepResult } from '../core/probe/sweep';
import { isProbePlacement } from '../core/probe/types';
import { availableParallelism } from 'node:os';
import { runSweep, sweepConfigs } from '../node/sweepRunner';
import type { SweepRequest } from '../node/sweepRunner';
import { renderSweepHtml } from '../report/sweepHtml';
import { inspectPaths } from './inspect';
import { SWEEP_USAGE, parseSweepArgs } from './sweepArgs';
import type { SweepArgs } from './sweepArgs';
import { formatSweepTable, sweepProgressLine } from './sweepOutput';

type Model = Omit<AnalysedModel, 'placement' | 'layers'>;

/** FILE's placement (even one the probe cannot train: it is then reported as such) and its model numbers. */
async function resolveSweepModel(args: SweepArgs): Promise<{ own: string; model: Model; notes: string[]; source: SweepResult['source'] } | { error: string }> {
  let own: string | null = args.placement;
  let model: Model = {};
  const notes: string[] = [];
  let source: SweepResult['source'] = null;
  if (args.file !== null) {
    const [report] = await inspectPaths([args.file], { config: null, useSiblingConfig: true, useImports: true, maxBytes: DEFAULT_MAX_BYTES, timeBudgetMs: DEFAULT_TIME_BUDGET_MS });
    const found = modelFromReport(report);
    const block = found.ok ? found.block : report.blocks[0];
    if (found.ok) {
      const { placement, layers: _layers, ...rest } = found.model;
      model = rest;
      own ??= placement;
      notes.push(...found.notes);
    } else if (block && block.placement !== 'unknown' && block.placement !== 'conditional') {
      // A placement the probe cannot train yet (a dilution cure): keep its numbers, report the placement.
      model = { norm: block.norm === 'rmsnorm' ? 'rmsnorm' : block.norm === 'layernorm' ? 'layernorm' : null, dModel: block.dModel, heads: block.heads };
      own ??= block.placement;
    } else if (own === null) {
      return { error: found.ok ? 'no placement found' : found.reason };
    }
    if (block) source = { file: args.file, block: block.name, line: block.line, placement: block.placement };
  }
  if (args.norm !== null) model = { ...model, norm: args.norm };
  return { own: own!, model, notes, source };
}

export async function runSweepCommand(argv: string[]): Promise<number> {
  const args = parseSweepArgs(argv);
  if ('help' in args) {
    process.stdout.write(SWEEP_USAGE);
    return 0;
  }
  if ('error' in args) {
    process.stderr.write(`normscope sweep: ${args.error}\n\n${SWEEP_USAGE}`);
    return 2;
  }
  const resolved = await resolveSweepModel(args);
  if ('error' in resolved) {
    process.stderr.write(`normscope sweep: ${resolved.error}\n`);
    return 2;
  }
  const compare = args.compare ?? (isProbePlacement(resolved.own) ? counterparts(resolved.own) : ['pre', 'post']);
  const request: SweepRequest = {
    model: resolved.model,
    placements: [resolved.own, ...compare.filter((p) => p !== resolved.own)],
    layers: args.layers,
    overrides: { ...args.overrides, backend: 'cpu' },
    source: resolved.source,
    notes: resolved.notes,
  };
  const abort = new AbortController();
  const onInterrupt = (): void => {
    process.stderr.write('\nnormscope sweep: stopping (the runs finish their current step)…\n');
    abort.abort();
  };
  process.once('SIGINT', onInterrupt);
  const tty = process.stderr.isTTY === true;
  const planned = sweepConfigs(request).configs.length;
  process.stderr.write(`normscope sweep: ${planned} runs (${request.placements.join(', ')} at L = ${args.layers.join(', ')}), up to ${Math.min(planned, args.jobs ?? availableParallelism())} at once; Ctrl-C stops them\n`);
  let lastLine = 0;
  let sweep: SweepResult;
  try {
    sweep = await runSweep(request, {
      concurrency: args.jobs ?? undefined,
      signal: abort.signal,
      onProgress: (progress) => {
        // A redrawn bar on a terminal; otherwise a line per finished run, so logs stay readable.
        if (tty) process.stderr.write(`\r${sweepProgressLine(progress)}\u001b[K`);
        else if (progress.done > lastLine) {
          lastLine = progress.done;
          process.stderr.write(`${sweepProgressLine(progress)}\n`);
        }
      },
    });
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  if (tty) process.stderr.write('\n');
  if (args.json) process.stdout.write(`${JSON.stringify(sweep, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  else process.stdout.write(formatSweepTable(sweep));
  if (args.out !== null) {
    const title = sweep.source ? `NormScope depth sweep: ${sweep.source.block} (${sweep.source.file})` : `NormScope depth sweep: ${sweep.placements.join(', ')}`;
    writeFileSync(args.out, renderSweepHtml(sweep, { title, source: sweep.source?.file }));
    process.stderr.write(`normscope sweep: wrote ${args.out}\n`);
  }
  return abort.signal.aborted ? 130 : sweep.failed.length > 0 ? 1 : 0;
}
