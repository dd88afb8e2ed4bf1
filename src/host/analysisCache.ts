// Analyses open documents once per version: the tree-sitter runtime and grammar load lazily on the first
// Python file (never at activation), and reports are cached by URI + document version. No vscode import,
// so the benchmark and tests drive it with plain objects.

import type { FileReport } from '../core/ir/model';
import { analyzeFile } from '../core/parse/analyze';
import type { PythonParser } from '../core/parse/treeSitter';
import { TreeStore } from '../core/parse/treeStore';

/** The slice of vscode.TextDocument the cache reads. */
export interface AnalysedDocument {
  readonly uri: { toString(): string };
  readonly version: number;
  readonly languageId: string;
  readonly fileName: string;
  getText(): string;
}

export function isAnalysable(document: Pick<AnalysedDocument, 'languageId'>): boolean {
  return document.languageId === 'python' || document.languageId === 'json';
}

/** A config.json beside a Python file, read by the host; it resolves what the code leaves to a config. */
export type SiblingReader = (file: string) => { file: string; bytes: Uint8Array } | undefined;

/**
 * Analyses one source from the editor's text (which may be unsaved), never throwing. `trees` keeps each
 * document's last copied syntax tree, so the next version re-parses only what the edit touched.
 */
export type Analyzer = (file: string, languageId: string, source: string, parser: () => Promise<PythonParser>, trees?: TreeStore) => Promise<FileReport>;

/** The name analyzeFile sees: untitled documents have no extension, so they are named by language for the dispatch. */
export function analysisName(file: string, languageId: string): string {
  return languageId === 'python' && !/\.pyi?$/i.test(file) ? `${file}.py` : languageId === 'json' && !/\.json$/i.test(file) ? `${file}.json` : file;
}

/** The core's one entry, analyzeFile, on the document's text; the editor's language id decides the extension. */
/** The files a Python file imports from, read by the host (inside the workspace): `[]` for none. */
export type ImportReader = (file: string, source: string) => Array<{ file: string; bytes: Uint8Array }>;

export function coreAnalyzer(readSibling: SiblingReader = () => undefined, readImports: ImportReader = () => []): Analyzer {
  const encoder = new TextEncoder();
  return async (file, languageId, source, parser, trees) => {
    const name = analysisName(file, languageId);
    const siblingConfig = languageId === 'python' ? readSibling(file) : undefined;
    const importedFiles = languageId === 'python' ? readImports(file, source) : [];
    const report = analyzeFile(name, encoder.encode(source), await parser(), { trees, ...(siblingConfig ? { siblingConfig } : {}), ...(importedFiles.length > 0 ? { importedFiles } : {}) });
    return { ...report, file };
  };
}

export class AnalysisCache {
  private readonly entries = new Map<string, { version: number; report: Promise<FileReport> }>();
  private parser: Promise<PythonParser> | undefined;
  /** The last copied syntax tree of the most recently analysed documents, for re-parsing only what an edit touched. */
  private readonly trees = new TreeStore(8);

  constructor(
    private readonly loadParser: () => Promise<PythonParser>,
    private readonly analyzer: Analyzer = coreAnalyzer(),
    private readonly capacity = 64,
  ) {}

  /** The report for this version of the document, analysing it only if the version changed. */
  analyze(document: AnalysedDocument): Promise<FileReport> {
    const key = document.uri.toString();
    const cached = this.entries.get(key);
    if (cached && cached.version === document.version) {
      // Re-insert so the Map's order is least-recently-used first.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.report;
    }
    const report = this.analyzer(document.fileName, document.languageId, document.getText(), () => this.ensureParser(), this.trees)
      .catch((error: unknown): FileReport => ({
        file: document.fileName,
        language: 'unknown',
        blocks: [],
        diagnostics: [{ severity: 'error', line: 0, code: 'analyzer-failed', message: `NormScope could not analyse this file: ${error instanceof Error ? error.message : String(error)}` }],
      }));
    this.entries.set(key, { version: document.version, report });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return report;
  }

  /** The last report of exactly this version, without analysing; for callers that must not wait. */
  peek(document: Pick<AnalysedDocument, 'uri' | 'version'>): Promise<FileReport> | undefined {
    const cached = this.entries.get(document.uri.toString());
    return cached && cached.version === document.version ? cached.report : undefined;
  }

  /** Drops a closed document's report and its kept tree. */
  forget(document: Pick<AnalysedDocument, 'uri' | 'fileName' | 'languageId'>): void {
    this.entries.delete(document.uri.toString());
    this.trees.forget(analysisName(document.fileName, document.languageId));
  }

  /** Documents whose syntax tree is kept for an incremental re-parse (tests and benchmarks read it). */
  get keptTrees(): number {
    return this.trees.size;
  }

  /** Drops every report: a saved config.json can change how the Python files beside it read. */
  clear(): void {
    this.entries.clear();
  }

  get parserLoaded(): boolean {
    return this.parser !== undefined;
  }

  private ensureParser(): Promise<PythonParser> {
    this.parser ??= this.loadParser();
    return this.parser;
  }
}
