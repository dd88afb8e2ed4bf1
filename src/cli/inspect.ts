// `normscope inspect FILE... [--json]`: reads files and folders from disk, runs analyzeFile on each, and
// prints the table or the JSON document. File-system problems become diagnostics; only wrong arguments
// change the exit code.

import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { FileReport } from '../core/ir/model';
import { analyzeFile, DEFAULT_MAX_BYTES, DEFAULT_TIME_BUDGET_MS } from '../core/parse/analyze';
import type { AnalyzeOptions } from '../core/parse/analyze';
import { createPythonParser } from '../core/parse/treeSitter';
import type { PythonParser } from '../core/parse/treeSitter';
import { BoundedAnalyzer } from '../node/boundedAnalyzer';
import { readGrammarBinaries } from '../node/grammars';
import { readImportedFiles } from '../node/importedFiles';
import { formatJson, formatTable } from './inspectFormat';

export const INSPECT_USAGE = `Usage: normscope inspect FILE... [options]

Says where every norm sits in each transformer block of Python model files and Hugging Face
config.json files, without running them. Folders are searched for .py and .json files.

Options:
  --json              print one JSON document {"files": [...]} instead of the table
  --config FILE       use FILE as the config.json for every .py file (default: a config.json beside it)
  --no-config         do not read a config.json beside .py files
  --no-imports        do not read the files a .py file imports from (by default those under the
                      files' folders and the folders given are read, up to 8 per file)
  --max-bytes N       skip files larger than N bytes (default ${DEFAULT_MAX_BYTES})
  --time-budget MS    per-file time budget in milliseconds (default ${DEFAULT_TIME_BUDGET_MS}); parsing stops
                      at it, and a Python file still running at 3× it is stopped
  -h, --help          show this help
`;

interface InspectArgs {
  paths: string[];
  json: boolean;
  config: string | null;
  useSiblingConfig: boolean;
  useImports: boolean;
  maxBytes: number;
  timeBudgetMs: number;
}

/** Parses the arguments, or returns the message that explains what is wrong with them. */
export function parseInspectArgs(args: readonly string[]): InspectArgs | { error: string } | { help: true } {
  const parsed: InspectArgs = { paths: [], json: false, config: null, useSiblingConfig: true, useImports: true, maxBytes: DEFAULT_MAX_BYTES, timeBudgetMs: DEFAULT_TIME_BUDGET_MS };
  let onlyPaths = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const positive = (name: string): number | { error: string } => {
      const value = Number(args[++i]);
      return Number.isFinite(value) && value > 0 ? value : { error: `${name} expects a positive number, got ${args[i] === undefined ? 'nothing' : `'${args[i]}'`}` };
    };
    if (onlyPaths || !arg.startsWith('-') || arg === '-') parsed.paths.push(arg);
    else if (arg === '--') onlyPaths = true;
    else if (arg === '--json') parsed.json = true;
    else if (arg === '-h' || arg === '--help') return { help: true };
    else if (arg === '--no-config') parsed.useSiblingConfig = false;
    else if (arg === '--no-imports') parsed.useImports = false;
    else if (arg === '--config') {
      const file = args[++i];
      if (file === undefined) return { error: '--config expects a file' };
      parsed.config = file;
    } else if (arg === '--max-bytes' || arg === '--time-budget') {
      const value = positive(arg);
      if (typeof value !== 'number') return value;
      if (arg === '--max-bytes') parsed.maxBytes = value;
      else parsed.timeBudgetMs = value;
    } else return { error: `unknown option '${arg}'` };
  }
  if (parsed.paths.length === 0) return { error: 'no FILE given' };
  return parsed;
}

/** Up to this many Python files, the CLI keeps wasm on the baseline compiler (see inspectPaths). */
const LIFTOFF_ONLY_MAX_FILES = 10;

const SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__', 'site-packages', 'dist', 'out']);

/** Expands folders into the .py and .json files below them, in a stable order; null for an empty folder. */
function expand(path: string): string[] | null {
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    return [path]; // analysed as a file, so the missing path becomes a diagnostic
  }
  if (!isFolder) return [path];
  const found: string[] = [];
  // Symbolic links can point back up the tree: each real folder is walked once.
  const visited = new Set<string>();
  const walk = (dir: string): void => {
    let names: string[];
    try {
      const real = realpathSync(dir);
      if (visited.has(real)) return;
      visited.add(real);
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const child = join(dir, name);
      let stats;
      try {
        stats = statSync(child);
      } catch {
        continue;
      }
      if (stats.isDirectory()) {
        if (!name.startsWith('.') && !SKIPPED_FOLDERS.has(name)) walk(child);
      } else if (/\.(py|json)$/i.test(name) && !name.startsWith('.')) found.push(child);
    }
  };
  walk(path);
  return found.length > 0 ? found : null;
}

type Read = { bytes: Uint8Array; size: number } | { error: string; code: string };

