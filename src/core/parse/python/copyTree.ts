// Copies a tree-sitter tree into plain-JS nodes (syntaxNode.ts): one walk, because touching
// web-tree-sitter nodes one by one costs more than the whole analysis. The walk reads the runtime's
// memory directly where that is trusted (rawCursor.ts) and calls the runtime's cursor exports otherwise.

import type { Tree } from 'web-tree-sitter';
import { treeSitterRuntime } from '../treeSitter';
import type { WalkCursor } from './fastCursor';
import { fastCursor } from './fastCursor';
import type { RawVisitor } from './rawCursor';
import { trustedRawWalk } from './rawCursor';
import { Node, SourceText } from './syntaxNode';

/** Anonymous tokens the interpreter reads (operators); other punctuation is not copied. */
const KEEP_TOKENS_UNDER = new Set(['binary_operator', 'augmented_assignment', 'unary_operator', 'comparison_operator', 'boolean_operator']);
/** ts_builtin_sym_error, the type id of ERROR nodes. */
const ERROR_TYPE_ID = 65535;
/** Nodes whose insides the analyzer never reads. */
const LEAVES = new Set(['string', 'comment', 'concatenated_string', 'import_statement', 'import_from_statement']);

/**
 * Copies a tree-sitter tree into plain objects with cursor walks. Punctuation is skipped unless the
 * tree has errors (a MISSING token may be punctuation) or it is an operator the interpreter reads.
 * Where the raw-memory walk is trusted (rawCursor.ts) the whole tree is copied at once; otherwise the
 * runtime's cursor exports walk it and the bodies of functions are copied when first read, while the
 * tree is alive (analyzePython frees it last).
 */
export function copyTree(tree: Tree, source: string, runtime = treeSitterRuntime()): Node {
  const file = new SourceText(source);
  const withErrors = tree.rootNode.hasError;
  const types = typeTable(tree, runtime);
  const raw = trustedRawWalk(tree, runtime, { reference: () => tree.walk() });
  if (raw) {
    try {
      const top = raw.walker.root(raw.pointer);
      const root = new Node(types.names[top.typeId] ?? 'ERROR', true, null, top.start, top.end, false, file);
      const copy = new RawCopy(root, top.typeId, file, types, withErrors);
      raw.walker.walk(raw.pointer, copy);
      copy.finish();
      finishErrors(root);
      return root;
    } catch {
      // The raw walk met memory it does not understand: copy again through the runtime's exports.
    }
  }
  const publicCursor = tree.walk();
  const root = new Node(publicCursor.nodeType, true, null, publicCursor.startIndex, publicCursor.endIndex, false, file);
  if (!withErrors) lazyRoots.add(root);
  const cursor = fastCursor(publicCursor, tree, runtime);
  try {
    copyChildren(cursor, root, file, { keepTokens: withErrors, lazyFrom: withErrors ? null : tree }, types);
  } finally {
    cursor.delete();
  }
  finishErrors(root);
  return root;
}

/**
 * Copies `tree`, parsed from the slice of `file`'s text that starts at `base`, as nodes of the whole
 * file (offsets moved by `base`): an edited region, re-parsed alone (reparse.ts).
 * Null where the raw walk is not trusted: the region path is an optimisation, the caller parses all.
 */
export function copyRegion(tree: Tree, file: SourceText, base: number, runtime = treeSitterRuntime()): Node | null {
  const raw = trustedRawWalk(tree, runtime, { reference: () => tree.walk() });
  if (!raw) return null;
  try {
    const types = typeTable(tree, runtime);
    const top = raw.walker.root(raw.pointer);
    const root = new Node(types.names[top.typeId] ?? 'ERROR', true, null, top.start + base, top.end + base, false, file);
    const copy = new RawCopy(root, top.typeId, file, types, tree.rootNode.hasError, base);
    raw.walker.walk(raw.pointer, copy);
    copy.finish();
    return root;
  } catch {
    return null;
  }
}

/** Roots copied with function bodies left to be copied from their tree when first read. */
const lazyRoots = new WeakSet<Node>();

