// Sublayer modules that normalise their own input first (vit-pytorch's `Attention.forward`:
// `x = self.norm(x)`, then q/k/v, softmax and the output projection). The norm is not on the result's
// spine (the path back runs through matmuls), so the module would read as one opaque sublayer with no
// norm, and `x = attn(x) + x` as a residual without one. When every path from the module's result back
// to its input passes through one norm applied to that input, the module is that norm followed by an
// opaque sublayer: the caller sees `F(N(x))`, as if the norm had been written outside.

import type { Value } from './values';
import { childrenOf, sameKey } from './values';

type NormValue = Extract<Value, { k: 'norm' }>;

const MAX_VISITS = 4000;

/** The one norm of `input` that every path from `result` back to `input` goes through; null when there is none or a path bypasses it. */
export function leadingNorm(result: Value, input: Value): NormValue | null {
  const found = new Set<NormValue>();
  const seen = new Set<Value>();
  let bypassed = false;
  let reachedAny = false;
  const visit = (v: Value): void => {
    if (bypassed || seen.has(v) || seen.size > MAX_VISITS) return;
    seen.add(v);
    if (sameKey(v, input)) { bypassed = true; return; }
    if (v.k === 'norm' && sameKey(v.arg, input)) { found.add(v); reachedAny = true; return; }
    for (const child of childrenOf(v)) visit(child);
  };
  visit(result);
  if (bypassed || !reachedAny || seen.size > MAX_VISITS || found.size !== 1) return null;
  const [norm] = found;
  // The result must be a computation on the norm, not the norm itself (that is a norm module).
  return norm === result ? null : norm;
}
