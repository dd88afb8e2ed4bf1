// The panel's front end: keeps the PanelState (model + runs), validates every message from the host,
// persists itself with setState, runs probes it is asked to, and renders toolbar, diagram, run status,
// heatmaps on shared scales and loss curves. DOM only; no vscode import.

import type { ProbeSnapshot } from '../../src/core/probe/types';
import {
  isHostToWebview, isPanelState,
  type HostToWebview, type PanelCommand, type PanelState, type RunView, type StartProbeMessage, type WebviewToHost,
} from '../../src/protocol/messages';
import { decideBackend, probeWebGl2, type BackendDecision } from './backendChoice';
import { fallbackDiagram, fallbackHeatmap } from './fallbackViews';
import { badge, button, divider, progressRing, registerToolkit } from './toolkit';

/** The slice of the webview API (acquireVsCodeApi()) the panel uses. */
export interface WebviewApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

/** Runs one probe inside the webview; null when this build has no in-webview engine. */
export type WebviewProbeRunner = (config: StartProbeMessage['config'], backend: BackendDecision, signal: AbortSignal) => AsyncIterable<ProbeSnapshot>;

export interface PanelOptions {
  runner: WebviewProbeRunner | null;
  /** Where to look for WebGL2; tests pass a fake. */
  probeGl?: (doc: Document) => ReturnType<typeof probeWebGl2>;
}

const TOOLBAR: { command: PanelCommand; label: string; secondary?: boolean }[] = [
  { command: 'probe', label: 'Probe' },
  { command: 'compare', label: 'Compare…' },
  { command: 'cancel', label: 'Cancel', secondary: true },
  { command: 'exportHtml', label: 'Export HTML', secondary: true },
  { command: 'exportJson', label: 'Export JSON', secondary: true },
];

const HEATMAPS: { key: 'residualNorm' | 'contribution' | 'gradNorm'; title: string }[] = [
  { key: 'residualNorm', title: 'Residual norm ‖x_l‖/√d' },
  { key: 'contribution', title: 'Contribution ‖x_l − x_{l−1}‖/‖x_l‖' },
  { key: 'gradNorm', title: 'Gradient norm' },
];

