// A residual branch computed two ways under a condition the analyzer cannot decide (BLOOM's
// `if self.pretraining_tp > 1 and self.slow_but_exact:` sliced projection versus `self.dense(x)`):
// the placement holds when both ways reach the stream through the same norms; the way that reads as
// a sublayer names it.

import type { Value } from './values';
import { childrenOf, isTensorOfStream, sameKey } from './values';

/** The merge the interpreter makes of an undecided `if` (execIf's `pick`, `either`). */
export function isConditionMerge(value: Value): value is Extract<Value, { k: 'opaque' }> {
  return value.k === 'opaque' && value.deps.length === 2 && value.text.startsWith('depends on');
}

/** The names of every norm on some path from `value` back to `stream` (not past it). */
export function normsOnPath(value: Value, stream: Value): Set<string> {
  const names = new Set<string>();
  const seen = new Set<Value>();
  const visit = (v: Value, depth: number): boolean => {
    if (sameKey(v, stream)) return true;
    if (depth > 60 || seen.has(v)) return false;
    seen.add(v);
    let reaches = false;
    for (const child of childrenOf(v)) if (visit(child, depth + 1)) reaches = true;
    if (reaches && v.k === 'norm') names.add(v.norm.name);
    return reaches;
  };
  visit(value, 0);
  return names;
}

/**
 * Of the two sides of a condition merge, the side to follow: one that `read` understands, when every
 * side that reads the stream does so through the same norms. Null when the sides differ or none reads.
 */
export function agreeingSide<R extends { inputNorms: Array<{ norm: { name: string } }>; outputNorms: Array<{ norm: { name: string } }> }>(
  merge: Extract<Value, { k: 'opaque' }>, stream: Value, read: (side: Value) => { ok: true; value: R } | { ok: false; reason: string },
): Value | null {
  const sides = merge.deps.filter((d) => normsOnPath(d, stream).size > 0 || reachesStream(d, stream));
  // A side that is itself a sum of stream readers (Falcon's `mlp_output += attention_output` under
  // `if new_decoder_architecture or parallel_attn`) changes the block's shape, not just how a sublayer is computed.
  if (sides.length === 0 || sides.some((side) => sumsReaders(side, stream))) return null;
  const readable = sides.map((side) => ({ side, read: read(side) })).find((s) => s.read.ok);
  if (!readable || !readable.read.ok) return null;
  const norms = [...readable.read.value.inputNorms, ...readable.read.value.outputNorms].map((n) => n.norm.name).sort().join(',');
  const same = sides.every((side) => [...normsOnPath(side, stream)].sort().join(',') === norms);
  return same ? readable.side : null;
}

function reachesStream(value: Value, stream: Value): boolean {
  const seen = new Set<Value>();
  const visit = (v: Value, depth: number): boolean => {
    if (sameKey(v, stream)) return true;
    if (depth > 60 || seen.has(v)) return false;
    seen.add(v);
    return childrenOf(v).some((c) => visit(c, depth + 1));
  };
  return visit(value, 0);
}

/** Whether a value, through layout-only steps, is a sum of two or more terms that read this or an earlier stream. */
function sumsReaders(value: Value, stream: Value): boolean {
  let v = value;
  for (let guard = 0; guard < 16; guard++) {
    if (v.k === 'tuple' && v.items.length > 0) v = v.items[0];
    else if (v.k === 'scale') v = v.value;
    else break;
  }
  return v.k === 'add' && v.terms.filter((t) => reachesStream(t, stream) || isTensorOfStream(t)).length > 1;
}