/** Reads at most `limit` bytes: the analyzer refuses larger files by their size, so the rest is never needed. */
function readHead(path: string, limit: number): Read {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stats = fstatSync(fd);
    const bytes = new Uint8Array(Math.min(stats.size, limit));
    let filled = 0;
    while (filled < bytes.length) {
      const n = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return { bytes: bytes.subarray(0, filled), size: stats.size };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { error: 'no such file or folder', code: 'not-found' };
    if (code === 'EACCES' || code === 'EPERM') return { error: 'permission denied', code: 'unreadable' };
    return { error: error instanceof Error ? error.message : String(error), code: 'unreadable' };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Analyses every path; the parser is created on the first .py file, so JSON-only runs skip the wasm load. */
export async function inspectPaths(paths: readonly string[], args: Omit<InspectArgs, 'paths' | 'json'>): Promise<FileReport[]> {
  let parser: PythonParser | undefined;
  // Python runs in a worker that is stopped at the hard time limit; without the built worker (a test
  // bundle), in this thread under analyzeFile's own budget.
  const workerFile = join(__dirname, 'analyze.worker.js');
  const bounded = existsSync(workerFile) ? new BoundedAnalyzer(workerFile) : undefined;
  const reports: FileReport[] = [];
  const explicitConfig = args.config === null ? null : readHead(args.config, args.maxBytes + 1);
  // Each argument in order: its files, or the report that its folder holds none.
  const entries = paths.flatMap((path): (string | FileReport)[] => expand(path) ?? [{
    file: path, language: 'unknown', blocks: [],
    diagnostics: [{ severity: 'warning', line: 0, code: 'empty-folder', message: 'no .py or .json files in this folder (hidden folders, node_modules and __pycache__ are skipped)' }],
  }]);
  const files = entries.filter((entry): entry is string => typeof entry === 'string');
  // A file argument allows its own folder; a folder argument, itself.
  const importRoots = paths.map((path) => (expand(path)?.[0] === path ? dirname(path) : path));
  // A one-shot run over a few files is faster on V8's baseline wasm compiler alone: optimising
  // tree-sitter's large lexer costs more than the few parses it speeds up (bench:inspect shows both).
  const liftoffOnly = files.filter((file) => /\.pyi?$/i.test(file)).length <= LIFTOFF_ONLY_MAX_FILES;
  if (liftoffOnly) setFlagsFromString('--liftoff-only');
  for (const file of entries) {
    if (typeof file !== 'string') {
      reports.push(file);
      continue;
    }
    const read = readHead(file, args.maxBytes + 1);
    if ('error' in read) {
      reports.push({ file, language: 'unknown', blocks: [], diagnostics: [{ severity: 'error', line: 0, code: read.code, message: `cannot read ${file}: ${read.error}` }] });
      continue;
    }
    const options: AnalyzeOptions = { maxBytes: args.maxBytes, totalBytes: read.size, timeBudgetMs: args.timeBudgetMs };
    const isPython = /\.pyi?$/i.test(file);
    if (isPython && explicitConfig && args.config !== null) {
      if ('bytes' in explicitConfig) options.siblingConfig = { file: args.config, bytes: explicitConfig.bytes };
    } else if (isPython && args.useSiblingConfig && basename(file) !== 'config.json') {
      const siblingPath = join(dirname(file), 'config.json');
      const sibling = readHead(siblingPath, args.maxBytes + 1);
      if ('bytes' in sibling) options.siblingConfig = { file: siblingPath, bytes: sibling.bytes };
    }
    // Imports among the files and folders given (`from .layers import RMSNorm`), read one level deep.
    if (isPython && args.useImports) {
      const imported = readImportedFiles(file, new TextDecoder().decode(read.bytes), importRoots);
      if (imported.length > 0) options.importedFiles = imported;
    }
    if (isPython && bounded) {
      reports.push(await bounded.analyze(file, read.bytes, options));
      continue;
    }
    if (isPython || !/\.json$/i.test(file)) parser ??= await createPythonParser(readGrammarBinaries());
    // analyzeFile reads a .json file without the Python parser, so a JSON-only run never loads the wasm.
    reports.push(analyzeFile(file, read.bytes, parser as PythonParser, options));
  }
  await bounded?.close();
  // The flag is process-wide: left on, every wasm module compiled after the analysis (the probe's
  // kernels in `normscope probe FILE`) ran on the baseline compiler, 2.5-4x slower. Clearing it must
  // also restore the two tiering flags it turned off (V8 applies implications when a flag is set).
  if (liftoffOnly) for (const flag of ['--no-liftoff-only', '--wasm-tier-up', '--wasm-dynamic-tiering']) setFlagsFromString(flag);
  if (explicitConfig && 'error' in explicitConfig) {
    reports.push({ file: args.config!, language: 'json', blocks: [], diagnostics: [{ severity: 'error', line: 0, code: explicitConfig.code, message: `cannot read the --config file: ${explicitConfig.error}` }] });
  }
  return reports;
}

export async function runInspect(argv: string[]): Promise<number> {
  const parsed = parseInspectArgs(argv);
  if ('help' in parsed) {
    process.stdout.write(INSPECT_USAGE);
    return 0;
  }
  if ('error' in parsed) {
    process.stderr.write(`normscope inspect: ${parsed.error}\n\n${INSPECT_USAGE}`);
    return 2;
  }
  const reports = await inspectPaths(parsed.paths, parsed);
  process.stdout.write(parsed.json ? formatJson(reports) : formatTable(reports));
  return 0;
}
