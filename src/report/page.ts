// Assembles the self-contained report page from its parts (data, script, styles); no file system here,
// so the page can be built and tested from strings alone. src/report/html.ts supplies the script.

import type { RunResult } from '../core/probe/types';
import { encodeReportData } from '../../webview/views/reportData';
import { LAYOUT_CSS, VIEW_CSS } from '../../webview/views/theme';

export interface ReportOptions {
  title: string;
  /** The analysed file the runs were probed from, shown under the title. */
  source?: string;
  /** When the report was made (ISO 8601); defaults to now. Fixed in tests so output is reproducible. */
  generated?: string;
}

/**
 * Outside VS Code there are no --vscode-* variables: the page defines the few the views read, for a
 * light page and (by the reader's preference) a dark one, so the same views theme themselves here too.
 */
export const PAGE_CSS = `
:root { color-scheme: light dark; --vscode-foreground: #1f2328; --vscode-editor-background: #ffffff; --vscode-font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
@media (prefers-color-scheme: dark) { :root { --vscode-foreground: #d4d4d4; --vscode-editor-background: #1e1e1e; } }
body { margin: 0; padding: 16px 20px 32px; background: var(--vscode-editor-background); color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: 13px; }
header h1 { font-size: 18px; margin: 0 0 4px; }
header p { margin: 0 0 14px; opacity: 0.75; }
`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The whole report as one HTML string: inline CSS, the data island, the inlined script. */
export function buildReportPage(runs: RunResult[], options: ReportOptions, script: string): string {
  const generated = options.generated ?? new Date().toISOString();
  const data = encodeReportData({
    title: options.title,
    source: options.source ?? null,
    generated,
    runs,
  });
  const placements = runs.map((r) => (r.recorded ? `${r.recorded.name} (recorded)` : r.config.placement)).join(' vs ');
  const subtitle = [options.source, `${runs.length} run${runs.length === 1 ? '' : 's'}: ${placements}`, `generated ${generated} by NormScope`]
    .filter((part): part is string => Boolean(part)).map(escapeHtml).join(' · ');
  return htmlPage(options.title, subtitle, data, script);
}

/** The page around the views: inline CSS, the header, the data island and the inlined script. */
export function htmlPage(title: string, subtitleHtml: string, data: string, script: string): string {
  // A `</script` inside the bundle would end the element early; the bundle has none, but make sure.
  const safeScript = script.replace(/<\/script/gi, '<\\/script');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}${VIEW_CSS}${LAYOUT_CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${subtitleHtml}</p></header>
<main id="app"><noscript>This report draws its charts with the script inlined in this file; enable JavaScript to see them. The data is in the normscope-data element.</noscript></main>
<script type="application/json" id="normscope-data">${data}</script>
<script>${safeScript}</script>
</body>
</html>
`;
}
