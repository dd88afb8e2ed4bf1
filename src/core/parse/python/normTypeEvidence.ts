// Which norm TYPE a norm recognised by its name alone may state. A class name states it (`nn.LayerNorm`,
// `LlamaRMSNorm`, `hnn.RmsNorm`), and so does a string naming the kind (`build_norm('rmsnorm')`, a
// registry key). An attribute (`input_layernorm` holds an RMSNorm in many files), an argument or a
// builder function (`config.mk_LayerNorm(...)` that returns an RmsNorm) does not: its type stays
// undecided unless the file says more — a class-level field annotation (`post_attention_layernorm:
// hnn.RmsNorm`, as Equinox and dataclass modules declare their parts) or the builder's own definition
// (its return annotation, or the class it returns).

import type { NormType } from '../../ir/model';
import { hasUnseenBase } from './statementIdioms';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import type { Value } from './values';

const TYPED = /rms|layer_?norm|(^|[._])ln(_|\d|$)/i;

/** The type a text names, or null when it names none (`Norm`, `get_norm`). */
export function statedType(text: string): NormType | null {
  if (/rms/i.test(text)) return 'rmsnorm';
  if (/layer_?norm/i.test(text)) return 'layernorm';
  return null;
}

/**
 * Whether a dotted name states its norm type as a class does: the last part is Capitalised
 * (`nn.LayerNorm`, `LlamaRMSNorm`) or a registry key names the kind (`NORMS['rmsnorm']`).
 */
export function nameStatesType(name: string): boolean {
  const key = /\[([^\]]*)\]$/.exec(name);
  if (key && TYPED.test(key[1])) return true;
  const last = name.replace(/\[[^\]]*\]$/, '').split('.').pop() ?? '';
  return /^_?[A-Z]/.test(last) && statedType(last) !== null;
}

/** The class-level annotation of `attr` in `cls` or a same-file base (`norm1: hnn.RmsNorm`), as text. */
export function fieldAnnotation(cls: ClassInfo, attr: string): string | null {
  for (const owner of [cls, ...cls.parents]) {
    const body = owner.node.childForFieldName('body');
    for (const statement of body?.namedChildren ?? []) {
      const assignment = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
      if (assignment?.type !== 'assignment') continue;
      const annotation = assignment.childForFieldName('type');
      if (annotation && assignment.childForFieldName('left')?.text === attr) return annotation.text;
    }
  }
  return null;
}

/** The type a field annotation states (`hnn.RmsNorm`, `Optional[nn.LayerNorm]`), or null. */
export function annotatedType(annotation: string | null): NormType | null {
  if (!annotation) return null;
  const classes = annotation.match(/[A-Za-z_][\w.]*/g) ?? [];
  const types = new Set(classes.filter(nameStatesType).map((c) => statedType(c)!));
  return types.size === 1 ? [...types][0] : null;
}

/** Every `def name` in the file: module-level functions and methods of every class. */
function definitionsOf(module: ModuleInfo, name: string): Node[] {
  const out: Node[] = [];
  const fn = module.functions.get(name);
  if (fn) out.push(fn);
  for (const cls of module.classes.values()) {
    const method = cls.methods.get(name);
    if (method && !out.includes(method)) out.push(method);
  }
  return out;
}

/** What one definition of a builder says it builds: its return annotation, else a class it returns by name. */
function typeOfDefinition(module: ModuleInfo, fn: Node, depth: number): NormType | null {
  const annotated = annotatedType(fn.childForFieldName('return_type')?.text ?? null);
  if (annotated) return annotated;
  const returns: string[] = [];
  const visit = (n: Node): void => {
    if (n.type === 'function_definition' && n !== fn) return;
    if (n.type === 'return_statement' && n.namedChild(0)) returns.push(n.namedChild(0)!.text);
    for (const c of n.namedChildren) visit(c);
  };
  visit(fn);
  const types = new Set<NormType | null>();
  for (const text of returns) {
    const called = /^([\w.]+)\s*\(/.exec(text)?.[1] ?? text;
    if (nameStatesType(called)) { types.add(statedType(called)); continue; }
    // `return self.norm_config.build(axis)`: the property or method the builder leans on, one level down.
    const leaned = depth > 0 ? /(?:^|\.)(\w+)\.\w+\s*\(/.exec(text)?.[1] : undefined;
    types.add(leaned ? resolveBuilderType(module, leaned, depth - 1) : null);
  }
  return types.size === 1 ? [...types][0] : null;
}

/**
 * The type a builder called by `name` (`config.mk_LayerNorm`, `make_norm`) builds, from its definition
 * in this file; null when it is not defined here or its definitions do not agree.
 */
export function resolveBuilderType(module: ModuleInfo, name: string, depth = 2): NormType | null {
  const last = name.replace(/\[[^\]]*\]$/, '').split('.').pop() ?? '';
  const definitions = definitionsOf(module, last);
  if (definitions.length === 0) return null;
  const types = new Set(definitions.map((fn) => typeOfDefinition(module, fn, depth)));
  return types.size === 1 ? [...types][0] : null;
}

/** An attribute no constructor here set: a parameter, marked unseen when a base class elsewhere may set it, with its field annotation. */
export function unseenAttribute(cls: ClassInfo, name: string): Value {
  if (!hasUnseenBase(cls)) return { k: 'param', name, unseen: false };
  const annotation = fieldAnnotation(cls, name);
  return annotation ? { k: 'param', name, unseen: true, annotation } : { k: 'param', name, unseen: true };
}
