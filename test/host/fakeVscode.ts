// A small stand-in for the `vscode` module, enough to load dist/extension.js in plain Node, activate it
// and call what it registered (commands, hover and CodeLens providers). Records every registration; the
// interactive pieces (quick picks, input boxes, progress, messages, webview panels) are fakeVscodeUi.ts.

import Module from 'node:module';
import { join } from 'node:path';
import { FakeUi } from './fakeVscodeUi';

export class Position {
  constructor(readonly line: number, readonly character: number) {}
  translate(dl = 0, dc = 0): Position { return new Position(this.line + dl, this.character + dc); }
}
export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c!, d!) : (b as Position);
  }
}
export class Selection extends Range {
  get active(): Position { return this.end; }
}
class Uri {
  constructor(readonly scheme: string, readonly fsPath: string) {}
  static file(path: string): Uri { return new Uri('file', path); }
  static parse(text: string): Uri { return new Uri(text.split(':')[0], text.replace(/^file:\/\//, '')); }
  static joinPath(base: Uri, ...parts: string[]): Uri { return new Uri(base.scheme, join(base.fsPath, ...parts)); }
  toString(): string { return `${this.scheme}://${this.fsPath}`; }
}
class EventEmitter<T> {
  private listeners: ((value: T) => void)[] = [];
  event = (listener: (value: T) => void) => { this.listeners.push(listener); return { dispose: () => undefined }; };
  fire(value: T): void { for (const l of this.listeners) l(value); }
  dispose(): void { this.listeners = []; }
}
class MarkdownString { constructor(readonly value: string) {} }
class Hover { constructor(readonly contents: MarkdownString, readonly range?: Range) {} }
class CodeLens { constructor(readonly range: Range, readonly command?: { title: string; command: string; arguments?: unknown[] }) {} }
class Diagnostic {
  source?: string;
  code?: string;
  constructor(readonly range: Range, readonly message: string, readonly severity: number) {}
}

export interface Registrations {
  commands: Map<string, (...args: unknown[]) => unknown>;
  hovers: { provideHover(document: unknown, position: Position): Promise<Hover | null> }[];
  codeLenses: { provideCodeLenses(document: unknown): Promise<CodeLens[]>; onDidChangeCodeLenses?: (listener: () => void) => unknown }[];
  serializers: string[];
  diagnostics: Map<string, Diagnostic[]>;
  /** File watchers by glob; a test fires their events as the file system would. */
  watchers: FakeWatcher[];
}

export class FakeWatcher {
  readonly create = new EventEmitter<Uri>();
  readonly change = new EventEmitter<Uri>();
  readonly delete = new EventEmitter<Uri>();
  onDidCreate = this.create.event;
  onDidChange = this.change.event;
  onDidDelete = this.delete.event;
  constructor(readonly glob: string) {}
  dispose(): void {}
}

const disposable = { dispose: () => undefined };
const noEvent = () => disposable;

export function createFakeVscode(settings: Record<string, unknown> = {}) {
  const registered: Registrations = { commands: new Map(), hovers: [], codeLenses: [], serializers: [], diagnostics: new Map(), watchers: [] };
  /** Documents openTextDocument hands out, by file path (tests put model files here). */
  const documents = new Map<string, ReturnType<typeof fakeDocument>>();
  const ui = new FakeUi();
  /** Files `workspace.findFiles` reports as already in the workspace (tests put run files here). */
  const existing: string[] = [];
  const api = {
    Position, Range, Selection, Uri, EventEmitter, MarkdownString, Hover, CodeLens, Diagnostic,
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    ViewColumn: { One: 1, Beside: -2 },
    ProgressLocation: { Notification: 15 },
    TextEditorRevealType: { InCenterIfOutsideViewport: 2 },
    commands: {
      registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => { registered.commands.set(id, handler); return disposable; },
      executeCommand: async (id: string, ...args: unknown[]) => registered.commands.get(id)?.(...args),
    },
    languages: {
      registerHoverProvider: (_selector: unknown, provider: Registrations['hovers'][number]) => { registered.hovers.push(provider); return disposable; },
      registerCodeLensProvider: (_selector: unknown, provider: Registrations['codeLenses'][number]) => { registered.codeLenses.push(provider); return disposable; },
      createDiagnosticCollection: () => ({
        set: (uri: Uri, list: Diagnostic[]) => registered.diagnostics.set(uri.toString(), list),
        delete: (uri: Uri) => registered.diagnostics.delete(uri.toString()),
        dispose: () => undefined,
      }),
    },
    window: {
      activeTextEditor: undefined as unknown,
      visibleTextEditors: [] as unknown[],
      onDidChangeActiveTextEditor: noEvent,
      onDidChangeTextEditorSelection: noEvent,
      registerWebviewPanelSerializer: (viewType: string) => { registered.serializers.push(viewType); return disposable; },
      ...ui.window,
      showOpenDialog: async () => undefined,
    },
    workspace: {
      textDocuments: [] as unknown[],
      getConfiguration: (section?: string) => ({
        get: <T>(key: string, fallback: T): T => (settings[section ? `${section}.${key}` : key] as T | undefined) ?? fallback,
      }),
      onDidOpenTextDocument: noEvent,
      onDidChangeTextDocument: noEvent,
      onDidCloseTextDocument: noEvent,
      onDidSaveTextDocument: noEvent,
      onDidChangeConfiguration: noEvent,
      fs: { readFile: async () => { throw new Error('no such file'); } },
      workspaceFolders: undefined as { uri: Uri }[] | undefined,
      asRelativePath: (target: Uri | string) => (typeof target === 'string' ? target : target.fsPath),
      findFiles: async (glob: string, _exclude?: string, max?: number) => {
        const suffix = glob.startsWith('**/*') ? glob.slice(4) : glob;
        return existing.filter((path) => path.endsWith(suffix)).slice(0, max).map((path) => Uri.file(path));
      },
      createFileSystemWatcher: (glob: string) => {
        const watcher = new FakeWatcher(glob);
        registered.watchers.push(watcher);
        return watcher;
      },
      openTextDocument: async (uri: Uri) => {
        const document = documents.get(uri.fsPath);
        if (!document) throw new Error(`no such document: ${uri.fsPath}`);
        return document;
      },
    },
  };
  return { api, registered, documents, ui, existing };
}

/** Makes `require('vscode')` return `api` while `load` runs, and loads `path` fresh. */
export function requireWithFakeVscode<T>(path: string, api: unknown): T {
  const moduleApi = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = moduleApi._load;
  moduleApi._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? api : original(request, ...rest));
  try {
    const resolved = require.resolve(path);
    delete require.cache[resolved];
    return require(resolved) as T;
  } finally {
    moduleApi._load = original;
  }
}

/** A TextDocument the extension can analyse. */
export function fakeDocument(fileName: string, text: string, languageId = 'python', version = 1) {
  const lines = text.split('\n');
  return {
    uri: Uri.file(fileName), fileName, languageId, version,
    lineCount: lines.length,
    getText: () => text,
    lineAt: (line: number) => ({ range: new Range(line, 0, line, lines[line]?.length ?? 0) }),
  };
}
