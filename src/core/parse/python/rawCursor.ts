// A tree walk that reads the syntax tree straight out of the tree-sitter runtime's wasm memory, so copying
// a tree costs no JS->wasm call per node. It reports what lib/tree_cursor.c of web-tree-sitter 0.25.10
// reports (hidden nodes walked through, aliases, inherited fields, extras), read through the wasm32
// layouts of lib/subtree.h, lib/tree.h and lib/parser.h. Those layouts are private to that one build,
// so trustedRawWalk only lets it run where the runtime is that build and it agrees with the public
// cursor; anything else falls back to the exports-based cursor in fastCursor.ts.

import type { Tree } from 'web-tree-sitter';
import type { WalkCursor } from './fastCursor';

/** Where the tables the walk needs live in the language's memory (TSLanguage, lib/parser.h). */
export interface LanguageLayout {
  symbolCount: number;
  fieldCount: number;
  maxAliasLength: number;
  fieldMapSlices: number;
  fieldMapEntries: number;
  publicSymbolMap: number;
  aliasSequences: number;
}

/** The runtime's memory views; emscripten replaces them when memory grows, so they are read per walk. */
export interface Heap {
  u8: Uint8Array;
  u16: Uint16Array;
  i32: Int32Array;
}

export function heapOf(runtime: Record<string, unknown>): Heap | null {
  const u8 = runtime.HEAPU8;
  const u16 = runtime.HEAPU16;
  const i32 = runtime.HEAP32;
  if (!(u8 instanceof Uint8Array) || !(u16 instanceof Uint16Array) || !(i32 instanceof Int32Array)) return null;
  // Pointers are read as signed words: a memory past 2 GiB would need unsigned reads this walker does not do.
  if (u8.buffer !== u16.buffer || u8.buffer !== i32.buffer || u8.length > 0x80000000) return null;
  return { u8, u16, i32 };
}

/** Reads TSLanguage's header at `address` (wasm32 offsets), or null when it does not look like one. */
export function languageLayout(heap: Heap, address: number): LanguageLayout | null {
  if (address <= 0 || address % 4 !== 0 || address + 88 > heap.u8.length) return null;
  const word = (offset: number): number => heap.i32[(address + offset) >> 2];
  const abi = word(0);
  if (abi < 13 || abi > 15) return null;
  const layout: LanguageLayout = {
    symbolCount: word(4),
    fieldCount: word(32),
    maxAliasLength: heap.u16[(address + 36) >> 1],
    fieldMapSlices: word(64),
    fieldMapEntries: word(68),
    publicSymbolMap: word(76),
    aliasSequences: word(84),
  };
  const inHeap = (pointer: number): boolean => pointer > 0 && pointer < heap.u8.length;
  if (!inHeap(layout.publicSymbolMap) || !inHeap(layout.aliasSequences)) return null;
  if (layout.fieldCount > 0 && (!inHeap(layout.fieldMapSlices) || !inHeap(layout.fieldMapEntries))) return null;
  return layout;
}

/** ts_builtin_sym_error: the one symbol the public symbol map does not translate. */
const ERROR_SYMBOL = 65535;
/** Deeper than any real tree; reaching it means the memory is not what this walker thinks it is. */
const MAX_DEPTH = 1 << 20;
/** Words saved per open ancestor: node, child count, child index, structural index, position, field context, visible. */
const FRAME = 7;

/** What a raw walk reports: each visible node in pre-order, and the end of each node it was asked into. */
export interface RawVisitor {
  /** A visible node, with what the cursor would report at it; returns whether to visit its children. */
  enter(typeId: number, fieldId: number, start: number, end: number, isMissing: boolean): boolean;
  /** The children of the node last entered with true (and not yet left) are done. */
  leave(): void;
}

/**
 * Walks the tree under `treePointer` out of the runtime's memory, reporting what ts_tree_cursor reports
 * at each visible node, for the root's descendants in the order its first-child / next-sibling /
 * parent moves visit them (the root itself is the caller's). It follows lib/tree_cursor.c: a hidden
 * child is walked through when it has visible children, a child is visible by its own flag or by the
 * parent production's alias, and a node's field is the first non-inherited field-map entry for its
 * structural index found going up through hidden parents (none for extras). Subtrees are 8 bytes:
 * inline leaves keep their data in place (bit 0 of byte 0 set), the others point to SubtreeHeapData,
 * whose children sit just before it. Positions are UTF-16 bytes; indexes are code units (bytes / 2).
 */
