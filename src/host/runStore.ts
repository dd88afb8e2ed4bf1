// The probe runs the host knows, keyed by document URI and block index, so hovers, CodeLens and exports
// read what the panel shows. Holds whole snapshots only; no vscode import.

import type { RunResult, RunSnapshot } from '../core/probe/types';
import { runPlacement } from '../core/runs/recorded';
import type { RunView } from '../protocol/messages';
import type { Placement } from '../core/ir/model';
import { PLACEMENT_LABEL } from './placementText';

export function runKey(uri: string, blockIndex: number): string {
  return `${uri}#${blockIndex}`;
}

export class RunStore {
  private readonly byKey = new Map<string, RunView[]>();
  /** Recorded trainings linked to a model, kept apart so a new probe replaces only probe runs. */
  private readonly recordedByKey = new Map<string, RunView[]>();
  private readonly listeners = new Set<(key: string) => void>();

  /** Replaces the runs of one model (a new probe or comparison). */
  set(key: string, runs: RunView[]): void {
    this.byKey.set(key, runs);
    this.emit(key);
  }

  /** Every run of a model: its probe runs, then the recorded trainings linked to it. */
  get(key: string): RunView[] {
    const recorded = this.recordedByKey.get(key);
    return recorded ? [...(this.byKey.get(key) ?? []), ...recorded] : this.byKey.get(key) ?? [];
  }

  /** Replaces the recorded runs linked to one model (a run file was opened, grew, or was deleted). */
  setRecorded(key: string, runs: RunView[]): void {
    if (runs.length === 0) this.recordedByKey.delete(key);
    else this.recordedByKey.set(key, runs);
    this.emit(key);
  }

  /** The recorded training to quote in a hover or CodeLens: the one with the latest step. */
  recordedFor(key: string): { result: RunResult; label: string } | null {
    const runs = (this.recordedByKey.get(key) ?? []).filter((run) => run.snapshot !== null);
    const latest = runs.reduce<RunView | null>((best, run) => (!best || run.snapshot!.step > best.snapshot!.step ? run : best), null);
    return latest ? { result: latest.snapshot!.result, label: latest.label } : null;
  }

  /** Applies a whole snapshot to the run with this id, wherever it is; returns the model key it belongs to. */
  applySnapshot(runId: string, snapshot: RunSnapshot): string | undefined {
    return this.update(runId, (run) => ({ ...run, snapshot, backendNote: snapshot.result.backendNote ?? run.backendNote }));
  }

  update(runId: string, change: (run: RunView) => RunView): string | undefined {
    for (const [key, runs] of this.byKey) {
      const index = runs.findIndex((run) => run.runId === runId);
      if (index < 0) continue;
      const next = [...runs];
      next[index] = change(runs[index]);
      this.byKey.set(key, next);
      this.emit(key);
      return key;
    }
    return undefined;
  }

  /** The probe run to quote in a hover: the one of the block's own placement, else the first with data. */
  resultFor(key: string, placement: Placement): { result: RunResult; label: string } | null {
    const runs = (this.byKey.get(key) ?? []).filter((run) => run.snapshot !== null);
    const own = runs.find((run) => runPlacement(run.snapshot!.result) === placement) ?? runs[0];
    return own ? { result: own.snapshot!.result, label: own.label || PLACEMENT_LABEL[placement] } : null;
  }

  onDidChange(listener: (key: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(key: string): void {
    for (const listener of this.listeners) listener(key);
  }
}
