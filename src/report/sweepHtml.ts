// The self-contained HTML report of a depth sweep: the same page and inlined script as the probe report
// (dist/report.js draws a sweep when its data island carries one), so it works offline.

import { readFileSync } from 'node:fs';
import type { SweepResult } from '../core/probe/sweep';
import { encodeReportData } from '../../webview/views/reportData';
import { findReportScript } from './html';
import { escapeHtml, htmlPage } from './page';
import type { ReportOptions } from './page';

/** The whole sweep report as one HTML string, from its parts (no file system: tests pass the script). */
export function buildSweepPage(sweep: SweepResult, options: ReportOptions, script: string): string {
  const generated = options.generated ?? new Date().toISOString();
  const data = encodeReportData({ title: options.title, source: options.source ?? null, generated, runs: [], sweep });
  const runs = sweep.points.length;
  const subtitle = [
    options.source,
    `${sweep.placements.join(', ')} at L = ${sweep.layers.join(', ')}`,
    `${runs} run${runs === 1 ? '' : 's'} of ${sweep.base.steps} steps, ${sweep.concurrency} at once, ${sweep.seconds.toFixed(0)} s`,
    `generated ${generated} by NormScope`,
  ].filter((part): part is string => Boolean(part)).map(escapeHtml).join(' · ');
  return htmlPage(options.title, subtitle, data, script);
}

export function renderSweepHtml(sweep: SweepResult, options: ReportOptions & { scriptPath?: string }): string {
  return buildSweepPage(sweep, options, readFileSync(options.scriptPath ?? findReportScript(), 'utf8'));
}