export class RawWalker {
  /** The open ancestors' iteration state, FRAME words each; the innermost one lives in locals. */
  private frames: Int32Array = new Int32Array(64 * FRAME);

  constructor(private readonly heap: Heap, private readonly language: LanguageLayout) {}

  /** The root's type id, start and end as the cursor reports them. */
  root(treePointer: number): { typeId: number; start: number; end: number } {
    const start = this.paddingBytes(treePointer);
    return { typeId: this.publicSymbol(this.symbol(treePointer)), start: start >>> 1, end: (start + this.sizeBytes(treePointer)) >>> 1 };
  }

  walk(treePointer: number, visitor: RawVisitor): void {
    const { u8, u16, i32 } = this.heap;
    const language = this.language;
    const aliasBase = language.aliasSequences >> 1;
    const aliasStride = language.maxAliasLength;
    const publicBase = language.publicSymbolMap >> 1;
    const hasFields = language.fieldCount > 0;
    const slices = language.fieldMapSlices;
    const entries = language.fieldMapEntries;
    if (u8[treePointer] & 1) return;
    let frames = this.frames;
    let depth = 0;
    // The node whose children are being iterated, and where the iteration stands.
    let node = i32[treePointer >> 2];
    let count = i32[(node + 36) >> 2];
    let index = 0;
    let structural = 0;
    let position = this.paddingBytes(treePointer);
    let context = 0;
    let visibleNode = 1;
    let production = 0;
    let fieldStart = 0;
    let fieldEnd = 0;
    let entered = true;
    for (;;) {
      if (entered) {
        entered = false;
        // A node's production decides its children's aliases and fields.
        production = u16[(node + 66) >> 1];
        if (hasFields) {
          const slice = slices + production * 4;
          fieldStart = entries + u16[slice >> 1] * 4;
          fieldEnd = fieldStart + u16[(slice + 2) >> 1] * 4;
        }
      }
      // Written so that a NaN (a read past a detached memory) ends the walk instead of looping.
      if (!(index < count)) {
        if (depth === 0) {
          if (u8.length === 0) throw new Error('raw tree walk: the runtime memory moved during the walk');
          return;
        }
        if (visibleNode === 1) visitor.leave();
        const at = --depth * FRAME;
        node = frames[at];
        count = frames[at + 1];
        index = frames[at + 2];
        structural = frames[at + 3];
        position = frames[at + 4];
        context = frames[at + 5];
        visibleNode = frames[at + 6];
        entered = true;
        continue;
      }
      const child = node - (count - index) * 8;
      const b0 = u8[child];
      const inline = b0 & 1;
      const heap = inline ? 0 : i32[child >> 2];
      let visible = inline ? (b0 >> 1) & 1 : u8[heap + 44] & 1;
      const extra = inline ? b0 & 8 : u8[heap + 44] & 4;
      const childStructural = structural;
      let alias = 0;
      if (!extra) {
        if (production) {
          alias = u16[aliasBase + production * aliasStride + structural];
          if (alias) visible = 1;
        }
        structural++;
      }
      const start = position;
      const size = inline ? u8[child + 7] : i32[(heap + 16) >> 2];
      position = start + size;
      index++;
      if (index < count) {
        const after = child + 8;
        position += u8[after] & 1 ? u8[after + 6] : i32[(i32[after >> 2] + 4) >> 2];
      }
      const grandchildren = inline ? 0 : i32[(heap + 36) >> 2];
      if (!visible && (grandchildren === 0 || i32[(heap + 48) >> 2] === 0)) continue;
      // The field the cursor would report here: this production's, else the hidden wrapper's.
      let field = 0;
      if (!extra) {
        for (let at = fieldStart; at < fieldEnd; at += 4) {
          if (u8[at + 2] === childStructural && u8[at + 3] === 0) {
            field = u16[at >> 1];
            break;
          }
        }
        if (field === 0) field = context;
      }
      if (visible) {
        const symbol = alias || (inline ? u8[child + 1] : u16[(heap + 40) >> 1]);
        const missing = inline ? (b0 & 32) !== 0 : (u8[heap + 45] & 2) !== 0;
        const typeId = symbol === ERROR_SYMBOL ? symbol : u16[publicBase + symbol];
        if (!visitor.enter(typeId, field, start >>> 1, (start + size) >>> 1, missing)) continue;
        if (grandchildren === 0) {
          visitor.leave();
          continue;
        }
      }
      // Descend: save this node's iteration and iterate the child's children, which must lie in memory.
      if (!(grandchildren <= heap >> 3)) throw new Error('raw tree walk: children outside the memory');
      if ((depth + 1) * FRAME > frames.length) frames = this.grow();
      const at = depth++ * FRAME;
      frames[at] = node;
      frames[at + 1] = count;
      frames[at + 2] = index;
      frames[at + 3] = structural;
      frames[at + 4] = position;
      frames[at + 5] = context;
      frames[at + 6] = visibleNode;
      node = heap;
      count = grandchildren;
      index = 0;
      structural = 0;
      position = start;
      context = visible ? 0 : field;
      visibleNode = visible;
      entered = true;
    }
  }

