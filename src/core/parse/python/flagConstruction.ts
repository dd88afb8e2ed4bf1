// A block re-read with a flag forced (`new_decoder_architecture=True`) needs the modules its
// constructor builds under that value (`if config.new_decoder_architecture: self.ln_attn = ...`): the
// instance the survey built holds only those of the default reading.

import { construct } from './calls';
import type { Interpreter } from './interpreter';
import type { ClassInfo } from './syntax';
import type { Instance } from './values';

/**
 * The built instance with the modules a construction under the forced flags adds (a copy; the survey's
 * instance is left alone). Values the model passed in are kept: only attributes the built instance lacks
 * are taken from the fresh construction. The instance itself when no constructor names a forced flag.
 */
export function withFlagModules(interp: Interpreter, cls: ClassInfo, built: Instance, flagValues: ReadonlyMap<string, boolean>): Instance {
  if (flagValues.size === 0) return built;
  const inits = [cls, ...cls.parents].flatMap((c) => (c.methods.has('__init__') ? [c.methods.get('__init__')!] : []));
  const names = [...flagValues.keys()];
  if (!inits.some((init) => names.some((name) => mentions(init.text, name)))) return built;
  const fresh = construct(interp, cls, { positional: [], keywords: new Map() }, cls.node);
  if (fresh.k !== 'instance') return built;
  const attrs = new Map(built.attrs);
  for (const [name, value] of fresh.attrs) if (!attrs.has(name)) attrs.set(name, value);
  return { ...built, attrs };
}

function mentions(text: string, name: string): boolean {
  const at = text.indexOf(name);
  if (at < 0) return false;
  const before = at === 0 ? '' : text[at - 1];
  const after = text[at + name.length] ?? '';
  return !/\w/.test(before) && !/\w/.test(after);
}
