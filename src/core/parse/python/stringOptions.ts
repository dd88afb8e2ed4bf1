// String-valued options compared as constants: `norm_placement == "sandwich"`, `mode in ("pre", "post")`.
// A string that came in through a parameter keeps the parameter's name on the result, so a branch on
// it is a flag the block may depend on, as a boolean parameter is.

import type { Node } from './syntax';
import type { Value } from './values';

/** The comparison of a string with a string or a tuple of strings; null for anything else. */
export function stringOption(op: string, a: Value, b: Value, node: Node): Value | null {
  const [subject, other] = a.k === 'str' ? [a, b] : b.k === 'str' && (op === '==' || op === '!=') ? [b, a] : [null, null];
  if (!subject || subject.k !== 'str' || !other) return null;
  const origin = subject.origin ?? (other.k === 'str' ? other.origin : undefined);
  if ((op === '==' || op === '!=') && other.k === 'str') {
    return { k: 'bool', v: (subject.v === other.v) === (op === '=='), text: node.text, origin };
  }
  if ((op === 'in' || op === 'not in') && (other.k === 'tuple' || other.k === 'list') && other.items.length > 0 && other.items.every((i) => i.k === 'str')) {
    const member = other.items.some((i) => i.k === 'str' && i.v === subject.v);
    return { k: 'bool', v: member === (op === 'in'), text: node.text, origin };
  }
  return null;
}
