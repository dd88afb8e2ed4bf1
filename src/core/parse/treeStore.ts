// Keeps the last syntax tree of each file an editor re-analyses (as the plain-JS copy the analyzer reads),
// so the next analysis re-parses only the top-level statements around the change and moves the others
// (python/reparse.ts): a one-line edit of a 3,000-line file costs a few ms of parsing instead of ~45.
// tree-sitter's own incremental re-parse was tried first and dropped: with tree-sitter-python, an edit
// that adds a line or a comment re-lexes everything after it (23-74 ms on the bench file). The CLI,
// which reads each file once, has no store.

import type { Node } from './python/syntaxNode';

/** A file's text and the copied tree of exactly that text. */
export interface KeptTree {
  text: string;
  root: Node;
}

/** Where `before` and `after` differ: [start, oldEnd) of `before` became [start, newEnd) of `after`. */
export interface ChangedSpan {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/**
 * The span between the common prefix and the common suffix of two texts, in UTF-16 code units (never
 * inside a surrogate pair); null when they are equal. Edits far apart become one wide span.
 */
export function changedSpan(before: string, after: string): ChangedSpan | null {
  if (before === after) return null;
  const shorter = Math.min(before.length, after.length);
  let start = 0;
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let suffix = 0;
  while (suffix < shorter - start && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  // Never split a surrogate pair: tree-sitter decodes the text as UTF-16 code points.
  if (start > 0 && isHighSurrogate(after.charCodeAt(start - 1))) start--;
  if (suffix > 0 && isLowSurrogate(after.charCodeAt(after.length - suffix))) suffix--;
  return { start, oldEnd: before.length - suffix, newEnd: after.length - suffix };
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * The last copied tree per file, least recently used first, at most `capacity` of them (a 3,000-line
 * file's copy is ~3.5 MB of JS heap, collected once dropped).
 */
export class TreeStore {
  private readonly kept = new Map<string, KeptTree>();

  constructor(private readonly capacity = 8) {}

  /** Removes and returns what is kept for `file`: the caller may reuse its nodes, so it is kept no more. */
  take(file: string): KeptTree | null {
    const kept = this.kept.get(file) ?? null;
    this.kept.delete(file);
    return kept;
  }

  /** Keeps `root`, the copied tree of `text`, for the next analysis of `file`. */
  put(file: string, text: string, root: Node): void {
    this.kept.delete(file);
    this.kept.set(file, { text, root });
    while (this.kept.size > this.capacity) this.kept.delete(this.kept.keys().next().value as string);
  }

  /** Drops what is kept for `file` (the document closed). */
  forget(file: string): void {
    this.kept.delete(file);
  }

  clear(): void {
    this.kept.clear();
  }

  get size(): number {
    return this.kept.size;
  }
}
