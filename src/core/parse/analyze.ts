// The one entry point from a file's bytes to a FileReport: guards against input that is not a model
// file (empty, binary, not UTF-8, too large, too slow), dispatches Python and config.json by extension
// and content, and lets a config.json beside a .py file fill in what the code leaves open. Never throws.

import type { Diagnostic, FileReport } from '../ir/model';
import { decodeSource } from './analyzeBytes';
import { resolveWithConfig } from './analyzeSibling';
import { analyzeHfConfig } from './hfConfig';
import { analyzePython } from './python/analyzePython';
import type { ImportedSource } from './python/importedFiles';
import type { PythonParser } from './treeSitter';
import type { TreeStore } from './treeStore';
import type { ParseOptions, ParseState } from 'web-tree-sitter';

export interface AnalyzeOptions {
  /** Files larger than this are not analysed (default 4 MiB: the largest transformers modelling file is ~200 KB). */
  maxBytes?: number;
  /** The file's real size when `bytes` holds only its head (the CLI reads at most maxBytes + 1). */
  totalBytes?: number;
  /** Wall-clock budget per file in milliseconds (default 5000); the parse stops at it, the analysis is measured against it. */
  timeBudgetMs?: number;
  /** A config.json found beside a .py file: it resolves depth, width, heads and config flags the code leaves open. */
  siblingConfig?: { file: string; bytes: Uint8Array };
  /**
   * Files this Python file imports from (`from .layers import RMSNorm`), read by the caller from the
   * paths importCandidates names (the core reads no files): their classes and functions are used where
   * this file uses them, and each block says which came from where.
   */
  importedFiles?: Array<{ file: string; bytes: Uint8Array }>;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
  /**
   * Where an editor keeps each file's last copied syntax tree (keyed by `file`), so re-analysing an
   * edited file re-parses only the statements around the edit. Without it every analysis parses the
   * whole file, as the CLI does.
   */
  trees?: TreeStore;
}

export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
// Generous: the bound is for pathological files, and this machine class runs a 3,000-line file in ~1 s under load.
export const DEFAULT_TIME_BUDGET_MS = 5000;

type Language = 'python' | 'json' | 'unknown';

function languageOf(file: string, text: string): Language {
  const lower = file.toLowerCase();
  if (lower.endsWith('.py') || lower.endsWith('.pyi')) return 'python';
  if (lower.endsWith('.json')) return 'json';
  // Another extension says what the file is (.ts, .md, .bin): only extension-less names are sniffed.
  if (/\.[a-z0-9]+$/i.test(lower.split('/').pop() ?? '')) return 'unknown';
  const head = text.trimStart();
  if (head.startsWith('{')) return 'json';
  if (/^(?:import|from|class|def|@)\b|^\s*(?:import\s+torch|from\s+torch|import\s+jax|from\s+flax)\b/m.test(text)) return 'python';
  return 'unknown';
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}

function failed(file: string, language: Language, diagnostic: Diagnostic): FileReport {
  return { file, language, blocks: [], diagnostics: [diagnostic] };
}

/**
 * A view of the parser whose parse() gives up at the deadline. analyzePython owns its parse call, so
 * the bound rides on the parser it is handed. (setTimeoutMicros, the parser-wide alternative, is
 * deprecated in web-tree-sitter 0.25 and throws converting its argument to a BigInt.)
 */
function withDeadline(parser: PythonParser, deadline: number, now: () => number): PythonParser {
  const inner = parser.parser;
  const bounded = Object.create(inner) as typeof inner;
  bounded.parse = (input, oldTree, options?: ParseOptions) => {
    // Returning true cancels the parse: the declared type says void, the runtime reads the value.
    const outer = options?.progressCallback as ((state: ParseState) => unknown) | undefined;
    const progressCallback = (state: ParseState): boolean => now() > deadline || outer?.(state) === true;
    return inner.parse(input, oldTree, { ...options, progressCallback });
  };
  return { parser: bounded, language: parser.language };
}