export class PanelApp {
  private state: PanelState = { model: null, runs: [] };
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly api: WebviewApi, private readonly root: HTMLElement, private readonly options: PanelOptions) {}

  start(): void {
    registerToolkit();
    const saved = this.api.getState();
    if (isPanelState(saved)) this.state = saved;
    this.root.ownerDocument.defaultView?.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
    this.render();
    this.api.postMessage({ type: 'ready' });
  }

  /** Every message from the host goes through the protocol guard first. */
  receive(data: unknown): void {
    if (!isHostToWebview(data)) {
      console.warn('NormScope panel: ignored a malformed message', data);
      return;
    }
    this.handle(data);
  }

  get current(): PanelState {
    return this.state;
  }

  private handle(message: HostToWebview): void {
    switch (message.type) {
      case 'setModel':
        this.update({ ...this.state, model: message.model });
        break;
      case 'setRuns':
        this.update({ ...this.state, runs: message.runs });
        break;
      case 'snapshot':
        this.applySnapshot(message.runId, message.snapshot);
        break;
      case 'startProbe':
        void this.runProbe(message);
        break;
      case 'cancelProbe':
        this.running.get(message.runId)?.abort();
        break;
    }
  }

  private update(state: PanelState): void {
    this.state = state;
    this.api.setState(state);
    this.render();
  }

  private patchRun(runId: string, change: (run: RunView) => RunView): void {
    const known = this.state.runs.some((run) => run.runId === runId);
    const runs = known
      ? this.state.runs.map((run) => (run.runId === runId ? change(run) : run))
      : [...this.state.runs, change({ runId, label: runId, snapshot: null, backendNote: null, error: null })];
    this.update({ ...this.state, runs });
  }

  private applySnapshot(runId: string, snapshot: ProbeSnapshot): void {
    this.patchRun(runId, (run) => ({ ...run, snapshot }));
  }

  private async runProbe(message: StartProbeMessage): Promise<void> {
    const { runId } = message;
    const decision = decideBackend(message.mode, (this.options.probeGl ?? probeWebGl2)(this.root.ownerDocument));
    this.patchRun(runId, (run) => ({ ...run, label: message.label, backendNote: `${decision.backend}: ${decision.reason}` }));
    this.api.postMessage({ type: 'backendChosen', runId, backend: decision.backend, reason: decision.reason });
    if (!this.options.runner) {
      const text = 'This build of the panel has no probe engine yet.';
      this.patchRun(runId, (run) => ({ ...run, error: text }));
      this.api.postMessage({ type: 'probeError', runId, message: text });
      return;
    }
    const abort = new AbortController();
    this.running.set(runId, abort);
    try {
      const config = { ...message.config, backend: decision.backend };
      for await (const snapshot of this.options.runner(config, decision, abort.signal)) {
        const noted: ProbeSnapshot = { ...snapshot, result: { ...snapshot.result, backendNote: snapshot.result.backendNote ?? `${decision.backend}: ${decision.reason}` } };
        this.applySnapshot(runId, noted);
        this.api.postMessage({ type: 'snapshot', runId, snapshot: noted });
        if (abort.signal.aborted) break;
      }
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.patchRun(runId, (run) => ({ ...run, error: text }));
      this.api.postMessage({ type: 'probeError', runId, message: text });
    } finally {
      this.running.delete(runId);
    }
  }

  // ---- rendering: whole re-render from state (the state is small; views re-join their own SVG) ----

  private render(): void {
    const doc = this.root.ownerDocument;
    this.root.replaceChildren();
    this.root.setAttribute('data-state', this.state.model ? 'model' : 'empty');
    this.root.append(this.toolbar(doc));
    const model = this.state.model;
    if (!model) {
      const empty = doc.createElement('p');
      empty.className = 'ns-empty';
      empty.textContent = 'Place the cursor in a transformer block class (Python) or open a config.json to see its diagram.';
      this.root.append(empty);
      return;
    }
    const header = doc.createElement('h2');
    header.className = 'ns-model';
    header.setAttribute('data-block', model.block.name);
    header.setAttribute('data-placement', model.block.placement);
    header.textContent = `${model.block.name} · ${model.fileName.split(/[\\/]/).pop()}`;
    this.root.append(header);

    const diagram = doc.createElement('section');
    diagram.className = 'ns-section ns-diagram-section';
    diagram.append(fallbackDiagram(doc, model.block, (line, column) => this.api.postMessage({ type: 'reveal', uri: model.uri, line, column })));
    this.root.append(diagram, divider(doc));
    this.root.append(this.runStatus(doc));
    this.root.append(this.heatmaps(doc));
  }

  private toolbar(doc: Document): HTMLElement {
    const bar = doc.createElement('div');
    bar.className = 'ns-toolbar';
    for (const item of TOOLBAR) {
      bar.append(button(doc, item.label, () => this.api.postMessage({ type: 'runCommand', command: item.command }), { secondary: item.secondary, command: item.command }));
    }
    return bar;
  }

  private runStatus(doc: Document): HTMLElement {
    const list = doc.createElement('ul');
    list.className = 'ns-runs';
    for (const run of this.state.runs) {
      const item = doc.createElement('li');
      const status = run.error ? 'error' : run.snapshot?.done ? 'done' : 'running';
      item.className = `ns-run ns-run-${status}`;
      item.setAttribute('data-run-id', run.runId);
      item.setAttribute('data-status', status);
      if (run.backendNote) item.setAttribute('data-backend', run.backendNote.split(':')[0]);
      const step = run.snapshot ? `step ${run.snapshot.step}/${run.snapshot.totalSteps}` : 'waiting';
      item.append(badge(doc, run.label), doc.createTextNode(` ${step}`));
      if (status === 'running') item.append(progressRing(doc));
      if (run.backendNote) item.append(doc.createTextNode(` · ${run.backendNote}`));
      if (run.snapshot?.result.diverged) item.append(doc.createTextNode(` · diverged at step ${run.snapshot.result.diverged.step}`));
      if (run.error) item.append(doc.createTextNode(` · ${run.error}`));
      list.append(item);
    }
    return list;
  }

  /** One row per metric, one column per compared run, every heatmap of a metric on one colour scale. */
  private heatmaps(doc: Document): HTMLElement {
    const grid = doc.createElement('section');
    grid.className = 'ns-section ns-heatmaps';
    const runs = this.state.runs.filter((run) => run.snapshot !== null);
    for (const { key, title } of HEATMAPS) {
      const values = runs.flatMap((run) => run.snapshot!.result.metrics[key].flat()).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      const domain: [number, number] = values.length > 0 ? [Math.min(...values), Math.max(...values)] : [0, 1];
      const row = doc.createElement('div');
      row.className = 'ns-heatmap-row';
      row.setAttribute('data-metric', key);
      for (const run of runs) {
        const cell = doc.createElement('figure');
        cell.setAttribute('data-run-id', run.runId);
        const caption = doc.createElement('figcaption');
        caption.textContent = run.label;
        cell.append(caption, fallbackHeatmap(doc, title, run.snapshot!.result.metrics[key], domain));
        row.append(cell);
      }
      grid.append(row);
    }
    return grid;
  }
}
