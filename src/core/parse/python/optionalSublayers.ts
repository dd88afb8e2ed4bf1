// Flags that only switch an optional sublayer on or off (`if self.cross_attn is not None:` around a
// cross-attention with its own norm, Equinox/haliax `if self.encoder_attn:`): the other sublayers keep
// their placement under both values, so the flag is not a placement switch. The arm that adds the
// sublayer is re-read with the presence checks nested inside it (`if self.cross_attn_ln:`) taken as
// well, since a sublayer's own norm is built with it; when the added sublayer then reads as the others
// do, the block keeps its one placement.

import type { BlockRun, FoundBlock } from './blocks';
import { blockPlacement } from './blocks';
import type { FlagSeen } from './interpreter';

/** Sublayers as kind:name:placement, in order. */
function rows(run: BlockRun): string[] {
  return run.result.ok ? run.result.value.sublayers.map((s) => `${s.kind}:${s.name}:${s.placement}`) : [];
}

/** Whether `longer` is `shorter` with sublayers inserted (same order, same placements for the shared ones). */
function addsSublayers(longer: string[], shorter: string[]): boolean {
  if (longer.length <= shorter.length) return false;
  let at = 0;
  for (const row of longer) if (at < shorter.length && row === shorter[at]) at++;
  return at === shorter.length;
}

export type OptionalReading = { kind: 'same'; note: string } | { kind: 'unread'; note: string } | null;

/**
 * Reads a flag whose two values differ in sublayers: `same` when one value only adds sublayers and,
 * read with its nested presence checks, the block has one placement either way; `unread` when one value
 * only adds a sublayer the analyzer cannot place; null when the flag moves a norm (a real switch).
 */
export function optionalSublayerFlag(found: FoundBlock, flag: FlagSeen, whenTrue: BlockRun, whenFalse: BlockRun): OptionalReading {
  if (!whenTrue.result.ok || !whenFalse.result.ok) return null;
  const [withIt, without, value] = addsSublayers(rows(whenTrue), rows(whenFalse)) ? [whenTrue, whenFalse, true] : addsSublayers(rows(whenFalse), rows(whenTrue)) ? [whenFalse, whenTrue, false] : [null, null, null];
  if (!withIt || !without || value === null || !without.result.ok) return null;
  const base = blockPlacement(without.result.value).placement;
  if (base === 'unknown' || base === 'conditional' || base === 'mixed') return null;
  // Presence checks met only inside the added arm (the sublayer's own norm), taken with it.
  const nested = [...withIt.flags.keys()].filter((name) => name !== flag.name && !without.flags.has(name));
  const reread = nested.length > 0 ? found.rerun(new Map([[flag.name, value], ...nested.map((name): [string, boolean] => [name, true])])) : withIt;
  const added = rows(reread).filter((row) => !rows(without).includes(row)).map((row) => row.split(':').slice(0, 2).join(':'));
  const placement = reread.result.ok ? blockPlacement(reread.result.value).placement : 'unknown';
  if (placement === base) return { kind: 'same', note: `${flag.name} only adds ${added.join(', ')} (${base} either way)` };
  return { kind: 'unread', note: `${flag.name} adds ${added.join(', ') || 'a sublayer'}, which reads ${placement} against ${base} for the rest` };
}
