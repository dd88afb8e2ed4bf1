// Runs probes for the host: in the webview (gpu.js, or its CPU fallback under `auto`) or in the host
// (backend = cpu), one at a time, with whole snapshots flowing into the RunStore and the panel.

import type { ProbeConfig, ProbeSnapshot } from '../core/probe/types';
import type { ProbeMode, RunView, WebviewToHost } from '../protocol/messages';
import type { RunStore } from './runStore';

/** The probe engine's entry as the host uses it; null until the engine is bundled into the host. */
export type HostProbeRunner = (config: ProbeConfig, signal: AbortSignal) => AsyncIterable<ProbeSnapshot>;

/** What a session needs from the panel; the real one is NormScopePanel, tests pass a fake. */
export interface PanelPort {
  post(message: { type: 'startProbe'; runId: string; label: string; config: ProbeConfig; mode: ProbeMode; hostFallback?: boolean } | { type: 'cancelProbe'; runId: string } | { type: 'snapshot'; runId: string; snapshot: ProbeSnapshot }): void;
  recordRun(run: RunView): void;
}

export interface RunRequest {
  runId: string;
  label: string;
  config: ProbeConfig;
  mode: ProbeMode;
}

interface Pending {
  resolve(snapshot: ProbeSnapshot | null): void;
  reject(error: Error): void;
  onSnapshot(snapshot: ProbeSnapshot): void;
  /** Kept so a run the panel hands back (its backend choice fell on the CPU) can continue in the host. */
  request: RunRequest;
  signal: AbortSignal;
}

export class ProbeSessions {
  private readonly pending = new Map<string, Pending>();
  private current: { runId: string; abort: AbortController } | null = null;
  private counter = 0;

  constructor(
    private readonly store: RunStore,
    private readonly panel: () => PanelPort | undefined,
    private readonly hostRunner: HostProbeRunner | null,
  ) {}

  newRunId(): string {
    this.counter += 1;
    return `run-${Date.now().toString(36)}-${this.counter}`;
  }

  get running(): boolean {
    return this.current !== null;
  }

  /** Runs one probe to completion (or cancellation: resolves with the last snapshot seen). */
  async run(request: RunRequest, onSnapshot: (snapshot: ProbeSnapshot) => void, signal: AbortSignal): Promise<ProbeSnapshot | null> {
    const abort = new AbortController();
    const forward = () => abort.abort();
    signal.addEventListener('abort', forward);
    this.current = { runId: request.runId, abort };
    try {
      if (request.mode === 'cpu') return await this.runInHost(request, onSnapshot, abort.signal);
      return await this.runInWebview(request, onSnapshot, abort.signal);
    } finally {
      signal.removeEventListener('abort', forward);
      this.current = null;
    }
  }

  cancel(): boolean {
    if (!this.current) return false;
    this.current.abort.abort();
    return true;
  }

  /** Feeds the webview's messages about runs into the waiting sessions; returns whether it was one. */
  handleMessage(message: WebviewToHost): boolean {
    switch (message.type) {
      case 'snapshot': {
        this.accept(message.runId, message.snapshot);
        this.pending.get(message.runId)?.onSnapshot(message.snapshot);
        if (message.snapshot.done) this.settle(message.runId, message.snapshot);
        return true;
      }
      case 'backendChosen':
        this.store.update(message.runId, (run) => ({ ...run, backendNote: `${message.backend}: ${message.reason}` }));
        if (message.backend === 'cpu' && this.hostRunner) void this.takeOver(message.runId, message.reason);
        return true;
      case 'probeError': {
        this.store.update(message.runId, (run) => ({ ...run, error: message.message }));
        const waiting = this.pending.get(message.runId);
        this.pending.delete(message.runId);
        waiting?.reject(new Error(message.message));
        return true;
      }
      default:
        return false;
    }
  }

  private accept(runId: string, snapshot: ProbeSnapshot): void {
    const key = this.store.applySnapshot(runId, snapshot);
    if (key === undefined) return;
    const run = this.store.get(key).find((r) => r.runId === runId);
    if (run) this.panel()?.recordRun(run);
  }

  private settle(runId: string, snapshot: ProbeSnapshot | null): void {
    const waiting = this.pending.get(runId);
    this.pending.delete(runId);
    waiting?.resolve(snapshot);
  }

  private runInWebview(request: RunRequest, onSnapshot: (s: ProbeSnapshot) => void, signal: AbortSignal): Promise<ProbeSnapshot | null> {
    const panel = this.panel();
    if (!panel) return Promise.reject(new Error('The NormScope panel is closed; the GPU probe runs inside it.'));
    let last: ProbeSnapshot | null = null;
    return new Promise<ProbeSnapshot | null>((resolve, reject) => {
      this.pending.set(request.runId, { resolve, reject, onSnapshot: (s) => { last = s; onSnapshot(s); }, request, signal });
      signal.addEventListener('abort', () => {
        panel.post({ type: 'cancelProbe', runId: request.runId });
        this.settle(request.runId, last);
      }, { once: true });
      panel.post({
        type: 'startProbe', runId: request.runId, label: request.label, config: request.config, mode: request.mode,
        hostFallback: this.hostRunner !== null,
      });
    });
  }

  /** The panel chose the CPU for a run it was asked to start: the host's faster CPU path runs it instead. */
  private async takeOver(runId: string, reason: string): Promise<void> {
    const waiting = this.pending.get(runId);
    if (!waiting) return;
    const note = `cpu: ${reason}; runs in the extension host on the wasm-SIMD backend`;
    try {
      const last = await this.runInHost(waiting.request, waiting.onSnapshot, waiting.signal, note);
      this.settle(runId, last);
    } catch (error) {
      this.pending.delete(runId);
      waiting.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async runInHost(
    request: RunRequest, onSnapshot: (s: ProbeSnapshot) => void, signal: AbortSignal,
    note = 'cpu: normscope.probe.backend is "cpu" (runs in the extension host)',
  ): Promise<ProbeSnapshot | null> {
    if (!this.hostRunner) {
      throw new Error('This build of NormScope has no CPU probe engine in the extension host; set normscope.probe.backend to "auto" to run it in the panel.');
    }
    this.store.update(request.runId, (run) => ({ ...run, backendNote: note }));
    let last: ProbeSnapshot | null = null;
    for await (const raw of this.hostRunner(request.config, signal)) {
      const snapshot: ProbeSnapshot = { ...raw, result: { ...raw.result, backendNote: note } };
      last = snapshot;
      this.accept(request.runId, snapshot);
      this.panel()?.post({ type: 'snapshot', runId: request.runId, snapshot });
      onSnapshot(snapshot);
      if (signal.aborted) break;
    }
    return last;
  }
}
