// The panel's front end: keeps the PanelState (model + runs), validates every message from the host,
// persists itself with setState, runs probes it is asked to, and renders toolbar, diagram, run status,
// heatmaps on shared scales and loss curves. DOM only; no vscode import.

import type { ProbeSnapshot, RunSnapshot } from '../../src/core/probe/types';
import {
  isHostToWebview, isPanelState,
  type HostToWebview, type PanelCommand, type PanelState, type RunView, type StartProbeMessage, type WebviewToHost,
} from '../../src/protocol/messages';
import { buildBlockGraph } from '../../src/core/graph/blockGraph';
import type { BlockGraph } from '../../src/core/graph/types';
import { runPlacement } from '../../src/core/runs/recorded';
import { extendColumns } from '../../src/protocol/runPatch';
import { buildComparison } from '../views/compare';
import { renderComparison } from '../views/comparisonView';
import { renderDiagram } from '../views/diagram';
import { buildDiagramModel } from '../views/diagramModel';
import { LAYOUT_CSS, VIEW_CSS } from '../views/theme';
import { sweepSection } from './sweepSection';
import { decideBackend, probeWebGl2, type BackendDecision } from './backendChoice';
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
  /** The page's CSP nonce, so the views' stylesheet may be added as a <style> element. */
  styleNonce?: string;
}

const TOOLBAR: { command: PanelCommand; label: string; secondary?: boolean }[] = [
  { command: 'probe', label: 'Probe' },
  { command: 'compare', label: 'Compare…' },
  { command: 'cancel', label: 'Cancel', secondary: true },
  { command: 'exportHtml', label: 'Export HTML', secondary: true },
  { command: 'exportJson', label: 'Export JSON', secondary: true },
  { command: 'openRun', label: 'Open Run…', secondary: true },
];

/** The metrics the panel draws as heatmaps (the brief's three; cosine is in the exported report). */
const PANEL_METRICS = ['residualNorm', 'contribution', 'gradNorm'] as const;

export class PanelApp {
  private state: PanelState = { model: null, runs: [] };
  private readonly running = new Map<string, AbortController>();
  /** Built once: its toolkit buttons are costly to tear down and rebuild on every snapshot of a growing run. */
  private toolbarElement: HTMLElement | null = null;

  constructor(private readonly api: WebviewApi, private readonly root: HTMLElement, private readonly options: PanelOptions) {}