  private grow(): Int32Array {
    if (this.frames.length >= MAX_DEPTH * FRAME) throw new Error('raw tree walk: deeper than any real tree');
    const bigger = new Int32Array(this.frames.length * 2);
    bigger.set(this.frames);
    return (this.frames = bigger);
  }

  private publicSymbol(symbol: number): number {
    return symbol === ERROR_SYMBOL ? symbol : this.heap.u16[(this.language.publicSymbolMap >> 1) + symbol];
  }
  private symbol(slot: number): number {
    const { u8, u16, i32 } = this.heap;
    return u8[slot] & 1 ? u8[slot + 1] : u16[(i32[slot >> 2] + 40) >> 1];
  }
  private sizeBytes(slot: number): number {
    const { u8, i32 } = this.heap;
    return u8[slot] & 1 ? u8[slot + 7] : i32[(i32[slot >> 2] + 16) >> 2];
  }
  private paddingBytes(slot: number): number {
    const { u8, i32 } = this.heap;
    return u8[slot] & 1 ? u8[slot + 6] : i32[(i32[slot >> 2] + 4) >> 2];
  }
}

/** The TSTree behind a web-tree-sitter Tree (the binding keeps it at index 0). */
export function treePointer(tree: Tree): number {
  const pointer = (tree as unknown as Record<number, unknown>)[0];
  return typeof pointer === 'number' ? pointer : 0;
}

/** One visited node as a walk sees it: the facts copyTree reads, and its depth below the root. */
export interface WalkStep {
  typeId: number;
  fieldId: number;
  start: number;
  end: number;
  isMissing: boolean;
  depth: number;
}

/** The first `limit` nodes of a full pre-order cursor walk from the cursor's node. */
export function walkSteps(cursor: WalkCursor, limit = Infinity): WalkStep[] {
  const out: WalkStep[] = [];
  let depth = 0;
  for (;;) {
    out.push({ typeId: cursor.nodeTypeId, fieldId: cursor.currentFieldId, start: cursor.startIndex, end: cursor.endIndex, isMissing: cursor.nodeIsMissing, depth });
    if (out.length >= limit) return out;
    if (cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (depth === 0 || !cursor.gotoParent()) return out;
      depth--;
    }
  }
}

const ENOUGH = {};

/** The same for a raw walk of the whole tree, root first. */
export function rawSteps(raw: TrustedRawWalk, limit = Infinity): WalkStep[] {
  const root = raw.walker.root(raw.pointer);
  const out: WalkStep[] = [{ typeId: root.typeId, fieldId: 0, start: root.start, end: root.end, isMissing: false, depth: 0 }];
  if (out.length >= limit) return out;
  let depth = 1;
  try {
    raw.walker.walk(raw.pointer, {
      enter(typeId, fieldId, start, end, isMissing) {
        out.push({ typeId, fieldId, start, end, isMissing, depth });
        if (out.length >= limit) throw ENOUGH;
        depth++;
        return true;
      },
      leave() { depth--; },
    });
  } catch (error) {
    if (error !== ENOUGH) throw error;
  }
  return out;
}

