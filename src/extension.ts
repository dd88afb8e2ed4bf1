// NormScope's VS Code entry: wires the analysis cache, commands, hover, CodeLens, diagnostics and the
// panel serializer. Activation only registers; the tree-sitter wasm loads on the first analysis.

import * as vscode from 'vscode';
import { createPythonParser } from './core/parse/treeSitter';
import { readGrammarBinaries } from './node/grammars';
import { runHostProbe } from './node/cpuProbe';
import { AnalysisCache, coreAnalyzer } from './host/analysisCache';
import { readSiblingConfig } from './host/siblingConfig';
import { readImportedFiles } from './node/importedFiles';
import { registerCommands } from './host/commands';
import { Controller } from './host/controller';
import { PANEL_VIEW_TYPE } from './host/panel';
import { NormScopeCodeLens, NormScopeDiagnostics, NormScopeHover, SELECTOR } from './host/providers';
import { TrainingRuns } from './host/trainingRuns';

export function activate(context: vscode.ExtensionContext): { activationMs: number } {
  const started = performance.now();
  const distFolder = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
  const cache = new AnalysisCache(() => createPythonParser(readGrammarBinaries(distFolder)), coreAnalyzer(readSiblingConfig,
    (file, source) => readImportedFiles(file, source, (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath))));
  // backend = cpu runs in the extension host on the wasm-SIMD backend, through the same runner as the
  // command line (src/node/probeRuns.ts), yielding between recorded steps.
  const controller = new Controller(context.extensionUri, cache, runHostProbe);
  const codeLens = new NormScopeCodeLens(controller);
  const diagnostics = new NormScopeDiagnostics(controller);
  // Recorded trainings: the Open Training Run command and the watcher on *.normscope.jsonl files.
  const trainingRuns = new TrainingRuns(controller);

  // Typing changes the version on every keystroke: analyse once the user pauses, not per key.
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  const refreshDocument = (document: vscode.TextDocument, delayMs = 0) => {
    const key = document.uri.toString();
    clearTimeout(pending.get(key));
    pending.set(key, setTimeout(() => {
      pending.delete(key);
      void diagnostics.update(document);
    }, delayMs));
  };
  context.subscriptions.push(
    controller,
    codeLens,
    diagnostics,
    trainingRuns,
    ...registerCommands(controller, trainingRuns),
    vscode.languages.registerHoverProvider(SELECTOR, new NormScopeHover(controller)),
    vscode.languages.registerCodeLensProvider(SELECTOR, codeLens),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => controller.revivePanel(panel, state),
    }),
    vscode.workspace.onDidOpenTextDocument((document) => refreshDocument(document)),
    vscode.workspace.onDidChangeTextDocument((event) => refreshDocument(event.document, 400)),
    vscode.workspace.onDidSaveTextDocument((document) => {
      if (!/(^|[\\/])config\.json$/.test(document.fileName)) return;
      cache.clear();
      codeLens.refresh();
      for (const open of vscode.workspace.textDocuments) refreshDocument(open);
    }),
    vscode.workspace.onDidCloseTextDocument((document) => {
      cache.forget(document);
      codeLens.forget(document);
      diagnostics.collection.delete(document.uri);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('normscope')) return;
      codeLens.refresh();
      for (const document of vscode.workspace.textDocuments) refreshDocument(document);
    }),
    // Measured numbers change hovers and CodeLens; lenses re-ask when runs land.
    { dispose: controller.store.onDidChange(() => codeLens.refresh()).dispose },
    { dispose: () => { for (const timer of pending.values()) clearTimeout(timer); } },
  );
  // Diagnostics for already-open files are computed after activation returns, off the critical path.
  setTimeout(() => { for (const document of vscode.workspace.textDocuments) refreshDocument(document); }, 0);
  return { activationMs: performance.now() - started };
}

/** Everything is in context.subscriptions; VS Code disposes it. */
export function deactivate(): void {}
