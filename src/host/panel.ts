// The NormScope webview panel as the host sees it: one panel beside the editor, a message queue held
// until the webview posts `ready`, inbound messages checked with the protocol guards, and a serializer
// so the panel comes back after VS Code restarts.

import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import {
  isPanelState, isWebviewToHost,
  type HostToWebview, type PanelModel, type PanelState, type RunView, type WebviewToHost,
} from '../protocol/messages';
import type { SweepResult } from '../core/probe/sweep';
import { makeNonce, webviewHtml } from './webviewHtml';
import { panelRunView } from './runFollower';
import { runExtensions } from '../protocol/runPatch';

export const PANEL_VIEW_TYPE = 'normscope.panel';

export class NormScopePanel implements vscode.Disposable {
  private static current: NormScopePanel | undefined;
  private readonly queue: HostToWebview[] = [];
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly messageListeners = new Set<(message: WebviewToHost) => void>();
  /** What the panel shows (a grown run is sent as its new columns: extendRun), re-sent whole after a reload. */
  private state: PanelState = { model: null, runs: [] };
  /** The step numbers of each recorded run as last sent, copied (runPatch.columnsKept says why). */
  private sentSteps = new Map<string, number[]>();

  static get active(): NormScopePanel | undefined {
    return NormScopePanel.current;
  }

  /** Shows the panel beside the editor, creating it on first use. */
  static show(extensionUri: vscode.Uri, onMessage: (message: WebviewToHost) => void): NormScopePanel {
    if (NormScopePanel.current) {
      NormScopePanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      return NormScopePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'NormScope', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      // The probe runs inside the webview on the GPU; hiding the tab must not kill a run half-way.
      retainContextWhenHidden: true,
      localResourceRoots: NormScopePanel.resourceRoots(extensionUri),
    });
    return NormScopePanel.adopt(panel, extensionUri, onMessage, null);
  }

  /** Called by the serializer after a restart with whatever the webview saved through setState. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, onMessage: (message: WebviewToHost) => void, saved: unknown): NormScopePanel {
    panel.webview.options = { enableScripts: true, localResourceRoots: NormScopePanel.resourceRoots(extensionUri) };
    return NormScopePanel.adopt(panel, extensionUri, onMessage, isPanelState(saved) ? saved : null);
  }

  private static resourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
    return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
  }

  private static adopt(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, onMessage: (message: WebviewToHost) => void, saved: PanelState | null): NormScopePanel {
    NormScopePanel.current?.dispose();
    const instance = new NormScopePanel(panel, extensionUri);
    instance.messageListeners.add(onMessage);
    NormScopePanel.current = instance;
    if (saved) {
      instance.state = saved;
      instance.post({ type: 'setModel', model: saved.model });
      instance.post({ type: 'setRuns', runs: saved.runs });
    }
    return instance;
  }

  private constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri) {
    const webview = panel.webview;
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css')).toString(),
      nonce: makeNonce((n) => randomBytes(n)),
    });
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  get model(): PanelModel | null {
    return this.state.model;
  }

  get visible(): boolean {
    return this.panel.visible;
  }

  setModel(model: PanelModel | null): void {
    const same = model && this.state.model && model.uri === this.state.model.uri && model.blockIndex === this.state.model.blockIndex
      && JSON.stringify(model.block) === JSON.stringify(this.state.model.block);
    if (same || (model === null && this.state.model === null)) return;
    this.state = { ...this.state, model };
    this.post({ type: 'setModel', model });
  }

  setRuns(all: RunView[]): void {
    // A long recorded training is sent thinned to what the heatmaps can show; the store keeps every step.
    const runs = all.map(panelRunView);
    // A recorded run that only grew goes as its new columns (a few KB, not megabytes per update), once the
    // webview has the rest; before `ready` (or after a reload) it is sent whole.
    const extensions = this.ready ? runExtensions(this.state.runs, runs, (runId) => this.sentSteps.get(runId)) : null;
    this.state = { ...this.state, runs };
    this.sentSteps = new Map(runs.filter((run) => run.snapshot?.result.recorded).map((run) => [run.runId, [...run.snapshot!.result.metrics.steps]]));
    if (extensions) for (const { runId, from, snapshot } of extensions) this.post({ type: 'extendRun', runId, from, snapshot });
    else this.post({ type: 'setRuns', runs });
  }

  /** Shows a depth sweep's charts (kept for re-sending after a reload, as the runs are). */
  setSweep(sweep: SweepResult | null): void {
    this.state = { ...this.state, sweep };
    this.post({ type: 'setSweep', sweep });
  }

  post(message: HostToWebview): void {
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private receive(raw: unknown): void {
    if (!isWebviewToHost(raw)) {
      console.warn('NormScope: ignored a malformed message from the panel', raw);
      return;
    }
    if (raw.type === 'ready') {
      // A reload (or a restored panel) starts empty: re-send everything it shows, then what was queued.
      this.ready = true;
      const pending = this.queue.splice(0);
      const hasModel = pending.some((m) => m.type === 'setModel');
      const hasRuns = pending.some((m) => m.type === 'setRuns');
      if (!hasModel) void this.panel.webview.postMessage({ type: 'setModel', model: this.state.model } satisfies HostToWebview);
      if (!hasRuns) void this.panel.webview.postMessage({ type: 'setRuns', runs: this.state.runs } satisfies HostToWebview);
      if (this.state.sweep && !pending.some((m) => m.type === 'setSweep')) void this.panel.webview.postMessage({ type: 'setSweep', sweep: this.state.sweep } satisfies HostToWebview);
      for (const message of pending) void this.panel.webview.postMessage(message);
    }
    for (const listener of this.messageListeners) listener(raw);
  }

  /** Keeps the host's copy of the shown runs current as snapshots arrive (for re-sending after a reload). */
  recordRun(run: RunView): void {
    const runs = this.state.runs.map((r) => (r.runId === run.runId ? run : r));
    this.state = { ...this.state, runs };
  }

  dispose(): void {
    if (NormScopePanel.current === this) NormScopePanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
