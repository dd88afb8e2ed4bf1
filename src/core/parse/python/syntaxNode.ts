// The plain-JS syntax node the analyzer reads instead of web-tree-sitter's nodes, and the source text
// with its line table. copyTree.ts fills trees of these; syntax.ts reads them.

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
    // Mutable only for rebase(): an editor's re-analysis moves unchanged statements instead of re-copying them.
    public startIndex: number,
    public endIndex: number,
    isMissing: boolean,
    private file: SourceText,
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

  /**
   * Moves this subtree by `delta` code units into `file`, the edited text it now belongs to (reparse.ts).
   * Only for fully copied subtrees: a lazy body would be copied from the old tree at old offsets.
   */
  rebase(delta: number, file: SourceText): void {
    const stack: Node[] = [this];
    while (stack.length > 0) {
      const node = stack.pop()!;
      node.startIndex += delta;
      node.endIndex += delta;
      node.file = file;
      for (const child of node.kids) stack.push(child);
    }
  }
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

