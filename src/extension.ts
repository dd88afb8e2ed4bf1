// NormScope's VS Code entry: wires the analysis cache, commands, hover, CodeLens, diagnostics and the
// panel serializer. Activation only registers; the tree-sitter wasm loads on the first analysis.

import * as vscode from 'vscode';
import { createPythonParser } from './core/parse/treeSitter';
import { readGrammarBinaries } from './node/grammars';
import { runProbe } from './core/probe/engine';
import { AnalysisCache, coreAnalyzer } from './host/analysisCache';
import { readSiblingConfig } from './host/siblingConfig';
import { registerCommands } from './host/commands';
import { Controller } from './host/controller';
import { PANEL_VIEW_TYPE } from './host/panel';
import { NormScopeCodeLens, NormScopeDiagnostics, NormScopeHover, SELECTOR } from './host/providers';

export function activate(context: vscode.ExtensionContext): { activationMs: number } {
  const started = performance.now();
  const distFolder = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
  const cache = new AnalysisCache(() => createPythonParser(readGrammarBinaries(distFolder)), coreAnalyzer(readSiblingConfig));
  // backend = cpu runs the reference engine in the extension host, yielding between recorded steps.
  const controller = new Controller(context.extensionUri, cache, (config, signal) => runProbe(config, { signal }));
  const codeLens = new NormScopeCodeLens(controller);
  const diagnostics = new NormScopeDiagnostics(controller);

  const refreshDocument = (document: vscode.TextDocument) => void diagnostics.update(document);
  context.subscriptions.push(
    controller,
    codeLens,
    diagnostics,
    ...registerCommands(controller),
    vscode.languages.registerHoverProvider(SELECTOR, new NormScopeHover(controller)),
    vscode.languages.registerCodeLensProvider(SELECTOR, codeLens),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => controller.revivePanel(panel, state),
    }),
    vscode.workspace.onDidOpenTextDocument(refreshDocument),
    vscode.workspace.onDidChangeTextDocument((event) => refreshDocument(event.document)),
    vscode.workspace.onDidCloseTextDocument((document) => {
      cache.forget(document.uri);
      diagnostics.collection.delete(document.uri);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('normscope')) return;
      codeLens.refresh();
      for (const document of vscode.workspace.textDocuments) refreshDocument(document);
    }),
    // Measured numbers change hovers and CodeLens; lenses re-ask when runs land.
    { dispose: controller.store.onDidChange(() => codeLens.refresh()).dispose },
  );
  // Diagnostics for already-open files are computed after activation returns, off the critical path.
  setTimeout(() => { for (const document of vscode.workspace.textDocuments) refreshDocument(document); }, 0);
  return { activationMs: performance.now() - started };
}

/** Everything is in context.subscriptions; VS Code disposes it. */
export function deactivate(): void {}
