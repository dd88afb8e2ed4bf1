// Subscripts for the symbolic interpreter: items of tuples, lists and stacks, dict and config entries,
// an imported table's entry (known by the table's name and key), and a sublayer's first output.

import type { Frame, Interpreter } from './interpreter';
import type { Node } from './syntax';
import { named } from './syntax';
import type { Value } from './values';
import { isTensorOfStream, numberOf } from './values';
import { keyedSublayerOutput } from './dictOutputs';

/** `value[index]`, as far as the file fixes it. */
export function subscript(interp: Interpreter, node: Node, frame: Frame): Value {
  const value = interp.eval(node.childForFieldName('value')!, frame);
  const indexNode = node.childForFieldName('subscript');
  const index = indexNode ? interp.eval(indexNode, frame) : { k: 'unknown' as const, why: '' };
  if (indexNode?.type === 'slice') {
    if (value.k === 'tuple') {
      const [start, stop] = sliceBounds(indexNode).map((b) => (b ? numberOf(interp.eval(b, frame)) : null));
      return { k: 'tuple', items: value.items.slice(start ?? 0, stop ?? undefined) };
    }
    // `self.layers[: config.num_hidden_layers]`: the stacked blocks, still the stack.
    if (value.k === 'list' || value.k === 'seq') return value;
    return { k: 'opaque', deps: [], text: node.text.slice(0, 80) };
  }
  if ((value.k === 'tuple' || value.k === 'list' || value.k === 'seq') && index.k === 'num') {
    const at = index.v < 0 ? value.items.length + index.v : index.v;
    return value.items[at] ?? (value.k === 'list' && value.repeat ? value.items[0] : undefined) ?? { k: 'unknown', why: node.text };
  }
  if (value.k === 'list') return value.items[0] ?? { k: 'unknown', why: node.text };
  // An imported table (`NORM_REGISTRY[name]`): an entry of it, known by the table's name.
  if (value.k === 'ref') return { k: 'ref', name: `${value.name}[${index.k === 'str' ? index.v : ''}]` };
  if (value.k === 'dict' && index.k === 'str') return value.entries.get(index.v) ?? { k: 'unknown', why: node.text };
  if (value.k === 'config' && index.k === 'str') return value.fields.get(index.v) ?? { k: 'param', name: index.v };
  // `self.attn(x)[0]`: the sublayer's first output is the tensor.
  if (value.k === 'apply' && index.k === 'num' && index.v === 0) return value;
  // `self.attn(x)["hidden_states"]`: a dict-returning sublayer's main output, picked by its key.
  const keyed = index.k === 'str' ? keyedSublayerOutput(value, index.v) : null;
  if (keyed) return keyed;
  if (isTensorOfStream(value)) return { k: 'opaque', deps: index.k === 'num' ? [] : [value], text: node.text.slice(0, 80) };
  return { k: 'opaque', deps: [], text: node.text.slice(0, 80) };
}

/** A slice's start and stop expressions as written (`[:2]` has no start, `[1:]` no stop). */
function sliceBounds(slice: Node): [Node | null, Node | null] {
  // The copied tree keeps no `:` tokens: find the colons outside brackets in the slice's text.
  const colons: number[] = [];
  let depth = 0;
  const text = slice.text;
  for (let i = 0; i < text.length && colons.length < 2; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ':' && depth === 0) colons.push(slice.startIndex + i);
  }
  const first = colons[0] ?? Infinity;
  const second = colons[1] ?? Infinity;
  const parts = named(slice);
  return [parts.find((p) => p.startIndex < first) ?? null, parts.find((p) => p.startIndex > first && p.startIndex < second) ?? null];
}