/** Whether reading `root`'s copy may still read its tree (lazy bodies), so the tree must outlive it. */
export function readsTree(root: Node): boolean {
  return lazyRoots.has(root);
}

/** Type names and namedness by type id, asked of the grammar once per id rather than once per node. */
interface TypeTable {
  names: string[];
  fields: (string | null)[];
  named: Map<number, boolean>;
  isNamed: (id: number) => boolean;
  /** The runtime lazy copies walk with (null: web-tree-sitter's public cursor). */
  runtime: Record<string, unknown> | null;
  /** The same facts by type id in typed arrays, for the raw copy. */
  grammar: GrammarTable;
}

function typeTable(tree: Tree, runtime: Record<string, unknown> | null): TypeTable {
  const language = tree.language;
  const named = new Map<number, boolean>();
  return {
    names: language.types,
    fields: language.fields,
    named,
    runtime,
    grammar: grammarTable(tree),
    isNamed: (id) => {
      let value = named.get(id);
      if (value === undefined) named.set(id, (value = language.nodeTypeIsNamed(id)));
      return value;
    },
  };
}

/**
 * Per type id: named, a leaf whose insides are not copied, a parent whose anonymous tokens are kept.
 * Built once per grammar, so the raw copy makes no call into the runtime while it reads its memory.
 */
interface GrammarTable {
  named: Uint8Array;
  leaf: Uint8Array;
  keepsTokens: Uint8Array;
  errorIsNamed: boolean;
}

const grammarTables = new WeakMap<object, GrammarTable>();

function grammarTable(tree: Tree): GrammarTable {
  const language = tree.language;
  let table = grammarTables.get(language);
  if (!table) {
    const count = language.types.length;
    table = { named: new Uint8Array(count), leaf: new Uint8Array(count), keepsTokens: new Uint8Array(count), errorIsNamed: language.nodeTypeIsNamed(ERROR_TYPE_ID) };
    for (let id = 0; id < count; id++) {
      const name = language.types[id];
      table.named[id] = language.nodeTypeIsNamed(id) ? 1 : 0;
      table.leaf[id] = LEAVES.has(name) ? 1 : 0;
      table.keepsTokens[id] = KEEP_TOKENS_UNDER.has(name) ? 1 : 0;
    }
    grammarTables.set(language, table);
  }
  return table;
}

interface CopyMode {
  /** Copy punctuation and MISSING flags too (the tree has errors). */
  keepTokens: boolean;
  /** Leave function bodies to be copied from this tree when first read. */
  lazyFrom: Tree | null;
}

/** Copies the children of the cursor's node into `into`. */
function copyChildren(cursor: WalkCursor, into: Node, file: SourceText, mode: CopyMode, types: TypeTable): void {
  if (!cursor.gotoFirstChild()) return;
  const { keepTokens, lazyFrom } = mode;
  const stack: Node[] = [into];
  for (;;) {
    const parent = stack[stack.length - 1];
    const typeId = cursor.nodeTypeId;
    const isNamed = types.isNamed(typeId);
    let descend = false;
    if (isNamed || keepTokens || KEEP_TOKENS_UNDER.has(parent.type)) {
      const type = types.names[typeId] ?? 'ERROR';
      const field = types.fields[cursor.currentFieldId] ?? null;
      const node = new Node(type, isNamed, field, cursor.startIndex, cursor.endIndex, keepTokens && cursor.nodeIsMissing, file);
      node.parent = parent;
      parent.pushChild(node);
      if (node.isError || node.isMissing) node.hasError = true;
      if (lazyFrom && type === 'block' && field === 'body' && parent.type === 'function_definition') {
        node.loader = (self) => loadLater(lazyFrom, self, file, types);
      } else if (isNamed && !LEAVES.has(type) && cursor.gotoFirstChild()) {
        stack.push(node);
        descend = true;
      }
    }
    if (descend) continue;
    while (!cursor.gotoNextSibling()) {
      if (stack.length <= 1 || !cursor.gotoParent()) return;
      const done = stack.pop()!;
      if (done.isError || done.isMissing || done.copiedChildren.some((c) => c.hasError)) done.hasError = true;
    }
  }
}