/**
 * tree-sitter.wasm of web-tree-sitter 0.25.10, the build these layouts are read from: its length and
 * the FNV-1a hash of every 61st byte (a sample, so the check costs little before the JIT warms up).
 */
const PINNED_RUNTIME = { length: 205488, stride: 61, fnv1a: 0x54664c30 };
/** How many nodes of the first tree per language the raw walk must match the public cursor on. */
const CHECKED_PREFIX = 100;

function isPinnedRuntime(runtime: Record<string, unknown>): boolean {
  const binary = runtime.wasmBinary;
  if (!(binary instanceof Uint8Array) || binary.length !== PINNED_RUNTIME.length) return false;
  let hash = 0x811c9dc5;
  for (let i = 0; i < binary.length; i += PINNED_RUNTIME.stride) hash = Math.imul(hash ^ binary[i], 0x01000193);
  return hash >>> 0 === PINNED_RUNTIME.fnv1a;
}

const runtimeTrust = new WeakMap<object, boolean>();
const languageTrust = new WeakMap<object, LanguageLayout | null>();

export interface RawWalkOptions {
  /** A cursor at the tree's root (web-tree-sitter's public one), to check the raw walk against on a language's first tree. */
  reference: () => WalkCursor;
}

/** A raw walker and the TSTree it walks. */
export interface TrustedRawWalk {
  walker: RawWalker;
  pointer: number;
}

/**
 * A raw walk of `tree`, or null when it is not trusted here: the runtime must be the pinned build, the
 * language's header must match what the binding reports, and on the first tree of each language the
 * raw walk must match the reference cursor node for node over a prefix (a tree smaller than the prefix
 * is compared whole, and the next tree is checked again).
 */
export function trustedRawWalk(tree: Tree, runtime: Record<string, unknown> | null, options: RawWalkOptions): TrustedRawWalk | null {
  try {
    if (!runtime) return null;
    let pinned = runtimeTrust.get(runtime);
    if (pinned === undefined) runtimeTrust.set(runtime, (pinned = isPinnedRuntime(runtime)));
    const heap = pinned ? heapOf(runtime) : null;
    const pointer = treePointer(tree);
    if (!heap || pointer <= 0 || pointer % 8 !== 0 || pointer + 16 > heap.u8.length) return null;
    const language = tree.language as unknown as { [0]: unknown; types: unknown[]; fields: unknown[] };
    const languageAddress = language[0];
    if (typeof languageAddress !== 'number' || heap.i32[(pointer + 8) >> 2] !== languageAddress) return null;
    let layout = languageTrust.get(language);
    if (layout === undefined) {
      const checked = checkedLayout(heap, languageAddress, language, tree, options);
      if (checked.conclusive) languageTrust.set(language, checked.layout);
      layout = checked.layout;
    }
    // The check may have run the runtime (and grown its memory): take the views afresh.
    const current = heapOf(runtime);
    return layout && current ? { walker: new RawWalker(current, layout), pointer } : null;
  } catch {
    return null;
  }
}

interface Checked {
  layout: LanguageLayout | null;
  conclusive: boolean;
}

function checkedLayout(heap: Heap, address: number, language: { types: unknown[]; fields: unknown[] }, tree: Tree, options: RawWalkOptions): Checked {
  const untrusted = { layout: null, conclusive: true };
  const layout = languageLayout(heap, address);
  if (!layout) return untrusted;
  const aliasCount = heap.i32[(address + 8) >> 2];
  if (layout.symbolCount + aliasCount !== language.types.length || layout.fieldCount !== language.fields.length - 1) return untrusted;
  const raw = rawSteps({ walker: new RawWalker(heap, layout), pointer: treePointer(tree) }, CHECKED_PREFIX);
  const reference = options.reference();
  let expected: WalkStep[];
  try {
    expected = walkSteps(reference, CHECKED_PREFIX);
  } finally {
    reference.delete();
  }
  if (raw.length !== expected.length) return untrusted;
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i];
    const b = expected[i];
    if (a.typeId !== b.typeId || a.fieldId !== b.fieldId || a.start !== b.start || a.end !== b.end || a.isMissing !== b.isMissing || a.depth !== b.depth) return untrusted;
  }
  return { layout, conclusive: raw.length === CHECKED_PREFIX };
}
