// A tree cursor that reads the syntax tree straight out of the tree-sitter runtime's wasm memory and walks
// it in JS, so copying a tree costs no JS->wasm call per node. It reproduces lib/tree_cursor.c of
// web-tree-sitter 0.25.10 step for step (hidden nodes, aliases, inherited fields, extras) over the wasm32
// layouts of lib/subtree.h, lib/tree.h and lib/parser.h. Those layouts are private to that one build,
// so rawWalkTrust only lets the walker run where the runtime is that build and it agrees with the public
// cursor; anything else falls back to the exports-based walk in fastCursor.ts.

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
  u32: Uint32Array;
}

export function heapOf(runtime: Record<string, unknown>): Heap | null {
  const u8 = runtime.HEAPU8;
  const u16 = runtime.HEAPU16;
  const u32 = runtime.HEAPU32;
  if (!(u8 instanceof Uint8Array) || !(u16 instanceof Uint16Array) || !(u32 instanceof Uint32Array)) return null;
  if (u8.buffer !== u16.buffer || u8.buffer !== u32.buffer) return null;
  return { u8, u16, u32 };
}

/** Reads TSLanguage's header at `address` (wasm32 offsets), or null when it does not look like one. */
export function languageLayout(heap: Heap, address: number): LanguageLayout | null {
  if (address <= 0 || address % 4 !== 0 || address + 88 > heap.u8.length) return null;
  const word = (offset: number): number => heap.u32[(address + offset) >> 2];
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

const NONE = 0;
const HIDDEN = 1;
const VISIBLE = 2;
/** ts_builtin_sym_error: the one symbol the public symbol map does not translate. */
const ERROR_SYMBOL = 65535;
/** Deeper than any real tree; reaching it means the memory is not what this walker thinks it is. */
const MAX_STACK = 1 << 16;

/**
 * TreeCursor over the whole tree, with its stack of entries (the node's Subtree slot, its start byte,
 * its index among its parent's children, counting and not counting extras) held in typed arrays.
 * A Subtree is 8 bytes: inline leaves carry their data in place (bit 0 of byte 0 set), the rest point
 * to SubtreeHeapData, whose children sit just before it.
 */
export class RawCursor implements WalkCursor {
  private u8: Uint8Array;
  private u16: Uint16Array;
  private u32: Uint32Array;
  private slot = new Uint32Array(64);
  private position = new Uint32Array(64);
  private childIndex = new Uint32Array(64);
  private structuralIndex = new Uint32Array(64);
  private visible = new Uint8Array(64);
  private alias = new Uint16Array(64);
  private size = 1;

  constructor(heap: Heap, private readonly language: LanguageLayout, treePointer: number) {
    this.u8 = heap.u8;
    this.u16 = heap.u16;
    this.u32 = heap.u32;
    // TSTree starts with its root Subtree; the root node starts after the root's padding.
    this.slot[0] = treePointer;
    this.position[0] = this.paddingBytes(treePointer);
    this.visible[0] = 1;
  }

  /** Picks up the runtime's current memory views (after anything that may have grown the memory). */
  refresh(heap: Heap): void {
    this.u8 = heap.u8;
    this.u16 = heap.u16;
    this.u32 = heap.u32;
  }

  get nodeTypeId(): number {
    const top = this.size - 1;
    const slot = this.slot[top];
    const symbol = (top > 0 && !this.isExtra(slot) && this.alias[top]) || this.symbol(slot);
    return symbol === ERROR_SYMBOL ? symbol : this.u16[(this.language.publicSymbolMap >> 1) + symbol];
  }

  /** ts_tree_cursor_current_field_id: a field of this node or of the hidden nodes wrapping it. */
  get currentFieldId(): number {
    const language = this.language;
    if (language.fieldCount === 0) return 0;
    const u8 = this.u8;
    const u16 = this.u16;
    for (let i = this.size - 1; i > 0; i--) {
      if (i !== this.size - 1 && this.visible[i] === 1) break;
      if (this.isExtra(this.slot[i])) break;
      const parent = this.u32[this.slot[i - 1] >> 2];
      const production = u16[(parent + 66) >> 1];
      const sliceAt = language.fieldMapSlices + production * 4;
      const first = u16[sliceAt >> 1];
      const count = u16[(sliceAt + 2) >> 1];
      const wanted = this.structuralIndex[i];
      for (let at = language.fieldMapEntries + first * 4, end = at + count * 4; at < end; at += 4) {
        if (u8[at + 3] === 0 && u8[at + 2] === wanted) return u16[at >> 1];
      }
    }
    return 0;
  }

  get startIndex(): number { return this.position[this.size - 1] >>> 1; }
  get endIndex(): number {
    const top = this.size - 1;
    return (this.position[top] + this.sizeBytes(this.slot[top])) >>> 1;
  }
  get nodeIsMissing(): boolean {
    const slot = this.slot[this.size - 1];
    const b0 = this.u8[slot];
    return b0 & 1 ? (b0 & 32) !== 0 : (this.u8[this.u32[slot >> 2] + 45] & 2) !== 0;
  }

  gotoFirstChild(): boolean {
    for (;;) {
      const step = this.firstChildStep();
      if (step === VISIBLE) return true;
      if (step === NONE) return false;
    }
  }

  gotoNextSibling(): boolean {
    const step = this.nextSiblingStep();
    if (step === HIDDEN) this.gotoFirstChild();
    return step !== NONE;
  }

  gotoParent(): boolean {
    for (let i = this.size - 2; i >= 0; i--) {
      if (this.visible[i] === 1) {
        this.size = i + 1;
        return true;
      }
    }
    return false;
  }

  delete(): void {
    this.size = 1;
  }

  /** ts_tree_cursor_goto_first_child_internal. */
  private firstChildStep(): number {
    const slot = this.slot[this.size - 1];
    if (this.u8[slot] & 1) return NONE;
    const node = this.u32[slot >> 2];
    const count = this.u32[(node + 36) >> 2];
    if (count === 0) return NONE;
    return this.scan(node, count, 0, 0, this.position[this.size - 1]);
  }

  /** ts_tree_cursor_goto_sibling_internal going forward. */
  private nextSiblingStep(): number {
    const initial = this.size;
    while (this.size > 1) {
      const popped = --this.size;
      const node = this.u32[this.slot[popped - 1] >> 2];
      const count = this.u32[(node + 36) >> 2];
      const children = node - count * 8;
      const slot = this.slot[popped];
      let index = this.childIndex[popped];
      let structural = this.structuralIndex[popped];
      if (!this.isExtra(slot)) structural++;
      let position = this.position[popped] + this.sizeBytes(slot);
      index++;
      if (index < count) position += this.paddingBytes(children + index * 8);
      if (this.visible[popped] === 1 && this.size + 1 < initial) break;
      const step = this.scan(node, count, index, structural, position);
      if (step !== NONE) return step;
    }
    this.size = initial;
    return NONE;
  }

  /**
   * Runs the child iterator of the heap node `node` from child `index` and pushes the first child that
   * is visible (itself or by alias) or hidden with visible children, as the cursor does.
   */
  private scan(node: number, count: number, index: number, structural: number, position: number): number {
    const u8 = this.u8;
    const u32 = this.u32;
    const production = this.u16[(node + 66) >> 1];
    const sequence = production ? this.language.aliasSequences + production * this.language.maxAliasLength * 2 : 0;
    const children = node - count * 8;
    while (index < count) {
      const child = children + index * 8;
      const b0 = u8[child];
      const inline = b0 & 1;
      const heap = inline ? 0 : u32[child >> 2];
      let visible = inline ? (b0 >> 1) & 1 : u8[heap + 44] & 1;
      const extra = inline ? b0 & 8 : u8[heap + 44] & 4;
      let alias = 0;
      const entryStructural = structural;
      if (!extra) {
        if (sequence) {
          alias = this.u16[(sequence >> 1) + structural];
          if (alias) visible = 1;
        }
        structural++;
      }
      const entryPosition = position;
      position += inline ? u8[child + 7] : u32[(heap + 16) >> 2];
      index++;
      if (index < count) position += this.paddingBytes(children + index * 8);
      if (visible) {
        this.push(child, entryPosition, index - 1, entryStructural, 1, alias);
        return VISIBLE;
      }
      if (!inline && u32[(heap + 36) >> 2] > 0 && u32[(heap + 48) >> 2] > 0) {
        this.push(child, entryPosition, index - 1, entryStructural, 0, 0);
        return HIDDEN;
      }
    }
    return NONE;
  }

  private push(slot: number, position: number, index: number, structural: number, visible: number, alias: number): void {
    const at = this.size;
    if (at === this.slot.length) this.grow();
    this.slot[at] = slot;
    this.position[at] = position;
    this.childIndex[at] = index;
    this.structuralIndex[at] = structural;
    this.visible[at] = visible;
    this.alias[at] = alias;
    this.size = at + 1;
  }

  private grow(): void {
    if (this.slot.length >= MAX_STACK) throw new Error('raw tree walk: stack deeper than any real tree');
    const bigger = <T extends Uint32Array | Uint16Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.slot = bigger(this.slot);
    this.position = bigger(this.position);
    this.childIndex = bigger(this.childIndex);
    this.structuralIndex = bigger(this.structuralIndex);
    this.visible = bigger(this.visible);
    this.alias = bigger(this.alias);
  }

  private isExtra(slot: number): boolean {
    const b0 = this.u8[slot];
    return b0 & 1 ? (b0 & 8) !== 0 : (this.u8[this.u32[slot >> 2] + 44] & 4) !== 0;
  }
  private symbol(slot: number): number {
    return this.u8[slot] & 1 ? this.u8[slot + 1] : this.u16[(this.u32[slot >> 2] + 40) >> 1];
  }
  private sizeBytes(slot: number): number {
    return this.u8[slot] & 1 ? this.u8[slot + 7] : this.u32[(this.u32[slot >> 2] + 16) >> 2];
  }
  private paddingBytes(slot: number): number {
    return this.u8[slot] & 1 ? this.u8[slot + 6] : this.u32[(this.u32[slot >> 2] + 4) >> 2];
  }
}

/** The TSTree behind a web-tree-sitter Tree (the binding keeps it at index 0). */
export function treePointer(tree: Tree): number {
  const pointer = (tree as unknown as Record<number, unknown>)[0];
  return typeof pointer === 'number' ? pointer : 0;
}

/** One visited node as the walk sees it: the facts copyTree reads, and its depth below the start. */
export interface WalkStep {
  typeId: number;
  fieldId: number;
  start: number;
  end: number;
  isMissing: boolean;
  depth: number;
}

/** The first `limit` nodes of a full pre-order walk from the cursor's node, each cursor fact read. */
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

/** tree-sitter.wasm of web-tree-sitter 0.25.10: its length and FNV-1a hash, the build these layouts are read from. */
const PINNED_RUNTIME = { length: 205488, fnv1a: 0xe969dcd6 };
/** How many nodes of the first tree per language the raw walk must match the public cursor on. */
const CHECKED_PREFIX = 400;

function isPinnedRuntime(runtime: Record<string, unknown>): boolean {
  const binary = runtime.wasmBinary;
  if (!(binary instanceof Uint8Array) || binary.length !== PINNED_RUNTIME.length) return false;
  let hash = 0x811c9dc5;
  for (let i = 0; i < binary.length; i++) hash = Math.imul(hash ^ binary[i], 0x01000193);
  return hash >>> 0 === PINNED_RUNTIME.fnv1a;
}

const runtimeTrust = new WeakMap<object, boolean>();
const languageTrust = new WeakMap<object, LanguageLayout | null>();

export interface RawWalkOptions {
  /** The exports-based cursor at the tree's root, to check the raw walk against on a language's first tree. */
  reference: () => WalkCursor;
}

/**
 * A raw cursor at the root of `tree`, or null when the raw walk is not trusted here: the runtime must be
 * the pinned build, the language's header must match what the binding reports, and on the first tree
 * of each language the raw walk must match the reference cursor node for node over a prefix.
 */
export function trustedRawCursor(tree: Tree, runtime: Record<string, unknown> | null, options: RawWalkOptions): RawCursor | null {
  try {
    if (!runtime) return null;
    let pinned = runtimeTrust.get(runtime);
    if (pinned === undefined) runtimeTrust.set(runtime, (pinned = isPinnedRuntime(runtime)));
    const heap = pinned ? heapOf(runtime) : null;
    const pointer = treePointer(tree);
    if (!heap || pointer <= 0 || pointer % 8 !== 0 || pointer + 16 > heap.u8.length) return null;
    const language = tree.language as unknown as { [0]: unknown; types: unknown[]; fields: unknown[] };
    const languageAddress = language[0];
    if (typeof languageAddress !== 'number' || heap.u32[(pointer + 8) >> 2] !== languageAddress) return null;
    let layout = languageTrust.get(language);
    if (layout === undefined) {
      const checked = checkedLayout(heap, languageAddress, language, tree, options);
      // A tree smaller than the prefix proves less: it is checked whole, and the next tree is checked again.
      if (checked.conclusive) languageTrust.set(language, checked.layout);
      layout = checked.layout;
    }
    return layout ? new RawCursor(heapOf(runtime)!, layout, pointer) : null;
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
  const aliasCount = heap.u32[(address + 8) >> 2];
  if (layout.symbolCount + aliasCount !== language.types.length || layout.fieldCount !== language.fields.length - 1) return untrusted;
  const raw = walkSteps(new RawCursor(heap, layout, treePointer(tree)), CHECKED_PREFIX);
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
