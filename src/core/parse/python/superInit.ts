// A subclass constructor that converts its own arguments before calling the base's
// (`super().__init__(Config.from_namespace(args))`, fairseq's legacy layers): a converted config the
// analyzer cannot read is, to the base, a config it cannot see, so it is bound the way a missing one is
// and the flags the base reads from it (`self.normalize_before = cfg.encoder.normalize_before`) stay
// flags with the base's own defaults. Attributes the subclass sets after the call still override them.

import type { Arguments } from './calls';
import type { Node } from './syntax';
import { named } from './syntax';
import type { Value } from './values';
import { isTensorOfStream } from './values';

/**
 * The base constructor's arguments with each unreadable value given to a config-like parameter
 * replaced by `unbound(name)`, what the base would see with that parameter not passed.
 */
export function superInitArguments(init: Node, args: Arguments, isConfigName: (name: string) => boolean, unbound: (name: string) => Value): Arguments {
  const names = positionalNames(init);
  let positional: Value[] | null = null;
  args.positional.forEach((value, i) => {
    const name = names[i];
    if (name && isConfigName(name) && unreadable(value)) (positional ??= [...args.positional])[i] = unbound(name);
  });
  let keywords: Map<string, Value> | null = null;
  for (const [name, value] of args.keywords) {
    if (isConfigName(name) && unreadable(value)) (keywords ??= new Map(args.keywords)).set(name, unbound(name));
  }
  return positional || keywords ? { positional: positional ?? args.positional, keywords: keywords ?? args.keywords } : args;
}

/** A value computed by a call the analyzer cannot look into, from no tensor (`Config.from_namespace(args)`). */
function unreadable(value: Value): boolean {
  if (value.k === 'unknown') return true;
  if (value.k === 'opaque') return value.deps.length === 0 || !value.deps.some(isTensorOfStream);
  return value.k === 'builtin' && value.unresolved === true;
}

/** The names of a method's positional parameters after `self`, in order. */
function positionalNames(fn: Node): string[] {
  const out: string[] = [];
  for (const param of named(fn.childForFieldName('parameters') ?? fn)) {
    if (param.type === 'list_splat_pattern' || param.type === 'dictionary_splat_pattern' || param.type === 'keyword_separator') break;
    if (param.type === 'positional_separator') continue;
    const nameNode = param.type === 'identifier' ? param : param.childForFieldName('name') ?? param.namedChild(0);
    out.push(nameNode?.text ?? '');
  }
  return out[0] === 'self' ? out.slice(1) : out;
}
