// Follows run files as trainings append to them: one RunTail per file, each change read at once (only
// the appended bytes), and what the runs look like published at most every `throttleMs` (longer for a big
// run, whose redraw costs more: publishInterval), so a fast
// writer costs one snapshot per interval, not one per line. Linking a run to its model (a document and
// block) is the caller's; no vscode import, so tests drive it with real files and fake links.

import type { PanelModel, RunView } from '../protocol/messages';
import type { RunHeader } from '../core/runs/runLines';
import type { RunFileState } from '../core/runs/runFile';
import type { ProbePlacement } from '../core/probe/types';
import { recordedResult, recordedSnapshot, thinRecorded } from '../core/runs/recorded';
import { formatRunDiagnostic } from '../core/runs/runFile';
import { RunTail, nodeRangeReader } from './runTail';
import type { RangeReader } from './runTail';

/** Where a run belongs: the model block its header names (or that was active when it was opened). */
export interface RunLink {
  model: PanelModel;
  /** The block's placement as the analyzer reads it, for a header that gives none. */
  detected: { placement: ProbePlacement; from: string } | null;
}

export interface FollowedFile {
  path: string;
  tail: RunTail;
  /** The store key its runs are published under: the linked model's, or the file's own. */
  key: string;
  link: RunLink | null;
  runs: RunView[];
}

export interface RunFollowerOptions {
  /** Finds the model block for a header (called once per file, when its first header has been read). */
  link(path: string, header: RunHeader): Promise<RunLink | null>;
  /** Receives the runs of a file (whole views) each time they changed, under the key they belong to. */
  publish(file: FollowedFile, previousKey: string | null): void;
  /** The key of a model block (runKey of its URI and index), and of a file with no link. */
  keyOf(model: PanelModel | null, path: string): string;
  /** The shortest interval between two publications of one file (default 250 ms; see publishInterval). */
  throttleMs?: number;
  io?: RangeReader;
  /** setTimeout by default; tests pass a clock they advance by hand. */
  schedule?: (callback: () => void, ms: number) => { cancel(): void };
  /**
   * How often a followed file that is still being written is looked at without an event (default 2,000 ms;
   * 0: never): a watcher can miss changes (a folder it does not watch, a network file system). A look that
   * finds nothing appended costs one stat and a 256-byte read, and publishes nothing.
   */
  pollMs?: number;
  /** The poll's timer (an unref'd setTimeout by default, so it never keeps a process alive); tests pass their own. */
  pollTimer?: (callback: () => void, ms: number) => { cancel(): void };
}

const realTimer = (callback: () => void, ms: number): { cancel(): void } => {
  const timer = setTimeout(callback, ms);
  return { cancel: () => clearTimeout(timer) };
};

const backgroundTimer = (callback: () => void, ms: number): { cancel(): void } => {
  const timer = setTimeout(callback, ms);
  timer.unref?.();
  return { cancel: () => clearTimeout(timer) };
};

/** True while a file may still grow: no run yet, or its last run not closed. */
function stillWritten(file: FollowedFile): boolean {
  const runs = file.tail.state.runs;
  return !file.tail.state.stopped && (runs.length === 0 || runs[runs.length - 1].closedAt === null);
}

/** The run ids of a file: stable across appends, so the panel patches the same column in place. */
export function recordedRunId(path: string, index: number): string {
  return `recorded:${path}#${index}`;
}

/** A file's runs as RunViews: one per header with at least one step; problems go into the run's notes. */
export function recordedViews(path: string, displayName: string, state: RunFileState, link: RunLink | null): RunView[] {
  const errors = state.diagnostics.filter((d) => d.severity === 'error').map((d) => formatRunDiagnostic(displayName, d));
  return state.runs.flatMap((run, index) => {
    if (run.metrics.steps.length === 0) return [];
    const result = recordedResult(run, { file: displayName, detected: run.header.placement === null ? link?.detected ?? null : null, notes: errors.slice(0, 3) });
    const model = link ? ` → ${link.model.block.name}` : '';
    return [{ runId: recordedRunId(path, index), label: `${run.header.name}${model}`, snapshot: recordedSnapshot(result), backendNote: null, error: null }];
  });
}

/** About the heatmaps' width in pixels: more columns than this cannot be seen, only sent and drawn. */
export const PANEL_COLUMNS = 400;

/** What the panel is sent of a run: a long recorded run thinned to PANEL_COLUMNS steps; probe runs as they are. */
export function panelRunView(run: RunView): RunView {
  const snapshot = run.snapshot;
  if (!snapshot?.result.recorded || snapshot.result.metrics.steps.length <= PANEL_COLUMNS) return run;
  return { ...run, snapshot: { ...snapshot, result: thinRecorded(snapshot.result, PANEL_COLUMNS) } };
}

