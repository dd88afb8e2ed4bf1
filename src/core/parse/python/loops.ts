// Loops and comprehensions for the symbolic interpreter: one representative element of an iterable and
// the loop's trip count (a range, a stacked list), which is how a model's depth is read.

import type { Frame, Interpreter } from './interpreter';
import type { Node } from './syntax';
import { named } from './syntax';
import type { Value } from './values';
import { numberOf } from './values';

/** One representative element of an iterable, and the loop's trip count where it is a range or stack. */
export function iterate(interp: Interpreter, iterable: Node, target: Node, frame: Frame): { element: Value; count: Value | null } {
  if (iterable.type === 'call') {
    const fn = iterable.childForFieldName('function')?.text;
    const args = named(iterable.childForFieldName('arguments') ?? iterable).filter((a) => a.type !== 'keyword_argument');
    if (fn === 'range' && args.length > 0) {
      const values = args.map((a) => interp.eval(a, frame));
      let count: Value = values[values.length === 1 ? 0 : 1];
      if (values.length >= 2) {
        const lo = numberOf(values[0]);
        const hi = numberOf(values[1]);
        count = lo !== null && hi !== null ? { k: 'num', v: hi - lo } : { k: 'opaque', deps: [], text: iterable.text };
      }
      return { element: { k: 'index', text: target.text }, count };
    }
    if (fn === 'enumerate' && args.length > 0) {
      const inner = iterate(interp, args[0], target, frame);
      return { element: { k: 'tuple', items: [{ k: 'index', text: target.text }, inner.element] }, count: inner.count };
    }
    if (fn === 'zip') {
      const parts = args.map((a) => iterate(interp, a, target, frame));
      return { element: { k: 'tuple', items: parts.map((p) => p.element) }, count: parts[0]?.count ?? null };
    }
  }
  const value = interp.eval(iterable, frame);
  if (value.k === 'list' || value.k === 'seq' || value.k === 'tuple') {
    const repeat = value.k === 'list' ? value.repeat : null;
    return { element: value.items[0] ?? { k: 'unknown', why: 'empty list' }, count: repeat ? repeat.count : { k: 'num', v: value.items.length } };
  }
  return { element: { k: 'opaque', deps: [], text: `element of ${iterable.text}` }, count: null };
}

/** A comprehension as a list of one representative item, repeated as many times as its loop runs. */
export function comprehension(interp: Interpreter, node: Node, frame: Frame): Value {
  const body = node.childForFieldName('body');
  const clause = named(node).find((c) => c.type === 'for_in_clause');
  if (!body || !clause) return { k: 'unknown', why: node.text };
  const left = clause.childForFieldName('left');
  const right = clause.childForFieldName('right');
  if (!left || !right) return { k: 'unknown', why: node.text };
  const inner: Frame = { env: new Map(frame.env), returned: null };
  const { element, count } = iterate(interp, right, left, inner);
  interp.assign(left, element, inner, node);
  if (count) interp.loopStack.push({ count, node, depth: interp.callStack.length });
  const item = interp.eval(body, inner);
  if (count) interp.loopStack.pop();
  return { k: 'list', items: [item], repeat: { count: count ?? { k: 'opaque', deps: [], text: right.text }, node } };
}
