// The self-contained HTML report of probe runs (issue 3): reads the bundled report script from disk and
// inlines it with the data, so the one file works offline. Node only; the page itself is built in page.ts.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../core/probe/types';
import { buildReportPage } from './page';
import type { ReportOptions } from './page';

/**
 * Where dist/report.js lies: beside the running bundle (dist/cli.js, dist/extension.js), or under the
 * working directory (tests, running from the repository).
 */
export function findReportScript(): string {
  const candidates = [join(__dirname, 'report.js'), join(__dirname, '..', 'dist', 'report.js'), join(process.cwd(), 'dist', 'report.js')];
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(`NormScope's report script was not found (looked in ${candidates.join(', ')}); run \`npm run build\` to create dist/report.js.`);
  }
  return found;
}

/** One HTML file holding every run: one column per compared placement, charts drawn by the inlined script. */
export function renderReportHtml(runs: RunResult[], options: ReportOptions & { scriptPath?: string }): string {
  const script = readFileSync(options.scriptPath ?? findReportScript(), 'utf8');
  return buildReportPage(runs, options, script);
}
