// The views' look: CSS that themes every chart from VS Code's `--vscode-*` variables (with fallbacks
// for the standalone report), the categorical run colours, and the sequential ramp of the heatmaps.

import { interpolateViridis } from 'd3-scale-chromatic';

/** Run colours, in order: VS Code's chart palette, which every theme (high contrast too) defines. */
export const RUN_COLORS: readonly string[] = [
  'var(--vscode-charts-blue, #1a85ff)',
  'var(--vscode-charts-orange, #d18616)',
  'var(--vscode-charts-green, #388a34)',
  'var(--vscode-charts-purple, #8a3fbf)',
  'var(--vscode-charts-red, #e51400)',
  'var(--vscode-charts-yellow, #bf8803)',
];

/**
 * The class that colours run `index`'s lines and bands. Colours travel as classes, not style
 * attributes, because the panel's Content-Security-Policy (no 'unsafe-inline' styles) blocks those.
 */
export function runColor(index: number): string {
  return `ns-c${index % RUN_COLORS.length}`;
}

/** The class of lines drawn in the foreground colour (a shared optimum). */
export const FOREGROUND_COLOR = 'ns-cfg';

/** Cells whose value is NaN or infinite: the error colour, so divergence reads as a warning. */
export const NON_FINITE_COLOR = 'var(--vscode-editorError-foreground, #e51400)';

/**
 * The sequential ramp, quantised into `levels` colours. Viridis stays readable on light and dark
 * backgrounds and in greyscale; quantising lets a heatmap draw one path per colour instead of one
 * element per cell.
 */
export function rampColors(levels: number): string[] {
  return Array.from({ length: levels }, (_, i) => interpolateViridis((i + 0.5) / levels));
}

/**
 * Styles for every view. Text and axes use currentColor (d3-axis draws with it), so the foreground of
 * the theme decides them; no view hard-codes a light or dark colour outside the fallbacks.
 */
export const VIEW_CSS = `
.ns-view { color: var(--vscode-foreground, #333); font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: 11px; }
.ns-view text { fill: currentColor; }
.ns-title { font-size: 12px; font-weight: 600; }
.ns-muted { opacity: 0.75; }
.ns-axis path, .ns-axis line { stroke: currentColor; opacity: 0.6; }
.ns-grid line { stroke: currentColor; opacity: 0.12; }
.ns-nonfinite { fill: ${NON_FINITE_COLOR}; }
.ns-node rect { fill: var(--vscode-editor-background, #fff); stroke: currentColor; stroke-width: 1; }
.ns-node.ns-norm rect { fill: var(--vscode-charts-blue, #1a85ff); fill-opacity: 0.22; stroke: var(--vscode-charts-blue, #1a85ff); stroke-width: 1.5; }
.ns-node.ns-final-norm rect { fill: var(--vscode-charts-blue, #1a85ff); fill-opacity: 0.35; stroke: var(--vscode-charts-blue, #1a85ff); stroke-width: 2; }
.ns-node.ns-sublayer rect { fill: var(--vscode-charts-orange, #d18616); fill-opacity: 0.18; stroke: var(--vscode-charts-orange, #d18616); }
.ns-node.ns-scale rect { fill: var(--vscode-charts-purple, #8a3fbf); fill-opacity: 0.18; stroke: var(--vscode-charts-purple, #8a3fbf); stroke-dasharray: 3 2; }
.ns-node.ns-mix rect { fill: var(--vscode-charts-green, #388a34); fill-opacity: 0.2; stroke: var(--vscode-charts-green, #388a34); stroke-width: 1.5; }
.ns-node.ns-earlier rect { fill: none; stroke: currentColor; stroke-dasharray: 2 2; opacity: 0.85; }
.ns-edge.ns-depth { stroke: var(--vscode-charts-green, #388a34); stroke-width: 1.2; opacity: 0.9; }
.ns-edge.ns-lane { stroke: var(--vscode-charts-purple, #8a3fbf); stroke-width: 2; opacity: 0.9; }
.ns-arrowhead { fill: var(--vscode-charts-green, #388a34); }
.ns-node.ns-add circle { fill: var(--vscode-editor-background, #fff); stroke: currentColor; stroke-width: 1.5; }
.ns-node.ns-input circle, .ns-node.ns-output circle { fill: currentColor; }
.ns-node[data-line] { cursor: pointer; }
.ns-node[data-line]:hover rect, .ns-node[data-line]:focus rect { stroke-width: 2.5; }
.ns-node:focus { outline: none; }
.ns-edge { fill: none; stroke: currentColor; stroke-width: 1.2; opacity: 0.8; }
.ns-edge.ns-skip { stroke: var(--vscode-charts-green, #388a34); stroke-width: 2; opacity: 1; }
.ns-edge.ns-stream { stroke-width: 2; }
.ns-group-title { font-weight: 600; opacity: 0.85; }
.ns-group-box { fill: none; stroke: currentColor; opacity: 0.25; stroke-dasharray: 4 3; }
.ns-line { fill: none; stroke-width: 1.8; }
.ns-optimal { fill: none; stroke-width: 1.2; stroke-dasharray: 5 4; }
.ns-band { opacity: 0.18; }
.ns-predicted { fill: none; stroke-width: 1.2; stroke-dasharray: 2 3; }
.ns-diverged { stroke: ${NON_FINITE_COLOR}; stroke-width: 1.2; stroke-dasharray: 3 2; }
.ns-legend-swatch { stroke: none; }
.ns-point { fill: var(--ns-color, currentColor); stroke: var(--vscode-editor-background, #fff); stroke-width: 1; }
.ns-point-hollow { fill: var(--vscode-editor-background, #fff); stroke: var(--ns-color, currentColor); stroke-width: 1.5; }
.ns-point-stalled { fill: none; stroke: var(--ns-color, currentColor); stroke-width: 1.5; stroke-dasharray: 1.5 1.5; opacity: 0.55; }
.ns-cstalled { --ns-color: var(--vscode-disabledForeground, #8a8a8a); }
.ns-stalled-cell { opacity: 0.5; }
.ns-cells image, .ns-legend image { image-rendering: pixelated; }
${RUN_COLORS.map((color, i) => `.ns-c${i} { --ns-color: ${color}; }`).join('\n')}
.ns-cfg { --ns-color: currentColor; }
.ns-line, .ns-optimal, .ns-predicted { stroke: var(--ns-color, currentColor); }
.ns-band { fill: var(--ns-color, currentColor); }
`;

