// A tree cursor that calls the tree-sitter runtime's exports directly, for the one walk that copies a
// tree: web-tree-sitter's TreeCursor writes and reads its four state words through emscripten's
// setValue/getValue on every call, which cost more than the wasm calls themselves.

import type { Tree, TreeCursor } from 'web-tree-sitter';

/** What copyTree asks of a cursor; web-tree-sitter's TreeCursor has exactly these. */
export interface WalkCursor {
  readonly nodeTypeId: number;
  readonly currentFieldId: number;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly nodeIsMissing: boolean;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  delete(): void;
}

type Export = (tree: number) => number;

/** The runtime's cursor exports, each taking the TSTree pointer and reading the cursor from the transfer buffer. */
interface CursorExports {
  first: Export;
  next: Export;
  parent: Export;
  typeId: Export;
  fieldId: Export;
  start: Export;
  end: Export;
  missing: Export;
  remove: Export;
}

function exportsOf(runtime: Record<string, unknown>): CursorExports | null {
  const pick = (name: string): Export | null => {
    const f = runtime[`_ts_tree_cursor_${name}_wasm`];
    return typeof f === 'function' ? (f as Export) : null;
  };
  const found = {
    first: pick('goto_first_child'), next: pick('goto_next_sibling'), parent: pick('goto_parent'),
    typeId: pick('current_node_type_id'), fieldId: pick('current_field_id'), start: pick('start_index'),
    end: pick('end_index'), missing: pick('current_node_is_missing'), remove: pick('delete'),
  };
  return Object.values(found).every((f) => f !== null) ? (found as CursorExports) : null;
}

const cache = new WeakMap<object, CursorExports | null>();

/**
 * A fast cursor over `tree` from `cursor`'s position, or `cursor` itself when the runtime is not the
 * one this was written against. The binding keeps a cursor's state in its transfer buffer between
 * calls: the exports read it there and write the moved cursor back, so once the public getter has put
 * it there, the walk runs on raw calls alone, as long as nothing else touches tree-sitter meanwhile
 * (copyTree's walk is synchronous and calls nothing else). Deleting frees the cursor from the buffer's
 * current state, so the caller must delete the returned cursor, not the one it passed.
 */
export function fastCursor(cursor: TreeCursor, tree: Tree, runtime: Record<string, unknown> | null): WalkCursor {
  if (!runtime) return cursor;
  let exports = cache.get(runtime);
  if (exports === undefined) cache.set(runtime, (exports = exportsOf(runtime)));
  const pointer = (tree as unknown as Record<number, unknown>)[0];
  if (!exports || typeof pointer !== 'number' || pointer === 0) return cursor;
  const e = exports;
  // Any public cursor call marshals the cursor's state into the transfer buffer first.
  void cursor.startIndex;
  return {
    get nodeTypeId() { return e.typeId(pointer); },
    get currentFieldId() { return e.fieldId(pointer); },
    get startIndex() { return e.start(pointer); },
    get endIndex() { return e.end(pointer); },
    get nodeIsMissing() { return e.missing(pointer) === 1; },
    gotoFirstChild: () => e.first(pointer) === 1,
    gotoNextSibling: () => e.next(pointer) === 1,
    gotoParent: () => e.parent(pointer) === 1,
    delete: () => { e.remove(pointer); },
  };
}