/** Runs the Python analyzer under the time budget: tree-sitter stops parsing at it, the rest is measured. */
function analyzePythonBounded(file: string, text: string, parser: PythonParser, budgetMs: number, now: () => number, trees?: TreeStore, imported: ImportedSource[] = []): FileReport {
  const start = now();
  let report: FileReport;
  try {
    report = analyzePython(file, text, withDeadline(parser, start + budgetMs, now), trees, imported);
  } catch (error) {
    const elapsed = now() - start;
    const detail = error instanceof Error ? error.message : String(error);
    report = failed(file, 'python', elapsed >= budgetMs
      ? { severity: 'error', line: 0, code: 'time-budget', message: `analysis stopped after ${Math.round(elapsed)} ms (budget ${budgetMs} ms): ${detail}` }
      : { severity: 'error', line: 0, code: 'internal-error', message: `NormScope's Python analyzer failed on this file (${detail}); please report it with the file` });
  } finally {
    // A cancelled parse would otherwise resume on the next file's text.
    parser.parser.reset();
  }
  const elapsed = now() - start;
  if (elapsed > budgetMs && !report.diagnostics.some((d) => d.code === 'time-budget')) {
    report.diagnostics.push({ severity: 'warning', line: 0, code: 'time-budget', message: `analysis took ${Math.round(elapsed)} ms, over the ${budgetMs} ms budget per file; parsing stops at the budget, so the report may be partial` });
  }
  return report;
}

/** Analyses one file from its bytes. `parser` is only used for Python. Never throws. */
export function analyzeFile(file: string, bytes: Uint8Array, parser: PythonParser, options: AnalyzeOptions = {}): FileReport {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const totalBytes = options.totalBytes ?? bytes.length;
  const now = options.now ?? (() => Date.now());
  const extensionLanguage = languageOf(file, '');
  try {
    if (totalBytes > maxBytes) {
      return failed(file, extensionLanguage, { severity: 'error', line: 0, code: 'too-large', message: `the file is ${formatBytes(totalBytes)}, over the ${formatBytes(maxBytes)} NormScope reads per file; a model definition is rarely over 200 KiB — is this a weights or data file?` });
    }
    if (totalBytes === 0) {
      return failed(file, extensionLanguage, { severity: 'info', line: 0, code: 'empty-file', message: 'the file is empty: nothing to analyse' });
    }
    const decoded = decodeSource(bytes);
    if (!decoded.ok) return failed(file, extensionLanguage, { severity: 'error', line: decoded.line, code: decoded.code, message: decoded.message });
    const text = decoded.text;
    if (text.trim() === '') {
      return failed(file, extensionLanguage, { severity: 'info', line: 0, code: 'empty-file', message: 'the file holds only white space: nothing to analyse' });
    }
    const language = languageOf(file, text);
    if (language === 'json') {
      const report = analyzeHfConfig(file, text);
      return report;
    }
    if (language === 'unknown') {
      return failed(file, 'unknown', { severity: 'info', line: 0, code: 'unsupported-file', message: 'not a file NormScope reads: expected a Python model file (.py) or a Hugging Face config.json' });
    }
    const imported = (options.importedFiles ?? []).flatMap(({ file: path, bytes: data }): ImportedSource[] => {
      const read = decodeSource(data);
      return read.ok ? [{ file: path, source: read.text }] : [];
    });
    const report = analyzePythonBounded(file, text, parser, options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS, now, options.trees, imported);
    if (!options.siblingConfig) return report;
    const sibling = decodeSource(options.siblingConfig.bytes);
    if (!sibling.ok) {
      report.diagnostics.push({ severity: 'info', line: 0, code: 'sibling-config', message: `${options.siblingConfig.file} beside this file was not used: ${sibling.message}` });
      return report;
    }
    return resolveWithConfig(report, options.siblingConfig.file, sibling.text);
  } catch (error) {
    // The analyzers promise not to throw; this keeps the promise for callers even if one breaks it.
    const detail = error instanceof Error ? error.message : String(error);
    return failed(file, extensionLanguage, { severity: 'error', line: 0, code: 'internal-error', message: `NormScope failed on this file (${detail}); please report it with the file` });
  }
}