/** Page layout of a comparison: columns per run, charts below; shared by the panel and the report. */
export const LAYOUT_CSS = `
.ns-compare { display: grid; column-gap: 20px; row-gap: 4px; align-items: start; }
.ns-cell { min-width: 0; }
/* Every view has a viewBox: in a narrow panel it scales down to its column instead of being clipped. */
.ns-cell svg.ns-view, .ns-shared svg.ns-view { max-width: 100%; height: auto; }
.ns-cell h2 { font-size: 14px; margin: 0 0 6px; }
.ns-badge { display: inline-block; min-width: 18px; padding: 1px 6px; border-radius: 11px; box-sizing: border-box; text-align: center; font-size: 11px; line-height: 16px; background: var(--vscode-badge-background, #4d4d4d); color: var(--vscode-badge-foreground, #ffffff); }
.ns-run-notes { margin: 0 0 6px; padding-left: 18px; font-size: 12px; }
.ns-warning { color: var(--vscode-editorError-foreground, #e51400); font-weight: 600; }
.ns-diagram-notes { margin: 2px 0 8px; padding-left: 18px; font-size: 12px; max-width: 420px; }
.ns-shared { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 12px; }
.ns-theory-notes { max-width: 900px; font-size: 12px; }
.ns-theory-notes h3 { font-size: 13px; margin: 10px 0 4px; }
.ns-theory-notes ul { margin: 0; padding-left: 18px; }
.ns-config { border-collapse: collapse; font-size: 12px; margin-top: 6px; }
.ns-config caption { white-space: nowrap; text-align: left; font-weight: 600; padding-bottom: 2px; }
.ns-config th { text-align: left; font-weight: normal; opacity: 0.75; padding: 1px 10px 1px 0; }
.ns-sweep-table th, .ns-sweep-table td { padding-right: 14px; }
.ns-config td { font-family: var(--vscode-editor-font-family, ui-monospace, monospace); }
`;