  start(): void {
    registerToolkit();
    this.installStyles();
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
      case 'setSweep':
        this.update({ ...this.state, sweep: message.sweep });
        break;
      case 'extendRun':
        this.extendRun(message.runId, message.from, message.snapshot);
        break;
    }
  }

  /** A frame is requested for the drawing of state that changed since the last render. */
  private framePending = false;
  private dirty = false;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * A recorded run grew: its new columns are spliced onto the copy here. A training can send these faster
   * than the panel draws, so they are drawn at most once per animation frame (or 100 ms without frames),
   * and saved with setState (which serialises the whole state) at most once a second.
   */
  private extendRun(runId: string, from: number, tail: RunSnapshot): void {
    const run = this.state.runs.find((r) => r.runId === runId);
    const snapshot = run?.snapshot ? extendColumns(run.snapshot, from, tail) : null;
    if (!snapshot) {
      console.warn(`NormScope panel: new columns for run ${runId} do not fit the copy here; ignored until the host sends it whole`);
      return;
    }
    this.state = { ...this.state, runs: this.state.runs.map((r) => (r.runId === runId ? { ...r, snapshot } : r)) };
    this.dirty = true;
    if (!this.framePending) {
      this.framePending = true;
      const view = this.root.ownerDocument.defaultView;
      // The next frame, or 100 ms, whichever comes first: a frame callback is not guaranteed for a webview
      // iframe the browser considers hidden or throttled, and the drawing must not wait on it.
      const timer = setTimeout(() => draw(), 100);
      const draw = () => {
        clearTimeout(timer);
        if (!this.framePending) return;
        this.framePending = false;
        if (this.dirty) this.render();
      };
      view?.requestAnimationFrame?.(draw);
    }
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = null;
      this.api.setState(this.state);
    }, 1000);
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

  private applySnapshot(runId: string, snapshot: RunSnapshot): void {
    this.patchRun(runId, (run) => ({ ...run, snapshot, backendNote: snapshot.result.backendNote ?? run.backendNote }));
  }

  private async runProbe(message: StartProbeMessage): Promise<void> {
    const { runId } = message;
    const decision = decideBackend(message.mode, (this.options.probeGl ?? probeWebGl2)(this.root.ownerDocument));
    this.patchRun(runId, (run) => ({ ...run, label: message.label, backendNote: `${decision.backend}: ${decision.reason}` }));
    this.api.postMessage({ type: 'backendChosen', runId, backend: decision.backend, reason: decision.reason });
    // The host runs CPU probes on a faster path than this page may (its CSP allows no wasm compilation).
    if (decision.backend === 'cpu' && message.hostFallback) return;
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

  // ---- rendering: whole re-render from state; the views re-join their own SVG ----

  private installStyles(): void {
    const doc = this.root.ownerDocument;
    if (doc.getElementById('normscope-view-css')) return;
    const style = doc.createElement('style');
    style.id = 'normscope-view-css';
    // The CSP admits <style> only with the page's nonce.
    if (this.options.styleNonce) style.setAttribute('nonce', this.options.styleNonce);
    style.textContent = `${VIEW_CSS}\n${LAYOUT_CSS}`;
    doc.head.append(style);
  }

  private render(): void {
    this.dirty = false;
    const doc = this.root.ownerDocument;
    // Everything but the toolbar is drawn afresh; the toolbar stays connected (no toolkit disconnect/reconnect).
    this.toolbarElement ??= this.toolbar(doc);
    if (this.toolbarElement.parentNode !== this.root) this.root.replaceChildren(this.toolbarElement);
    while (this.root.lastChild && this.root.lastChild !== this.toolbarElement) this.root.lastChild.remove();
    this.root.setAttribute('data-state', this.state.model ? 'model' : 'empty');
    const model = this.state.model;
    const recordedOnly = !model && this.state.runs.some((run) => run.snapshot !== null);
    if (recordedOnly) {
      // A training run opened without its model file: the runs alone, with the probe's block per placement.
      this.root.setAttribute('data-state', 'runs');
      this.root.append(this.runStatus(doc), divider(doc));
      this.renderRuns(doc, null, () => undefined);
      return;
    }
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

    const reveal = (line: number | null) => {
      if (line !== null && line >= 1) this.api.postMessage({ type: 'reveal', uri: model.uri, line, column: 0 });
    };
    const graph = buildBlockGraph(model.block);
    const withData = this.state.runs.filter((run) => run.snapshot !== null);
    this.root.append(this.runStatus(doc));
    if (this.state.sweep) this.root.append(sweepSection(doc, this.state.sweep));
    if (withData.length === 0) {
      // Before any probe: the block as written, clickable back to its source lines.
      const diagram = doc.createElement('section');
      diagram.className = 'ns-section ns-diagram-section';
      renderDiagram(diagram, buildDiagramModel(graph), { onSelect: (node) => reveal(node.line) });
      adoptInlineStyles(diagram);
      this.root.append(diagram);
      return;
    }
    this.root.append(divider(doc));
    this.renderRuns(doc, graph, reveal);
  }

  /** The comparison of every run with data; the run of the source's own placement draws the source's block. */
  private renderRuns(doc: Document, graph: BlockGraph | null, reveal: (line: number | null) => void): void {
    const results = this.state.runs.filter((run) => run.snapshot !== null).map((run) => run.snapshot!.result);
    const comparison = buildComparison(results, {
      // The run of the source's own placement draws the source's block (clickable); others the canonical one.
      graphs: results.map((result) => (graph && runPlacement(result) === graph.reading ? graph : null)),
      metrics: PANEL_METRICS,
    });
    const section = doc.createElement('section');
    section.className = 'ns-section ns-comparison';
    section.setAttribute('data-runs', String(results.length));
    renderComparison(section, comparison, { onSelect: (node) => reveal(node.line) });
    adoptInlineStyles(section);
    this.root.append(section);
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
      const status = run.error ? 'error' : run.snapshot?.done ? 'done' : run.snapshot?.result.cancelled ? 'cancelled'
        : run.snapshot?.result.recorded ? 'recording' : 'running';
      item.className = `ns-run-status ns-run-${status}`;
      item.setAttribute('data-run-id', run.runId);
      item.setAttribute('data-status', status);
      if (run.snapshot) item.setAttribute('data-step', String(run.snapshot.step));
      if (run.backendNote) item.setAttribute('data-backend', run.backendNote.split(':')[0]);
      const recorded = run.snapshot?.result.recorded;
      const step = recorded
        ? `step ${run.snapshot!.step} · ${run.snapshot!.result.metrics.steps.length} recorded${recorded.closed ? '' : ' · training'}`
        : run.snapshot ? `step ${run.snapshot.step}/${run.snapshot.totalSteps}` : 'waiting';
      // The badge holds the run's label: the e2e tests read it there.
      item.append(badge(doc, run.label), doc.createTextNode(` ${step}`));
      if (status === 'running' || status === 'recording') item.append(progressRing(doc));
      if (run.backendNote) item.append(doc.createTextNode(` · ${run.backendNote}`));
      if (run.snapshot?.result.diverged) item.append(doc.createTextNode(` · diverged at step ${run.snapshot.result.diverged.step}`));
      if (run.error) item.append(doc.createTextNode(` · ${run.error}`));
      list.append(item);
    }
    return list;
  }
}

/**
 * The views write some colours as `style` attributes (run colours of lines, the comparison's grid),
 * which the panel's CSP (no 'unsafe-inline') refuses to apply. Setting the same declarations through
 * the CSSOM is allowed, so copy each one across; the attribute text is the views' own.
 */
export function adoptInlineStyles(root: Element): void {
  for (const element of root.querySelectorAll<HTMLElement | SVGElement>('[style]')) {
    const text = element.getAttribute('style') ?? '';
    element.removeAttribute('style');
    for (const declaration of text.split(';')) {
      const colon = declaration.indexOf(':');
      if (colon > 0) element.style.setProperty(declaration.slice(0, colon).trim(), declaration.slice(colon + 1).trim());
    }
  }
}
