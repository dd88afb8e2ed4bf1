// Whether a model normalises what its stacked blocks produce before the head. Real models write it in
// many ways: `hidden_states = layer_outputs[0]` then `self.norm(hidden_states)` (transformers),
// `h = self.norm(h) if self.norm else h` (torchtitan), `x -= λ·x_backout` before `norm(x)`
// (modded-nanogpt), one norm after two loops chosen by a config value (OLMo), or the norm in the class
// that calls the stacking model (HF ViTModel around ViTEncoder, vit-pytorch's mlp_head). A wrong
// "no final norm" is a confident wrong answer, so "no" is said only when no norm follows the blocks.

import type { ClassInfo, Node } from './syntax';
import type { Value } from './values';

/**
 * Whether a tensor is computed from a stacked block's output (through layout steps, sums, merges,
 * pooling), or from the output of a stacking model (`stackers`) called by the class that owns it.
 */
export function readsBlockOutput(value: Value, stackers: ReadonlySet<ClassInfo> = new Set()): boolean {
  const seen = new Set<Value>();
  const visit = (v: Value, depth: number): boolean => {
    if (depth > 40 || seen.has(v)) return false;
    seen.add(v);
    switch (v.k) {
      case 'apply': return v.module.k === 'block' || (v.module.k === 'instance' && stackers.has(v.module.cls));
      case 'tuple': return v.items.length > 0 && visit(v.items[0], depth + 1);
      case 'opaque': return v.deps.some((d) => visit(d, depth + 1));
      case 'add': return v.terms.some((t) => visit(t, depth + 1));
      case 'scale': return visit(v.value, depth + 1);
      default: return false;
    }
  };
  return visit(value, 0);
}

/** The first position after every `for` loop of a forward that applies a stacked block, or null. */
export function endOfBlockLoops(forward: Node): number | null {
  let end: number | null = null;
  const visit = (n: Node): void => {
    if (n.type === 'for_statement') end = Math.max(end ?? 0, n.endIndex);
    for (const c of n.namedChildren) visit(c);
  };
  visit(forward);
  return end;
}

/**
 * Reads a model forward's norm applications: a norm of a block output is a final norm; a norm written
 * after the stacking loop whose input the analyzer lost (`x -= λ·x_backout`) is one too, by its place.
 */
export function finalNormIn(applied: readonly Value[], forward: Node, stackers: ReadonlySet<ClassInfo> = new Set()): boolean {
  if (applied.some((n) => n.k === 'norm' && readsBlockOutput(n.arg, stackers))) return true;
  const end = endOfBlockLoops(forward);
  return end !== null && applied.some((n) => n.k === 'norm' && n.node.startIndex >= end && n.node.startIndex < forward.endIndex);
}

const CONDITIONAL: ReadonlySet<string> = new Set(['if_statement', 'conditional_expression', 'while_statement', 'try_statement', 'boolean_operator', 'lambda', 'function_definition']);

/** Whether an attribute holds a norm, or a Sequential that starts with one (vit-pytorch's `mlp_head`). */
function holdsNorm(value: Value | undefined): boolean {
  if (!value) return false;
  if (value.k === 'normModule') return !value.batch;
  return value.k === 'seq' && value.items.length > 0 && value.items[0].k === 'normModule' && !value.items[0].batch;
}

/**
 * Read off the source where the interpreter could not run the forward to its end (a `raise` on an
 * argument the analysis does not pass): a call of a norm attribute, or of a function named for a norm
 * when the forward applied one, after `from` (the end of the block loop, or the call of the stacking model).
 */
export function normCalledAfter(forward: Node, from: number, attrs: ReadonlyMap<string, Value>, normSeen: boolean): boolean {
  let found = false;
  const visit = (n: Node): void => {
    // A call under a condition (`if self.final_norm: x = self.ln_f(x)`) is the interpreter's to decide.
    if (found || n.endIndex < from || (n !== forward && CONDITIONAL.has(n.type))) return;
    if (n.type === 'call' && n.startIndex >= from) {
      const callee = n.childForFieldName('function');
      const attr = selfAttribute(n);
      if (attr !== undefined && holdsNorm(attrs.get(attr))) found = true;
      else if (normSeen && callee?.type === 'identifier' && /^(\w+_)?(norm|rms_?norm|layer_?norm|ln_?f?)$/i.test(callee.text)) found = true;
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(forward);
  return found;
}

/** Where a forward calls an attribute holding an instance of `cls` (`self.encoder(…)`), or null. */
export function callOfAttribute(forward: Node, attrs: ReadonlyMap<string, Value>, cls: ClassInfo): number | null {
  let at: number | null = null;
  const visit = (n: Node): void => {
    if (at !== null) return;
    if (n.type === 'call') {
      const attr = selfAttribute(n);
      const held = attr !== undefined ? attrs.get(attr) : undefined;
      if (held?.k === 'instance' && held.cls === cls) { at = n.endIndex; return; }
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(forward);
  return at;
}

/** The attribute a call reads off `self` (`self.norm(x)` → norm), if that is what it calls. */
function selfAttribute(call: Node): string | undefined {
  const callee = call.childForFieldName('function');
  return callee?.type === 'attribute' && callee.childForFieldName('object')?.text === 'self' ? callee.childForFieldName('attribute')?.text : undefined;
}
