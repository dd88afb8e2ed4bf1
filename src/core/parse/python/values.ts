// The symbolic values the Python interpreter computes: tensors as the expression that produced them,
// module objects as what constructed them, and constants where the source fixes them.

import type { NormType } from '../../ir/model';
import { attributeSaysNorm, inferredNorm } from './inferredNorms';
import type { ClassInfo, Node } from './syntax';

/** A norm module (or functional norm), as defined; `node` is where it is defined. */
export interface NormModule {
  k: 'normModule';
  className: string;
  type: NormType;
  /** Attribute name once assigned (`ln_1`); the class or function name before that. */
  name: string;
  node: Node;
  /** BatchNorm / GroupNorm: normalises, but over the batch or channels, not the residual stream. */
  batch?: boolean;
  /** The width it was constructed for, where the source fixes it. */
  width?: number | null;
  /** Set when the class could not be seen and the name says norm: what the inference rests on. */
  inferred?: string;
  /** Set when `type` is only a guess from a name that is not a class's (normTypeEvidence.ts): why. */
  undecided?: string;
}

/** A same-file class instance: its attributes as its constructor (or Flax fields/setup) left them. */
export interface Instance {
  k: 'instance';
  cls: ClassInfo;
  name: string;
  attrs: Map<string, Value>;
  node: Node;
  id: number;
}

/** A library module we do not look inside (`nn.Linear`, `nn.MultiheadAttention`, `nn.SelfAttention`). */
export interface Builtin {
  k: 'builtin';
  className: string;
  name: string;
  node: Node;
  args: Value[];
  kwargs: ReadonlyMap<string, Value>;
  id: number;
  /** Set for a module the analyzer cannot see (an argument, an unresolved builder's result). */
  unresolved?: boolean;
}

export type Value =
  /** The tensor whose residual flow is followed (the block's input). */
  | { k: 'stream'; id: number }
  | { k: 'num'; v: number; text?: string; origin?: string }
  | { k: 'bool'; v: boolean; text?: string; origin?: string }
  | { k: 'str'; v: string; origin?: string }
  | { k: 'none'; origin?: string }
  /** A value we do not model, with what it was computed from. */
  | { k: 'opaque'; deps: Value[]; text: string; unresolved?: boolean }
  /** A sum of tensors (nested sums are flattened). */
  | { k: 'add'; terms: Value[]; node: Node }
  /** value × factor where the factor does not depend on any tensor we follow. */
  | { k: 'scale'; factor: Value; text: string; value: Value; node: Node }
  | { k: 'norm'; norm: NormModule; arg: Value; node: Node }
  /** A module applied to tensors; `module` says which; `site` is the call in the caller's code when it was inlined. */
  | { k: 'apply'; module: Instance | Builtin | { k: 'block'; cls: ClassInfo; name: string }; args: Value[]; node: Node; site?: Node }
  | { k: 'tuple'; items: Value[] }
  | NormModule
  | Instance
  | Builtin
  | { k: 'seq'; items: Value[]; name: string; node: Node; id: number }
  /** nn.ModuleList / a Python list of modules; `repeat` when built by a comprehension or a loop. */
  | { k: 'list'; items: Value[]; repeat: { count: Value; node: Node } | null }
  | { k: 'dict'; entries: Map<string, Value> }
  /** A configuration object: a same-file config class's fields, or an unresolved parameter. */
  | { k: 'config'; cls: ClassInfo | null; fields: Map<string, Value>; name: string }
  /** A dotted library name (`nn.LayerNorm`, `F.gelu`, `torch.rsqrt`). */
  | { k: 'ref'; name: string }
  | { k: 'classref'; cls: ClassInfo }
  /** `closure`: the enclosing frame's names, for a `def` inside a method (closures.ts). */
  | { k: 'funcref'; fn: Node; name: string; self?: Instance; closure?: Map<string, Value> }
  /** A `lambda` expression: its node and the scope it was written in (see lambdas.ts). */
  | { k: 'lambda'; node: Node; env: Map<string, Value>; id: number }
  /** The block index inside a stacking comprehension or loop (Mix-LN decides per index). */
  | { k: 'index'; text: string }
  /** A comparison of the block index with a bound (`layer_idx < n_post`). */
  | { k: 'indexCmp'; op: string; bound: number | null; indexOnLeft: boolean; text: string }
  /** A parameter with no value we can know (a forward argument, a constructor argument not passed). */
  | { k: 'param'; name: string; unseen?: boolean; annotation?: string }
  | { k: 'unknown'; why: string };

let nextId = 1;
export function freshId(): number {
  return nextId++;
}

const keyCache = new WeakMap<object, string>();