/**
 * The same copy from a raw walk, keeping the same nodes. It throws on a span or type id no real tree
 * has, so that a raw walk gone wrong falls back instead of returning a wrong tree.
 */
class RawCopy implements RawVisitor {
  /** The nodes being copied and their type ids, innermost last, and where each one's children start in `pending`. */
  private readonly open: Node[];
  private readonly openIds: number[];
  private readonly starts: number[] = [0];
  /** Whether a child of each open node has an error, so leaving a node needs no pass over its children. */
  private readonly childErrors: boolean[] = [false];
  /** Children of the open nodes, collected here so each node gets one array of the exact size. */
  private readonly pending: Node[] = [];
  private pendingLength = 0;
  private readonly length: number;
  private readonly names: string[];
  private readonly fields: (string | null)[];
  private readonly grammar: GrammarTable;

  constructor(root: Node, rootId: number, private readonly file: SourceText, types: TypeTable, private readonly keepTokens: boolean, private readonly base = 0) {
    this.open = [root];
    this.openIds = [rootId];
    this.length = file.text.length;
    this.names = types.names;
    this.fields = types.fields;
    this.grammar = types.grammar;
  }

  enter(typeId: number, fieldId: number, start: number, end: number, isMissing: boolean): boolean {
    const grammar = this.grammar;
    const known = typeId < grammar.named.length;
    start += this.base;
    end += this.base;
    if ((!known && typeId !== ERROR_TYPE_ID) || end < start || end > this.length) throw new Error('raw tree walk: a node no tree has');
    const isNamed = known ? grammar.named[typeId] === 1 : grammar.errorIsNamed;
    if (!isNamed && !this.keepTokens && grammar.keepsTokens[this.openIds[this.openIds.length - 1]] !== 1) return false;
    const type = (known ? this.names[typeId] : undefined) ?? 'ERROR';
    const node = new Node(type, isNamed, this.fields[fieldId] ?? null, start, end, this.keepTokens && isMissing, this.file);
    node.parent = this.open[this.open.length - 1];
    if (this.pendingLength === this.pending.length) this.pending.push(node);
    else this.pending[this.pendingLength] = node;
    this.pendingLength++;
    if (node.isError || node.isMissing) {
      node.hasError = true;
      this.childErrors[this.childErrors.length - 1] = true;
    }
    if (!isNamed || (known && grammar.leaf[typeId] === 1)) return false;
    this.open.push(node);
    this.openIds.push(typeId);
    this.starts.push(this.pendingLength);
    this.childErrors.push(false);
    return true;
  }

  leave(): void {
    const done = this.open.pop()!;
    this.openIds.pop();
    const start = this.starts.pop()!;
    if (this.pendingLength > start) {
      done.setChildren(this.pending.slice(start, this.pendingLength));
      this.pendingLength = start;
    }
    if (this.childErrors.pop() || done.isError || done.isMissing) {
      done.hasError = true;
      this.childErrors[this.childErrors.length - 1] = true;
    }
  }

  /** Gives the root its children once the walk is over. */
  finish(): void {
    if (this.pendingLength > 0) this.open[0].setChildren(this.pending.slice(0, this.pendingLength));
  }
}

function loadLater(tree: Tree, node: Node, file: SourceText, types: TypeTable): void {
  const found = tree.rootNode.descendantForIndex(node.startIndex, node.endIndex);
  let target = found;
  while (target && !(target.type === 'block' && target.startIndex === node.startIndex && target.endIndex === node.endIndex)) target = target.parent;
  if (!target) return;
  const cursor = fastCursor(target.walk(), tree, types.runtime);
  try {
    copyChildren(cursor, node, file, { keepTokens: false, lazyFrom: tree }, types);
  } finally {
    cursor.delete();
  }
}

function finishErrors(root: Node): void {
  root.hasError = root.isError || root.children.some((c) => c.hasError);
}