/**
 * How long to wait before publishing a file that changed: the base interval, plus 50 ms per MB read, up
 * to 2 s. A 1,000-step × 96-layer run (11 MB) is redrawn at most every ~0.8 s, so its redraw (bench:runs)
 * never fills the panel's time while lines keep coming; a small run follows every 250 ms.
 */
export function publishInterval(baseMs: number, bytes: number): number {
  return Math.round(Math.min(Math.max(baseMs, 2000), baseMs + (bytes / 1e6) * 50));
}

export class RunFollower {
  private readonly files = new Map<string, FollowedFile>();
  private readonly timers = new Map<string, { cancel(): void }>();
  private readonly pending = new Map<string, Promise<boolean>>();
  /** Files whose header link was looked for once already (found or not): it is not looked for again. */
  private readonly linkTried = new Set<string>();
  /** The key each file's runs were last published under, to clear it when a link moves them. */
  private readonly publishedKey = new Map<string, string>();
  private poll: { cancel(): void } | null = null;

  constructor(private readonly options: RunFollowerOptions) {}

  get followed(): readonly FollowedFile[] {
    return [...this.files.values()];
  }

  file(path: string): FollowedFile | undefined {
    return this.files.get(path);
  }

  /** Reads the file now (what was appended since the last read) and publishes without waiting: an open. */
  async open(path: string, fallbackLink: RunLink | null = null): Promise<FollowedFile> {
    await this.read(path, fallbackLink);
    this.flush(path);
    return this.files.get(path)!;
  }

  /**
   * The watcher saw the file change (or was found by a search, or the poll looks): read the appended
   * bytes now and, when anything was read, publish within throttleMs.
   */
  async changed(path: string): Promise<void> {
    const grew = await this.read(path, null);
    this.startPoll();
    if (!grew || this.timers.has(path)) return;
    const interval = publishInterval(this.options.throttleMs ?? 250, this.files.get(path)?.tail.bytesRead ?? 0);
    this.timers.set(path, (this.options.schedule ?? realTimer)(() => this.flush(path), interval));
  }

  /** The file is gone: its runs leave the store. */
  deleted(path: string): void {
    const file = this.files.get(path);
    if (!file) return;
    this.timers.get(path)?.cancel();
    this.timers.delete(path);
    this.files.delete(path);
    this.linkTried.delete(path);
    this.publishedKey.delete(path);
    file.runs = [];
    this.options.publish(file, null);
  }

  /** Waits until every read under way has finished (tests, and before disposing). */
  async idle(): Promise<void> {
    await Promise.all(this.pending.values());
  }

  dispose(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    this.poll?.cancel();
    this.poll = null;
    this.disposed = true;
  }

  private disposed = false;

  /** Looks at every file still being written, every pollMs, while there is one. */
  private startPoll(): void {
    const every = this.options.pollMs ?? 2000;
    if (this.poll || this.disposed || every <= 0) return;
    const timer = (this.options.pollTimer ?? backgroundTimer)(() => {
      // `poll` stays set while the files are read, so the reads' own changed() does not start another.
      const open = [...this.files.values()].filter(stillWritten);
      void Promise.all(open.map((file) => this.changed(file.path))).finally(() => {
        if (this.poll === timer) this.poll = null;
        if (open.length > 0) this.startPoll();
      });
    }, every);
    this.poll = timer;
  }

  /** Reads what was appended; true when anything was (or the file's link was found). */
  private read(path: string, fallbackLink: RunLink | null): Promise<boolean> {
    const job = (this.pending.get(path) ?? Promise.resolve()).then(() => this.readNow(path, fallbackLink));
    this.pending.set(path, job);
    return job.finally(() => {
      if (this.pending.get(path) === job) this.pending.delete(path);
    });
  }

  private async readNow(path: string, fallbackLink: RunLink | null): Promise<boolean> {
    let file = this.files.get(path);
    if (!file) {
      file = { path, tail: new RunTail(path, this.options.io ?? nodeRangeReader), key: this.options.keyOf(null, path), link: null, runs: [] };
      this.files.set(path, file);
    }
    const grew = await file.tail.update();
    const header = file.tail.state.runs[0]?.header;
    if (!file.link && header && !this.linkTried.has(path)) {
      this.linkTried.add(path);
      file.link = await this.options.link(path, header);
    }
    file.link ??= fallbackLink;
    return grew;
  }

  private flush(path: string): void {
    this.timers.get(path)?.cancel();
    this.timers.delete(path);
    const file = this.files.get(path);
    if (!file) return;
    const before = this.publishedKey.get(path) ?? null;
    file.key = this.options.keyOf(file.link?.model ?? null, path);
    file.runs = recordedViews(path, displayName(path), file.tail.state, file.link);
    this.publishedKey.set(path, file.key);
    this.options.publish(file, before !== null && before !== file.key ? before : null);
  }
}

/** The file's name without its folders, as labels and notes show it. */
function displayName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
