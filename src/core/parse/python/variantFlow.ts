// A small dataflow over one class's source for the dilution-cure recognisers (variants.ts): which
// expression a local name or a `self.` attribute was last given (in the method, then in __init__ or
// register_buffer), expanded a few levels deep, and which calls in a method normalise a tensor.
// It reads syntax only; nothing is executed.

import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { forwardOf, named } from './syntax';

const MAX_DEPTH = 6;

/** Every descendant of `node` (itself included), depth first, with a bound so a huge body cannot stall us. */
export function descendants(node: Node, limit = 20_000): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [node];
  while (stack.length > 0 && out.length < limit) {
    const next = stack.pop()!;
    out.push(next);
    const kids = next.namedChildren;
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}

/** `self.name` → `name`; anything else → null. */
export function selfAttribute(node: Node | null): string | null {
  if (node?.type !== 'attribute') return null;
  const object = node.childForFieldName('object');
  const attribute = node.childForFieldName('attribute');
  return object?.text === 'self' && attribute ? attribute.text : null;
}

/** The callee of a call as written (`self.norm`, `F.normalize`, `unit`), or null when `node` is not a call. */
export function calleeText(node: Node): string | null {
  if (node.type !== 'call') return null;
  return node.childForFieldName('function')?.text ?? null;
}

export function callArguments(node: Node): Node[] {
  const args = node.childForFieldName('arguments');
  return args ? named(args).filter((a) => a.type !== 'comment') : [];
}

/** Assignments `name = value` (and `self.name = value`) in a function body, in source order. */
export function assignmentsIn(fn: Node): Array<{ target: string; value: Node; node: Node }> {
  const out: Array<{ target: string; value: Node; node: Node }> = [];
  for (const node of descendants(fn)) {
    if (node.type === 'call' && /(?:^|\.)register_buffer$/.test(calleeText(node) ?? '')) {
      // self.register_buffer("name", value) reads as self.name = value.
      const [key, value] = callArguments(node);
      const name = key?.type === 'string' ? key.text.replace(/^[rbuf]*["']+|["']+$/gi, '') : null;
      if (name && value) out.push({ target: `self.${name}`, value, node });
      continue;
    }
    if (node.type !== 'assignment' && node.type !== 'augmented_assignment') continue;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) continue;
    if (left.type === 'identifier' || left.type === 'attribute') out.push({ target: left.text, value: right, node });
  }
  return out;
}

/** The classes `cls` inherits from in this file, nearest first (for __init__ and forward lookups). */
export function lineage(module: ModuleInfo, cls: ClassInfo): ClassInfo[] {
  const out: ClassInfo[] = [cls];
  for (let i = 0; i < out.length && out.length < 8; i++) {
    for (const base of out[i].bases) {
      const parent = module.classes.get(base.split('.').pop() ?? base);
      if (parent && !out.includes(parent)) out.push(parent);
    }
  }
  return out;
}

export function methodOf(module: ModuleInfo, cls: ClassInfo, name: string): Node | null {
  for (const c of lineage(module, cls)) {
    const method = name === 'forward' ? forwardOf(c) : c.methods.get(name);
    if (method) return method;
  }
  return null;
}

/** Where names get their values for one method: its own locals, then __init__'s, then self attributes of the lineage. */
export class Bindings {
  private readonly values = new Map<string, Node[]>();
  private readonly source: string;

  constructor(module: ModuleInfo, cls: ClassInfo, method: Node | null) {
    this.source = module.source;
    const inits = lineage(module, cls).map((c) => c.methods.get('__init__')).filter((m): m is Node => m !== undefined);
    // Parents first, so a subclass's assignment is the one kept last.
    for (const fn of [...inits].reverse()) for (const a of assignmentsIn(fn)) this.add(a.target, a.value);
    if (method) for (const a of assignmentsIn(method)) this.add(a.target, a.value);
    for (const [name, value] of moduleConstants(module)) if (!this.values.has(name)) this.add(name, value);
  }

  private add(name: string, value: Node): void {
    this.values.set(name, [...(this.values.get(name) ?? []), value]);
  }

  /** Every value a name (`x`, `self.scale`) was given, latest last. */
  valuesOf(name: string): Node[] {
    return this.values.get(name) ?? [];
  }

  /**
   * The text of `node` with names replaced by what they were given, a few levels deep. A name given
   * several values expands to the last one; a name given itself (`x = x + y`) is not expanded again.
   */
  expand(node: Node, depth = 0, seen: Set<string> = new Set()): string {
    if (depth > MAX_DEPTH) return node.text;
    const name = node.type === 'identifier' || selfAttribute(node) !== null ? node.text : null;
    if (name !== null) {
      const values = this.valuesOf(name);
      if (values.length === 0 || seen.has(name)) return node.text;
      return `(${this.expand(values[values.length - 1], depth + 1, new Set([...seen, name]))})`;
    }
    const kids = node.namedChildren;
    if (kids.length === 0) return node.text;
    let text = '';
    let at = node.startIndex;
    for (const kid of kids) {
      text += this.source.slice(at, kid.startIndex) + this.expand(kid, depth + 1, seen);
      at = kid.endIndex;
    }
    return text + this.source.slice(at, node.endIndex);
  }
}

/** Module-level `NAME = value` assignments. */
function moduleConstants(module: ModuleInfo): Array<[string, Node]> {
  const out: Array<[string, Node]> = [];
  for (const statement of named(module.root)) {
    const assignment = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (left?.type === 'identifier' && right) out.push([left.text, right]);
  }
  return out;
}

/** A body that divides by its own L2 norm, or calls F.normalize: `x / x.norm(p=2, dim=-1, keepdim=True)`. */
const L2_BODY = /\/\s*[\w.]+\.norm\(|F\.normalize\(|functional\.normalize\(|l2_normalize\(/;
const L2_NAME = /^(?:F\.normalize|torch\.nn\.functional\.normalize|l2_normalize|l2norm|justnorm|unit|normalize)$/;

/** Functions and methods of this file that normalise onto the unit sphere, by name (`unit`, `self.justnorm`). */
export function sphereNormalisers(module: ModuleInfo, cls: ClassInfo): Set<string> {
  const out = new Set<string>(['F.normalize', 'l2_normalize', 'torch.nn.functional.normalize']);
  for (const [name, fn] of module.functions) if (L2_BODY.test(fn.text)) out.add(name);
  for (const c of lineage(module, cls)) {
    for (const [name, fn] of c.methods) if (name !== 'forward' && L2_BODY.test(fn.text)) out.add(`self.${name}`);
  }
  return out;
}

/** Whether `node` (after expansion through `bindings`) is a call to a sphere normaliser. */
export function isSphereNormalised(node: Node, normalisers: Set<string>, bindings: Bindings): boolean {
  const callee = calleeText(node);
  if (callee && (normalisers.has(callee) || L2_NAME.test(callee.split('.').pop() ?? ''))) return true;
  if (node.type === 'binary_operator' && node.childForFieldName('operator')?.text === '/' && /\.norm\(/.test(node.childForFieldName('right')?.text ?? '')) return true;
  if (node.type === 'identifier') {
    const values = bindings.valuesOf(node.text);
    const last = values[values.length - 1];
    return last !== undefined && last !== node && isSphereNormalised(last, normalisers, bindings);
  }
  return false;
}
