// Branches of one residual step that read the stream from before an earlier step: OLMo-core's hybrid
// MoE block adds `moe(N(x))` to `h + mlp(N(h))` where `h = x + attn(N(x))`. Such a branch is read from
// the earlier point it reads; it is not parallel to the step's own branches, which read another tensor.

import type { BranchRead } from './decompose';
import { dependsOnValue, readBranch } from './decompose';
import type { Value } from './values';

export type StepRead = BranchRead & { earlier: boolean };

/**
 * Reads each branch from the step's stream, or, for a branch that does not read it at all, from the
 * latest earlier stream point it reads (`earlier`, newest first). The first failure is returned.
 */
export function readBranches(branches: Value[], stream: Value, earlier: Value[]): { ok: true; value: StepRead[] } | { ok: false; reason: string } {
  const out: StepRead[] = [];
  for (const branch of branches) {
    const read = readBranch(branch, stream);
    if (read.ok) { out.push({ ...read.value, earlier: false }); continue; }
    const before = dependsOnValue(branch, stream) ? undefined : earlier.find((point) => dependsOnValue(branch, point));
    const again = before ? readBranch(branch, before) : null;
    if (!again?.ok) return read;
    out.push({ ...again.value, earlier: true });
  }
  return { ok: true, value: out };
}
