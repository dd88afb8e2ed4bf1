// What `normscope inspect` prints: the `--json` document (field names fixed by issue 2) and the aligned
// table with its diagnostics. Pure functions of FileReports, so tests can check them without a process.

import type { BlockIR, Diagnostic, FileReport, FlagIR, SublayerIR } from '../core/ir/model';

export interface JsonSublayer {
  kind: SublayerIR['kind'];
  name: string;
  placement: SublayerIR['placement'];
  line: number;
  norms: string[];
}

export interface JsonBlock {
  name: string;
  line: number;
  endLine: number;
  placement: BlockIR['placement'];
  reason: string;
  sublayers: JsonSublayer[];
  norm: BlockIR['norm'];
  finalNorm: boolean | null;
  layers: number | null;
  dModel: number | null;
  heads: number | null;
  flag: FlagIR | null;
  deepnormAlpha: string | null;
  mixed: BlockIR['mixed'] | null;
  /** A dilution cure's parameters (n streams, N groups, ω, α, the 1/√l scale), when the placement is one. */
  variant: BlockIR['variant'] | null;
  configKeys: BlockIR['configKeys'] | null;
  /** 'low' when a norm was recognised by its name only (the reason says which). */
  confidence: 'low' | null;
  /** Every flag that changes the placement, when more than one does. */
  flags: FlagIR[] | null;
}

export interface JsonDiagnostic {
  severity: Diagnostic['severity'];
  message: string;
  line: number;
  column: number | null;
  code: string | null;
}

export interface JsonFile {
  file: string;
  language: FileReport['language'];
  blocks: JsonBlock[];
  diagnostics: JsonDiagnostic[];
}

export function toJsonFile(report: FileReport): JsonFile {
  return {
    file: report.file,
    language: report.language,
    blocks: report.blocks.map((block) => ({
      name: block.name,
      line: block.line,
      endLine: block.span.endLine,
      placement: block.placement,
      reason: block.reason,
      sublayers: block.sublayers.map((sub) => ({ kind: sub.kind, name: sub.name, placement: sub.placement, line: sub.line, norms: sub.norms })),
      norm: block.norm,
      finalNorm: block.finalNorm,
      layers: block.layers,
      dModel: block.dModel,
      heads: block.heads,
      flag: block.flag,
      deepnormAlpha: block.deepnormAlpha ?? null,
      mixed: block.mixed ?? null,
      variant: block.variant ?? null,
      configKeys: block.configKeys ?? null,
      confidence: block.confidence ?? null,
      flags: block.flags ?? null,
    })),
    diagnostics: report.diagnostics.map((d) => ({ severity: d.severity, message: d.message, line: d.line, column: d.column ?? null, code: d.code ?? null })),
  };
}

/** The `--json` document: one object, `{"files": [...]}`, newline-terminated. */
export function formatJson(reports: readonly FileReport[]): string {
  return `${JSON.stringify({ files: reports.map(toJsonFile) }, null, 2)}\n`;
}

const SHORT_KIND: Record<SublayerIR['kind'], string> = { attention: 'attn', mlp: 'mlp', other: 'other' };

function describeSublayers(block: BlockIR): string {
  if (block.sublayers.length === 0) return '-';
  return block.sublayers.map((sub) => `${sub.kind === 'other' ? sub.name : SHORT_KIND[sub.kind]}:${sub.placement}`).join(' ');
}

function describeFlag(flag: FlagIR | null): string {
  if (!flag) return '-';
  const readings = Object.entries(flag.placements).map(([value, placement]) => `${value}→${placement}`).join(', ');
  // Spell a boolean default the way the file spells its values: True in Python, true in JSON.
  const pythonic = 'True' in flag.placements || 'False' in flag.placements;
  const shown = flag.default === null ? 'none' : typeof flag.default === 'boolean' && pythonic ? (flag.default ? 'True' : 'False') : String(flag.default);
  return `${flag.name} (${readings}; default ${shown})`;
}

const HEADER = ['FILE', 'BLOCK', 'LINE', 'PLACEMENT', 'SUBLAYERS', 'NORM', 'FINAL NORM', 'LAYERS', 'D', 'FLAG'];

function rows(report: FileReport): string[][] {
  if (report.blocks.length === 0) return [[report.file, '-', '-', '-', '-', '-', '-', '-', '-', '-']];
  const orUnknown = (value: number | null): string => (value === null ? '?' : String(value));
  return report.blocks.map((block) => [
    report.file,
    block.name,
    String(block.line),
    (block.placement === 'deepnorm' && block.deepnormAlpha ? `deepnorm α=${block.deepnormAlpha}` : block.placement) + (block.confidence === 'low' ? ' (low confidence)' : ''),
    describeSublayers(block),
    block.norm ?? '?',
    block.finalNorm === null ? '?' : block.finalNorm ? 'yes' : 'no',
    orUnknown(block.layers),
    orUnknown(block.dModel),
    describeFlag(block.flag),
  ]);
}

/** Pads every column but the last to its widest cell, two spaces apart. */
export function alignColumns(table: readonly (readonly string[])[]): string[] {
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => [...row[column]].length)));
  return table.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat(widths[column] - [...cell].length))).join('  ').trimEnd());
}

/** `file:line: severity: message`; line 0 means the whole file. */
export function formatDiagnostic(file: string, diagnostic: Diagnostic): string {
  // The analyzers' messages carry no location; one from elsewhere that starts with `file:line:` loses it, so the line prints once.
  const prefix = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+:)?\\s*`);
  return `${file}:${diagnostic.line}: ${diagnostic.severity}: ${diagnostic.message.replace(prefix, '')}`;
}

/** The readable report: the aligned table, then every diagnostic. */
export function formatTable(reports: readonly FileReport[]): string {
  const lines = alignColumns([HEADER, ...reports.flatMap(rows)]);
  const diagnostics = reports.flatMap((report) => report.diagnostics.map((d) => formatDiagnostic(report.file, d)));
  const count = (severity: Diagnostic['severity']): number => reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === severity).length, 0);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const blocks = reports.reduce((n, r) => n + r.blocks.length, 0);
  const summary = `${plural(reports.length, 'file')}, ${plural(blocks, 'block')}; ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info`;
  return `${lines.join('\n')}\n${diagnostics.length > 0 ? `\n${diagnostics.join('\n')}\n` : ''}\n${summary}\n`;
}
