// Finds run files the workspace watcher never reported. On Linux the watcher (@parcel/watcher on inotify)
// watches a new folder only once it has seen it created, so a file written into that folder at once (a
// training's `os.makedirs("runs"); open("runs/x.normscope.jsonl", "w")`) gets no create event, and the
// folders below a `mkdir -p` are not watched at all (parcel-bundler/watcher#97, #243). So every created
// path is looked at: a folder is searched for run files, a little while after it appeared and once more
// later. No vscode import: tests drive it with real folders and a hand-advanced clock.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const RUN_FILE_SUFFIX = '.normscope.jsonl';

/** Folders never searched: version control, dependencies, caches. */
const SKIPPED = new Set(['node_modules', '__pycache__', 'site-packages', '.git', '.hg', '.svn', '.venv', 'venv']);

export function isRunFile(path: string): boolean {
  return path.endsWith(RUN_FILE_SUFFIX);
}

/** True when `path` lies in a folder that is never searched (a created `node_modules/x` is not looked at). */
export function inSkippedFolder(path: string): boolean {
  return path.split(/[\\/]/).some((part) => SKIPPED.has(part));
}

export interface SearchLimits {
  /** Folder levels below the created one that are searched (default 4). */
  depth: number;
  /** Entries read in all before the search stops (default 5,000): a copied-in tree is not read whole. */
  entries: number;
}

/**
 * The run files under `folder` (the folder itself when it is one), searched breadth first within the
 * limits. A path that is a file, or gone, gives nothing; never throws.
 */
export async function findRunFiles(folder: string, limits: Partial<SearchLimits> = {}): Promise<string[]> {
  const depth = limits.depth ?? 4;
  let budget = limits.entries ?? 5000;
  const found: string[] = [];
  let level = [folder];
  for (let d = 0; d <= depth && level.length > 0 && budget > 0; d++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue; // a file (ENOTDIR), or removed again since it was created
      }
      for (const entry of entries) {
        if (--budget < 0) break;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!SKIPPED.has(entry.name)) next.push(path);
        } else if (entry.isFile() && isRunFile(entry.name)) {
          found.push(path);
        }
      }
    }
    level = next;
  }
  return found.sort();
}

export interface CreatedPathScannerOptions {
  /** Receives each run file found (it may also have been reported by the watcher: following is idempotent). */
  found(path: string): void;
  /** Wait after the first created path of a batch before searching (default 200 ms): a burst is one search. */
  settleMs?: number;
  /** A batch's folders are searched again this long after (default 3 s): for files written a little later into a folder the watcher does not watch. */
  againMs?: number;
  /** The most created paths searched per batch (default 256); a bulk copy or checkout beyond it is not searched. */
  maxPaths?: number;
  limits?: Partial<SearchLimits>;
  search?: (folder: string, limits: Partial<SearchLimits>) => Promise<string[]>;
  schedule?: (callback: () => void, ms: number) => { cancel(): void };
}

const realTimer = (callback: () => void, ms: number): { cancel(): void } => {
  const timer = setTimeout(callback, ms);
  timer.unref?.();
  return { cancel: () => clearTimeout(timer) };
};

/** Collects the paths the workspace watcher reports created and searches those that are folders. */
export class CreatedPathScanner {
  private pending = new Set<string>();
  private readonly timers = new Set<{ cancel(): void }>();
  private disposed = false;
  /** Searches under way (tests wait on them). */
  private readonly searches = new Set<Promise<void>>();

  constructor(private readonly options: CreatedPathScannerOptions) {}

  /** The watcher saw `path` created (a file or a folder; it cannot say which). */
  created(path: string): void {
    if (this.disposed || isRunFile(path) || inSkippedFolder(path)) return;
    const first = this.pending.size === 0;
    this.pending.add(path);
    if (first) this.later(() => this.searchPending(), this.options.settleMs ?? 200);
  }

  /** Resolves when every search started so far has finished. */
  async idle(): Promise<void> {
    while (this.searches.size > 0) await Promise.all(this.searches);
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.pending.clear();
  }

  private later(callback: () => void, ms: number): void {
    const timer = (this.options.schedule ?? realTimer)(() => {
      this.timers.delete(timer);
      if (!this.disposed) callback();
    }, ms);
    this.timers.add(timer);
  }

  private searchPending(): void {
    const batch = topmost([...this.pending]).slice(0, this.options.maxPaths ?? 256);
    this.pending = new Set();
    this.search(batch);
    this.later(() => this.search(batch), this.options.againMs ?? 3000);
  }

  private search(paths: readonly string[]): void {
    const search = this.options.search ?? findRunFiles;
    const job = (async () => {
      for (const path of paths) {
        for (const file of await search(path, this.options.limits ?? {})) if (!this.disposed) this.options.found(file);
      }
    })().catch(() => undefined);
    this.searches.add(job);
    void job.finally(() => this.searches.delete(job));
  }
}

/** The paths that no other path of the list contains: a created tree is searched from its top only. */
export function topmost(paths: readonly string[]): string[] {
  const all = new Set(paths);
  return [...all].filter((path) => {
    for (let at = path.search(/[\\/][^\\/]*$/); at > 0; at = path.slice(0, at).search(/[\\/][^\\/]*$/)) {
      if (all.has(path.slice(0, at))) return false;
    }
    return true;
  }).sort();
}
