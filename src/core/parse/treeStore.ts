// Keeps the last syntax tree of each file an editor re-analyses, so the next analysis re-parses
// incrementally: the change between the old and the new text becomes one tree-sitter edit, and
// tree-sitter reuses every subtree the edit does not touch (a one-line edit of a 3,000-line file
// re-parses in a few ms instead of ~45). The CLI, which reads each file once, has no store.

import type { Edit, Point, Tree } from 'web-tree-sitter';

interface Kept {
  text: string;
  tree: Tree;
}

/** The row and UTF-16 column of `offset` in `text`, counting rows from 0 as tree-sitter does. */
function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) {
    row++;
    lineStart = at + 1;
  }
  return { row, column: offset - lineStart };
}

/**
 * The single edit that turns `before` into `after`: everything between their common prefix and their
 * common suffix, in UTF-16 code units (web-tree-sitter's unit for text given as a string). Null when
 * the texts are equal. Several edits far apart become one wide edit: correct, with less reuse.
 */
export function editBetween(before: string, after: string): Edit | null {
  if (before === after) return null;
  const shorter = Math.min(before.length, after.length);
  let start = 0;
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let suffix = 0;
  while (suffix < shorter - start && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  // Never split a surrogate pair: tree-sitter decodes the text as UTF-16 code points.
  if (start > 0 && isHighSurrogate(after.charCodeAt(start - 1))) start--;
  if (suffix > 0 && isLowSurrogate(after.charCodeAt(after.length - suffix))) suffix--;
  const oldEndIndex = before.length - suffix;
  const newEndIndex = after.length - suffix;
  const startPosition = pointAt(before, start);
  return {
    startIndex: start,
    oldEndIndex,
    newEndIndex,
    startPosition,
    oldEndPosition: pointAt(before, oldEndIndex),
    newEndPosition: pointAt(after, newEndIndex),
  };
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * The last tree per file, least recently used first, at most `capacity` of them: each holds wasm
 * memory (a few MiB for a 3,000-line file), freed when it is replaced, evicted or cleared.
 */
export class TreeStore {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly capacity = 8) {}

  /**
   * Removes and returns the tree kept for `file`, already edited to match `text` (tree-sitter's
   * precondition for reusing it), or null when none is kept. The caller owns the returned tree.
   */
  take(file: string, text: string): { tree: Tree; unchanged: boolean } | null {
    const kept = this.kept.get(file);
    if (!kept) return null;
    this.kept.delete(file);
    const edit = editBetween(kept.text, text);
    if (edit) kept.tree.edit(edit);
    return { tree: kept.tree, unchanged: edit === null };
  }

  /** Keeps `tree` as the parse of `text` for the next analysis of `file`; the store now owns it. */
  put(file: string, text: string, tree: Tree): void {
    const previous = this.kept.get(file);
    if (previous && previous.tree !== tree) previous.tree.delete();
    this.kept.delete(file);
    this.kept.set(file, { text, tree });
    while (this.kept.size > this.capacity) {
      const [oldest, entry] = this.kept.entries().next().value as [string, Kept];
      this.kept.delete(oldest);
      entry.tree.delete();
    }
  }

  /** Frees the tree kept for `file`, if any (the document closed). */
  forget(file: string): void {
    this.kept.get(file)?.tree.delete();
    this.kept.delete(file);
  }

  clear(): void {
    for (const entry of this.kept.values()) entry.tree.delete();
    this.kept.clear();
  }

  get size(): number {
    return this.kept.size;
  }
}
