// What the analyzer reads off the Python syntax tree directly: a plain-JS copy of the tree (one cursor
// walk; touching web-tree-sitter nodes one by one costs more than the whole analysis), classes and their
// methods, spans, and the syntax errors tree-sitter recovered from.

import type { Tree } from 'web-tree-sitter';
import type { Diagnostic, Span } from '../../ir/model';
import { treeSitterRuntime } from '../treeSitter';
import type { WalkCursor } from './fastCursor';
import { fastCursor } from './fastCursor';
import type { RawVisitor } from './rawCursor';
import { trustedRawWalk } from './rawCursor';

/** What every childless node holds, so that leaves allocate no array; nothing writes into it. */
const NO_CHILDREN: Node[] = [];

/** Node's flag bits: one small integer instead of a field each keeps a copied tree smaller to collect. */
const NAMED = 1;
const MISSING = 2;
const HAS_ERROR = 4;
const LAZY = 8;
/** The loaders of nodes whose children are copied on first use (the fallback copy only). */
const loaders = new WeakMap<Node, (node: Node) => void>();

/** A syntax node copied out of tree-sitter; positions are UTF-16 based, lines/rows 0-based here. */
export class Node {
  private kids: Node[] = NO_CHILDREN;
  parent: Node | null = null;
  private namedCache: Node[] | null = null;
  private flags: number;

  constructor(
    readonly type: string,
    isNamed: boolean,
    readonly field: string | null,
    readonly startIndex: number,
    readonly endIndex: number,
    isMissing: boolean,
    private readonly file: SourceText,
  ) {
    this.flags = (isNamed ? NAMED : 0) | (isMissing ? MISSING : 0);
  }

  get isNamed(): boolean { return (this.flags & NAMED) !== 0; }
  get isMissing(): boolean { return (this.flags & MISSING) !== 0; }
  /** This node is or contains an ERROR or MISSING node. */
  get hasError(): boolean { return (this.flags & HAS_ERROR) !== 0; }
  set hasError(value: boolean) { this.flags = value ? this.flags | HAS_ERROR : this.flags & ~HAS_ERROR; }
  /** Copies this node's subtree on first use (function bodies the interpreter may never enter). */
  get loader(): ((node: Node) => void) | null { return this.flags & LAZY ? loaders.get(this) ?? null : null; }
  set loader(load: ((node: Node) => void) | null) {
    if (load) loaders.set(this, load);
    else loaders.delete(this);
    this.flags = load ? this.flags | LAZY : this.flags & ~LAZY;
  }

  get children(): Node[] {
    if (this.flags & LAZY) {
      const load = this.loader;
      this.loader = null;
      load?.(this);
    }
    return this.kids;
  }
  get isError(): boolean { return this.type === 'ERROR'; }
  get text(): string { return this.file.text.slice(this.startIndex, this.endIndex); }
  get startPosition(): { row: number; column: number } { return this.file.position(this.startIndex); }
  get endPosition(): { row: number; column: number } { return this.file.position(this.endIndex); }
  get childCount(): number { return this.children.length; }
  child(i: number): Node | null { return this.children[i] ?? null; }
  /** Named children without comments. */
  get namedChildren(): Node[] {
    this.namedCache ??= this.children.filter((c) => c.isNamed && c.type !== 'comment');
    return this.namedCache;
  }
  get namedChildCount(): number { return this.namedChildren.length; }
  namedChild(i: number): Node | null { return this.namedChildren[i] ?? null; }
  childForFieldName(name: string): Node | null {
    for (const c of this.children) if (c.field === name) return c;
    return null;
  }
  childrenForFieldName(name: string): Node[] { return this.children.filter((c) => c.field === name); }
  pushChild(child: Node): void {
    if (this.kids === NO_CHILDREN) this.kids = [];
    this.kids.push(child);
  }
  /** Sets the children at once (the raw copy knows them all when it leaves the node). */
  setChildren(children: Node[]): void { this.kids = children; }
  /** The children copied so far, without loading: copyTree's walk must not start another walk. */
  get copiedChildren(): readonly Node[] { return this.kids; }
}

