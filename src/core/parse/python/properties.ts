// `@property` getters read as attributes (`if not self.use_combined_forward:`): the getter's body is run
// on the instance, as Python does, so a switch computed from constructor state is decided like one.

import { invoke } from './calls';
import type { Interpreter } from './interpreter';
import type { Node } from './syntax';
import { named } from './syntax';
import type { Instance, Value } from './values';

const PROPERTY = /^(?:property|(?:functools\.)?cached_property)$/;

/** Getters running now: a property that reads itself (directly or not) is not run again. */
const running = new Set<Node>();

export function isProperty(fn: Node): boolean {
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : null;
  return decorated !== null && named(decorated).some((d) => d.type === 'decorator' && PROPERTY.test(d.text.slice(1).trim()));
}

/** The value a property getter returns on `owner`; null when `fn` is no property or is already running. */
export function readProperty(interp: Interpreter, fn: Node, owner: Instance): Value | null {
  if (!isProperty(fn) || running.has(fn) || running.size > 8) return null;
  running.add(fn);
  try {
    return invoke(interp, fn, owner, { positional: [], keywords: new Map() });
  } finally {
    running.delete(fn);
  }
}