/** A structural identity for tensors: two values with the same key compute the same thing. */
export function keyOf(value: Value): string {
  const cached = keyCache.get(value);
  if (cached !== undefined) return cached;
  let key: string;
  switch (value.k) {
    case 'stream': key = `s${value.id}`; break;
    case 'num': key = `n${value.v}`; break;
    case 'bool': key = `b${value.v}`; break;
    case 'str': key = `t${value.v}`; break;
    case 'none': key = 'None'; break;
    case 'opaque': key = `o(${value.text}|${value.deps.map(keyOf).join(',')})`; break;
    case 'add': key = `+(${value.terms.map(keyOf).sort().join(',')})`; break;
    case 'scale': key = `*(${value.text},${keyOf(value.value)})`; break;
    case 'norm': key = `N${value.norm.node.startIndex}(${keyOf(value.arg)})`; break;
    case 'apply': key = `A${moduleKey(value.module)}(${value.args.map(keyOf).join(',')})`; break;
    case 'tuple': key = `(${value.items.map(keyOf).join(',')})`; break;
    case 'instance': case 'builtin': key = `m${value.id}`; break;
    case 'normModule': key = `M${value.node.startIndex}`; break;
    case 'param': key = `p${value.name}`; break;
    case 'index': key = `i${value.text}`; break;
    case 'indexCmp': key = `ic${value.text}`; break;
    case 'ref': key = `r${value.name}`; break;
    case 'lambda': key = `L${value.id}`; break;
    default: key = `?${value.k}`;
  }
  keyCache.set(value, key);
  return key;
}

/**
 * Whether two values have the same key, without building keys that cannot match. Keys are fixed once a
 * value exists (nothing a key reads is mutated), and their first characters tell kinds apart except
 * within {instance, builtin} (`m<id>`, one numbering) and {index, indexCmp} (`i…` and `ic…` can meet).
 */
export function sameKey(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a.k !== b.k && keySpace(a.k) !== keySpace(b.k)) return false;
  return keyOf(a) === keyOf(b);
}

function keySpace(kind: Value['k']): string {
  if (kind === 'instance' || kind === 'builtin') return 'm';
  if (kind === 'index' || kind === 'indexCmp') return 'i';
  return kind;
}

function moduleKey(module: Instance | Builtin | { k: 'block'; cls: ClassInfo; name: string }): string {
  return module.k === 'block' ? `B${module.name}` : `m${module.id}`;
}

/** Whether `value` is computed from `target` (by key); stops at module objects and constants. */
export function dependsOn(value: Value, target: Value): boolean {
  return dependsOnValue(value, target, new Set());
}

function dependsOnValue(value: Value, target: Value, seen: Set<Value>): boolean {
  if (seen.has(value)) return false;
  seen.add(value);
  if (sameKey(value, target)) return true;
  for (const child of childrenOf(value)) if (dependsOnValue(child, target, seen)) return true;
  return false;
}

/** The tensor-valued children of a value, in evaluation order. */
export function childrenOf(value: Value): Value[] {
  switch (value.k) {
    case 'opaque': return value.deps;
    case 'add': return value.terms;
    case 'scale': return [value.value];
    case 'norm': return [value.arg];
    case 'apply': return value.args;
    case 'tuple': return value.items;
    default: return [];
  }
}

/** Whether a value is a tensor computed from some stream (as opposed to a constant or a module). */
export function isTensorOfStream(value: Value): boolean {
  if (value.k === 'stream') return true;
  return childrenOf(value).some(isTensorOfStream);
}

/** Whether a value carries a block index (so a branch on it differs per layer). */
export function isIndexDependent(value: Value): boolean {
  if (value.k === 'index' || value.k === 'indexCmp') return true;
  if (value.k === 'opaque') return value.deps.some(isIndexDependent);
  return false;
}

/** First item of a tuple-returning call (`out, w = attn(x)`, `attn(x)[0]`): the tensor itself. */
export function firstOf(value: Value): Value {
  return value.k === 'tuple' && value.items.length > 0 ? value.items[0] : value;
}

export function truthy(value: Value): boolean | null {
  switch (value.k) {
    case 'bool': return value.v;
    case 'num': return value.v !== 0;
    case 'str': return value.v !== '';
    case 'none': return false;
    default: return null;
  }
}

export function numberOf(value: Value | undefined): number | null {
  if (!value) return null;
  if (value.k === 'num') return value.v;
  if (value.k === 'bool') return value.v ? 1 : 0;
  return null;
}

/** A module assigned to an attribute is named by that attribute from then on (`self.ln_1 = …` → `ln_1`). */
export function nameModule(value: Value, name: string, statement: Node): Value {
  if (value.k === 'normModule') return { ...value, name, node: statement };
  if (value.k === 'instance' || value.k === 'builtin') { value.name = name; return value; }
  if (value.k === 'seq') return { ...value, name };
  // A module we cannot see (an argument, an unresolved builder's result) stored under a norm's name.
  if ((value.k === 'param' || (value.k === 'opaque' && value.deps.length === 0 && value.text.includes('('))) && attributeSaysNorm(name)) {
    const built = value.k === 'param' ? `the argument ${value.name}` : `\`${value.text}\``;
    return inferredNorm(value.k === 'param' ? value.name : value.text.split('(')[0], name, statement, `${name} is built from ${built}, which the analyzer cannot see; its name says norm`);
  }
  // `self.mlp = make_mlp(args)`: a module from a builder the analyzer cannot see, named by its attribute.
  if (value.k === 'opaque' && value.deps.length === 0 && value.text.includes('(')) {
    return { k: 'builtin', className: value.text.split('(')[0], name, node: statement, args: [], kwargs: new Map(), id: freshId(), unresolved: true };
  }
  return value;
}
