// A block output computed two ways under a condition the analyzer cannot decide, a runtime value and
// not a flag (gpt-neox's `if mlp_bias == None or (self.num_experts > 1):` around the MLP's residual add,
// an inference fast path): when both ways read as the same residual steps, with the same norms in the
// same places, the condition does not move a norm and either way names the block.

import type { DecomposeResult, Sublayer } from './decompose';
import { isConditionMerge } from './branchChoice';
import type { Value } from './values';

/** Merges nested inside merges are read this deep at most (each level reads both sides). */
const MAX_NESTING = 3;
let nesting = 0;

/** The side of an undecided condition to follow when both sides read the same; null when they differ or one does not read. */
export function agreeingWay(value: Value, read: (side: Value) => DecomposeResult): Value | null {
  if (!isConditionMerge(value) || nesting >= MAX_NESTING) return null;
  nesting++;
  try {
    const readings = value.deps.map(read);
    const keys = readings.map((r) => (r.ok ? r.value.sublayers.map(sublayerKey).join(';') : null));
    return keys[0] !== null && keys.every((k) => k === keys[0]) ? value.deps[0] : null;
  } finally {
    nesting--;
  }
}

function sublayerKey(s: Sublayer): string {
  const names = (norms: Array<{ norm: { name: string } }>): string => norms.map((n) => n.norm.name).sort().join(',');
  return `${s.kind}:${s.placement}:${names(s.inputNorms)}|${names(s.outputNorms)}|${s.sumNorm?.norm.name ?? ''}`;
}
