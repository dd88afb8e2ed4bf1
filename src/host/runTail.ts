// Follows one run file as it grows: reads only the bytes appended since the last read (ranged reads, in
// pieces), decodes UTF-8 in streaming mode and feeds the core reader. A file that shrank, or whose first
// bytes changed (a new run replaced it, docs/run-format.md), is read again from its start. Node fs only
// (no vscode), so tests drive it on real files.

import { open, stat } from 'node:fs/promises';
import { RunFileReader } from '../core/runs/runFile';
import type { RunFileState } from '../core/runs/runFile';

/** How the tail reads a file; tests may count what it reads. */
export interface RangeReader {
  size(path: string): Promise<number>;
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
}

export const nodeRangeReader: RangeReader = {
  size: async (path) => (await stat(path)).size,
  read: async (path, offset, length) => {
    const handle = await open(path, 'r');
    try {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  },
};

/** A big file is read in pieces of this size, so one read never holds the whole of it twice. */
const PIECE = 4 * 1024 * 1024;
/** How much of the file's start is kept to tell a replaced file from a grown one (the header holds the start time). */
const PREFIX = 256;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class RunTail {
  private reader = new RunFileReader();
  private decoder = new TextDecoder('utf-8');
  private offset = 0;
  /** The file's first bytes as first read: a replaced file starts differently. */
  private prefix: Uint8Array | null = null;
  private running: Promise<boolean> | null = null;
  private again = false;
  /** Times the file was found shorter than what had been read, and read again from the start. */
  restarts = 0;

  constructor(readonly path: string, private readonly io: RangeReader = nodeRangeReader) {}

  get state(): RunFileState {
    return this.reader.state;
  }

  /** Bytes read so far: the next read starts here. */
  get bytesRead(): number {
    return this.offset;
  }

  /**
   * Reads what was appended since the last call; resolves true when anything was read. Calls that arrive
   * while a read is under way are folded into one more read after it, so no append is missed.
   */
  update(): Promise<boolean> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let changed = false;
      do {
        this.again = false;
        changed = (await this.readAppended()) || changed;
      } while (this.again);
      this.running = null;
      return changed;
    })();
    return this.running;
  }

  private async readAppended(): Promise<boolean> {
    let size: number;
    try {
      size = await this.io.size(this.path);
    } catch {
      return false; // deleted or not there yet: the watcher says when it comes back
    }
    const rewritten = size < this.offset || (this.prefix !== null && !sameBytes(await this.io.read(this.path, 0, this.prefix.length), this.prefix));
    if (rewritten) {
      this.reader = new RunFileReader();
      this.decoder = new TextDecoder('utf-8');
      this.offset = 0;
      this.prefix = null;
      this.restarts += 1;
    }
    if (size === this.offset) return rewritten;
    while (this.offset < size) {
      const bytes = await this.io.read(this.path, this.offset, Math.min(PIECE, size - this.offset));
      if (bytes.length === 0) break;
      if (this.offset === 0) this.prefix = bytes.slice(0, PREFIX);
      this.offset += bytes.length;
      this.reader.push(this.decoder.decode(bytes, { stream: true }));
    }
    return true;
  }
}
