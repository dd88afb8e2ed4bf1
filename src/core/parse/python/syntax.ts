// What the analyzer reads off the Python syntax tree directly: a plain-JS copy of the tree (copyTree.ts),
// classes and their methods, spans, and the syntax errors tree-sitter recovered from.

import type { Diagnostic, Span } from '../../ir/model';
import type { Node } from './syntaxNode';

export { Node, SourceText } from './syntaxNode';
export { copyTree, readsTree } from './copyTree';
import { kerasCall } from './keras';

export interface ClassInfo {
  name: string;
  node: Node;
  /** Base classes as written (`nn.Module`, `PreTrainedModel`). */
  bases: string[];
  methods: Map<string, Node>;
  /** Class-level assignments (dataclass / Flax fields, class attributes), in order. */
  fields: Array<{ name: string; value: Node | null }>;
  decorators: string[];
  /** Base classes defined in the same file, nearest first; their methods and fields are inherited above. */
  parents: ClassInfo[];
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
  resolveInheritance(info);
  return info;
}

/** Gives every class the methods and fields of its same-module bases (again after imports are merged). */
export function resolveInheritance(info: ModuleInfo): void {
  for (const cls of info.classes.values()) inherit(cls, info.classes, new Set());
}

/** Which class defines each method node (inherited methods keep their defining class, for `super()`). */
const definers = new WeakMap<Node, ClassInfo>();

export function definerOf(method: Node): ClassInfo | null {
  return definers.get(method) ?? null;
}

/**
 * Copies the methods and fields of same-file base classes that a class does not define itself, in
 * Python's order for single inheritance (the nearest base first), so a subclass that keeps its base's
 * forward is read with it. Library bases (`nn.Module`) are not in the file and add nothing.
 */
function inherit(cls: ClassInfo, classes: Map<string, ClassInfo>, visiting: Set<ClassInfo>): void {
  if (cls.parents.length > 0 || visiting.has(cls)) return;
  visiting.add(cls);
  for (const base of cls.bases) {
    const parent = classes.get(base.split('.').pop() ?? base);
    if (!parent || parent === cls || visiting.has(parent)) continue;
    inherit(parent, classes, visiting);
    cls.parents.push(parent);
    for (const [name, method] of parent.methods) if (!cls.methods.has(name)) cls.methods.set(name, method);
    const own = new Set(cls.fields.map((f) => f.name));
    cls.fields.unshift(...parent.fields.filter((f) => !own.has(f.name)));
  }
  visiting.delete(cls);
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
  const cls: ClassInfo = { name, node, bases, methods: new Map(), fields: [], decorators, parents: [] };
  for (const statement of named(body)) {
    const { definition, decorators: methodDecorators } = unwrapDecorated(statement);
    if (definition.type === 'function_definition') {
      const methodName = definition.childForFieldName('name')?.text;
      if (methodName && !cls.methods.has(methodName)) {
        cls.methods.set(methodName, definition);
        definers.set(definition, cls);
      }
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

/** The method that computes the module's output: PyTorch's forward, Flax's / plain __call__, Keras's call. */
export function forwardOf(cls: ClassInfo): Node | null {
  return cls.methods.get('forward') ?? cls.methods.get('__call__') ?? kerasCall(cls);
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

/** `self.normalize_before` → `normalize_before`; `config.use_parallel_residual` → `use_parallel_residual`. */
export function flagName(node: Node): string {
  const text = node.text.replace(/\s+/g, ' ').trim();
  if (node.type === 'attribute' || node.type === 'identifier') return text.split('.').pop() ?? text;
  return text;
}