/** The source with a line table, so rows and UTF-16 columns come from offsets without asking tree-sitter. */
export class SourceText {
  private readonly lineStarts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }
  position(offset: number): { row: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: offset - this.lineStarts[lo] };
  }
}

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

  constructor(root: Node, rootId: number, private readonly file: SourceText, types: TypeTable, private readonly keepTokens: boolean) {
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

export interface ClassInfo {
  name: string;
  node: Node;
  /** Base classes as written (`nn.Module`, `PreTrainedModel`). */
  bases: string[];
  methods: Map<string, Node>;
  /** Class-level assignments (dataclass / Flax fields, class attributes), in order. */
  fields: Array<{ name: string; value: Node | null }>;
  decorators: string[];
}

export interface ModuleInfo {
  source: string;
  root: Node;
  classes: Map<string, ClassInfo>;
  functions: Map<string, Node>;
  /** Interpretation steps taken for this file, across every interpreter: the per-file time bound. */
  steps: { taken: number; limit: number };
}

/** Steps (statements and expressions interpreted) one file may take: about sixteen times what a 3,000-line model file takes. */
export const FILE_STEP_LIMIT = 400_000;

export function spanOf(node: Node): Span {
  return {
    line: node.startPosition.row + 1,
    column: node.startPosition.column,
    endLine: node.endPosition.row + 1,
    endColumn: node.endPosition.column,
    offset: node.startIndex,
    endOffset: node.endIndex,
  };
}

export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}

/** Named children, comments left out. */
export function named(node: Node): Node[] {
  return node.namedChildren;
}

/** Every top-level (or `if`/`try`-nested) class and function of a module, outer definitions first. */
export function collectModule(root: Node, source: string): ModuleInfo {
  const info: ModuleInfo = { source, root, classes: new Map(), functions: new Map(), steps: { taken: 0, limit: FILE_STEP_LIMIT } };
  const visit = (container: Node): void => {
    for (const statement of named(container)) {
      const { definition, decorators } = unwrapDecorated(statement);
      if (definition.type === 'class_definition') {
        const cls = readClass(definition, decorators);
        if (cls && !info.classes.has(cls.name)) info.classes.set(cls.name, cls);
      } else if (definition.type === 'function_definition') {
        const name = definition.childForFieldName('name')?.text;
        if (name && !info.functions.has(name)) info.functions.set(name, definition);
      } else if (['if_statement', 'try_statement', 'block', 'else_clause', 'elif_clause', 'except_clause'].includes(definition.type)) {
        for (const part of named(definition)) if (part.type === 'block' || part.type.endsWith('_clause')) visit(part);
      }
    }
  };
  visit(root);
  return info;
}

function unwrapDecorated(statement: Node): { definition: Node; decorators: string[] } {
  if (statement.type !== 'decorated_definition') return { definition: statement, decorators: [] };
  const decorators = named(statement).filter((c) => c.type === 'decorator').map((d) => d.text.slice(1).trim());
  return { definition: statement.childForFieldName('definition') ?? statement, decorators };
}

function readClass(node: Node, decorators: string[]): ClassInfo | null {
  const name = node.childForFieldName('name')?.text;
  const body = node.childForFieldName('body');
  if (!name || !body) return null;
  const superclasses = node.childForFieldName('superclasses');
  const bases = superclasses ? named(superclasses).filter((c) => c.type !== 'keyword_argument').map((c) => c.text) : [];
  const cls: ClassInfo = { name, node, bases, methods: new Map(), fields: [], decorators };
  for (const statement of named(body)) {
    const { definition, decorators: methodDecorators } = unwrapDecorated(statement);
    if (definition.type === 'function_definition') {
      const methodName = definition.childForFieldName('name')?.text;
      if (methodName && !cls.methods.has(methodName)) cls.methods.set(methodName, definition);
      if (methodName === '__call__' && methodDecorators.some((d) => d.endsWith('compact'))) cls.decorators.push('compact');
    } else if (definition.type === 'expression_statement') {
      const assignment = definition.namedChild(0);
      if (assignment?.type === 'assignment') {
        const left = assignment.childForFieldName('left');
        if (left?.type === 'identifier') cls.fields.push({ name: left.text, value: assignment.childForFieldName('right') });
      }
    }
  }
  return cls;
}

/** The method that computes the module's output: PyTorch's forward, Flax's / plain __call__. */
export function forwardOf(cls: ClassInfo): Node | null {
  return cls.methods.get('forward') ?? cls.methods.get('__call__') ?? null;
}

/** Each ERROR or MISSING node as a diagnostic, outermost only, in source order. */
export function syntaxErrors(root: Node): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!root.hasError) return out;
  const visit = (node: Node): void => {
    if (out.length >= 50) return;
    if (node.isMissing) {
      out.push({ severity: 'error', code: 'syntax-error', line: lineOf(node), column: node.startPosition.column,
        message: `Syntax error: expected '${node.type}' here; the analyzer read around it and classified what it could.` });
      return;
    }
    if (node.isError) {
      const snippet = node.text.split('\n')[0].slice(0, 40);
      out.push({ severity: 'error', code: 'syntax-error', line: lineOf(node), column: node.startPosition.column,
        message: `Syntax error: could not parse '${snippet}'; the analyzer read around it and classified what it could.` });
      return;
    }
    if (!node.hasError) return;
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i);
      if (child) visit(child);
    }
  };
  visit(root);
  return out;
}
