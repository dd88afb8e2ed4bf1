// Small readings of statements the interpreter needs: a skip path that returns the block input, an
// in-place add that rebinds its tensor, and whether a class has a base whose constructor is out of sight.

import type { Frame } from './interpreter';
import type { ClassInfo, Node } from './syntax';
import type { Value } from './values';

/** A base class neither in the file nor a library root: its constructor may set what the file never does. */
export function hasUnseenBase(cls: ClassInfo): boolean {
  return cls.bases.some((b) => !cls.parents.some((p) => p.name === b.split('.').pop()) && !/(^|\.)(Module|object|Layer|Model|ABC|Generic\b.*)$/.test(b));
}

export function returnsStream(block: Node, frame: Frame): boolean {
  const only = block.namedChildren.length === 1 ? block.namedChildren[0] : null;
  const value = only?.type === 'return_statement' ? only.namedChild(0) : null;
  return value?.type === 'identifier' && frame.env.get(value.text)?.k === 'stream';
}

/** A branch whose last statement raises (`if attn.pos_embeddings is not None: raise ...`): never a way through. */
export function endsInRaise(block: Node): boolean {
  const children = block.namedChildren.filter((c) => c.type !== 'comment');
  return children.length > 0 && children[children.length - 1].type === 'raise_statement';
}

/** `x.add_(h)` as a statement changes x: the name now holds the sum. */
export function rebindInPlace(call: Node, value: Value, frame: Frame): void {
  const fn = call.type === 'call' ? call.childForFieldName('function') : null;
  const target = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
  if (target?.type === 'identifier' && fn!.childForFieldName('attribute')?.text === 'add_' && value.k === 'add') frame.env.set(target.text, value);
}
