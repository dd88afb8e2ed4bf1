// Holds the extension's live state (analysis cache, probe runs, the panel) and the operations the
// commands and providers share: find the model under the cursor, open the panel, run probes.

import * as vscode from 'vscode';
import type { FileReport } from '../core/ir/model';
import type { ProbePlacement, ProbeSnapshot } from '../core/probe/types';
import type { PanelModel, RunView, WebviewToHost } from '../protocol/messages';
import { AnalysisCache, isAnalysable } from './analysisCache';
import { blockIndexAt } from './modelAt';
import { NormScopePanel } from './panel';
import { effectivePlacement } from './placementText';
import { probeConfigFor } from './probeConfig';
import { ProbeSessions, type HostProbeRunner } from './probeSessions';
import { corePosition, positionToCore } from './ranges';
import { RunStore, runKey } from './runStore';
import { probeSettings } from './settings';

/** A block of a document, as commands receive it from CodeLens arguments or find it under the cursor. */
export interface ModelRef {
  uri: vscode.Uri;
  blockIndex: number;
}

export class Controller implements vscode.Disposable {
  readonly store = new RunStore();
  readonly sessions: ProbeSessions;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extensionUri: vscode.Uri, readonly cache: AnalysisCache, hostRunner: HostProbeRunner | null) {
    this.sessions = new ProbeSessions(this.store, () => NormScopePanel.active, hostRunner);
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => void this.followActiveModel()),
      vscode.window.onDidChangeTextEditorSelection(debounce(() => void this.followActiveModel(), 250)),
    );
  }

  /** The report of the active editor's document, if it is Python or JSON. */
  async activeReport(): Promise<{ editor: vscode.TextEditor; report: FileReport } | null> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !isAnalysable(editor.document)) return null;
    return { editor, report: await this.cache.analyze(editor.document) };
  }

  /** The model a command acts on: its CodeLens argument, or the block under the active cursor. */
  async resolveModel(ref?: ModelRef): Promise<PanelModel | null> {
    if (ref && ref.uri instanceof vscode.Uri) {
      const document = await vscode.workspace.openTextDocument(ref.uri);
      const report = await this.cache.analyze(document);
      const block = report.blocks[ref.blockIndex];
      return block ? { uri: ref.uri.toString(), fileName: document.fileName, blockIndex: ref.blockIndex, block } : null;
    }
    const active = await this.activeReport();
    if (!active) return null;
    const { line, column } = positionToCore(active.editor.selection.active);
    const index = blockIndexAt(active.report, line, column);
    if (index === null) return null;
    return { uri: active.editor.document.uri.toString(), fileName: active.editor.document.fileName, blockIndex: index, block: active.report.blocks[index] };
  }

  showPanel(model: PanelModel | null): NormScopePanel {
    const panel = NormScopePanel.show(this.extensionUri, (message) => this.onPanelMessage(message));
    if (model) {
      panel.setModel(model);
      panel.setRuns(this.store.get(runKey(model.uri, model.blockIndex)));
    }
    return panel;
  }

  revivePanel(webviewPanel: vscode.WebviewPanel, state: unknown): void {
    const panel = NormScopePanel.revive(webviewPanel, this.extensionUri, (message) => this.onPanelMessage(message), state);
    // Runs restored from the webview's saved state also feed hovers until the user probes again.
    const model = panel.model;
    if (model && this.store.get(runKey(model.uri, model.blockIndex)).length === 0 && typeof state === 'object' && state !== null) {
      const runs = (state as { runs?: RunView[] }).runs ?? [];
      // Recorded runs come back from their files (TrainingRuns), not from the saved copy.
      this.store.set(runKey(model.uri, model.blockIndex), runs.filter((run) => run.snapshot !== null && !run.snapshot.result.recorded));
    }
  }

  /**
   * Probes the model as written, and with `compareWith`, the same model under other placements, in
   * sequence on the same seed. Shows progress and stops on cancellation.
   */
  async probe(model: PanelModel, compareWith: ProbePlacement[] = []): Promise<void> {
    if (this.sessions.running) {
      void vscode.window.showWarningMessage('NormScope: a probe is already running; cancel it first (NormScope: Cancel Running Probe).');
      return;
    }
    const settings = probeSettings();
    const own = effectivePlacement(model.block);
    const placements: (ProbePlacement | undefined)[] = [undefined, ...compareWith.filter((p) => p !== own)];
    if (own === 'conditional' || own === 'unknown') placements.shift();
    const plans = placements.map((placement) => probeConfigFor(model.block, settings, placement));
    const failed = plans.find((plan) => !plan.ok);
    if (failed && !failed.ok) {
      void vscode.window.showErrorMessage(`NormScope: ${failed.reason}`);
      return;
    }
    if (plans.length === 0) {
      void vscode.window.showErrorMessage(`NormScope: nothing to probe for ${model.block.name}; pick placements with “NormScope: Compare Placements”.`);
      return;
    }
    const mode = settings.backend;
    const requests = plans.flatMap((plan) => (plan.ok ? [{ runId: this.sessions.newRunId(), label: plan.label, config: plan.config, mode }] : []));
    const key = runKey(model.uri, model.blockIndex);
    this.store.set(key, requests.map((r) => ({ runId: r.runId, label: r.label, snapshot: null, backendNote: null, error: null })));
    const panel = this.showPanel(model);
    panel.setRuns(this.store.get(key));
    const notes = plans.flatMap((plan) => (plan.ok ? plan.notes : []));
    if (notes.length > 0) void vscode.window.showInformationMessage(`NormScope: ${[...new Set(notes)].join('; ')}`);

    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `NormScope: probing ${model.block.name}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const totalSteps = requests.reduce((sum, r) => sum + r.config.steps, 0);
        let doneSteps = 0;
        for (const request of requests) {
          if (abort.signal.aborted) break;
          let lastStep = 0;
          const report = (snapshot: ProbeSnapshot) => {
            const increment = ((snapshot.step - lastStep) / totalSteps) * 100;
            lastStep = snapshot.step;
            progress.report({ increment, message: `${request.label}: step ${snapshot.step}/${snapshot.totalSteps}` });
          };
          try {
            const last = await this.sessions.run(request, report, abort.signal);
            if (last?.result.diverged) {
              void vscode.window.showWarningMessage(`NormScope: ${request.label} diverged at step ${last.result.diverged.step} (${last.result.diverged.what}).`);
            }
          } catch (error) {
            this.store.update(request.runId, (run) => ({ ...run, error: error instanceof Error ? error.message : String(error) }));
            void vscode.window.showErrorMessage(`NormScope: the ${request.label} probe failed: ${error instanceof Error ? error.message : String(error)}`);
            break;
          }
          doneSteps += request.config.steps;
          progress.report({ increment: 0, message: `${doneSteps}/${totalSteps} steps` });
        }
      },
    );
  }

  private onPanelMessage(message: WebviewToHost): void {
    if (this.sessions.handleMessage(message)) return;
    if (message.type === 'reveal') void this.reveal(message.uri, message.line, message.column);
    if (message.type === 'runCommand') void vscode.commands.executeCommand(`normscope.${message.command === 'probe' ? 'probe' : message.command}`);
  }

  private async reveal(uri: string, line: number, column: number): Promise<void> {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const position = corePosition(line, column);
    const existing = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
    const editor = await vscode.window.showTextDocument(document, { viewColumn: existing?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false });
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** The panel follows the model under the cursor while it is open and no probe is filling it. */
  private async followActiveModel(): Promise<void> {
    const panel = NormScopePanel.active;
    if (!panel || !panel.visible || this.sessions.running) return;
    const model = await this.resolveModel();
    if (!model) return;
    const changed = !panel.model || panel.model.uri !== model.uri || panel.model.blockIndex !== model.blockIndex;
    panel.setModel(model);
    if (changed) panel.setRuns(this.store.get(runKey(model.uri, model.blockIndex)));
  }

  dispose(): void {
    this.sessions.cancel();
    for (const d of this.disposables.splice(0)) d.dispose();
    NormScopePanel.active?.dispose();
  }
}

function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
