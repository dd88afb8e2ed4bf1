// `getattr(cfg, "scale_resids", False)` and helpers of that shape (fairseq's `utils.safe_getattr`): a
// config field read with the default the code falls back to. A field the config shows wins; else the
// fallback stands for the value, marked as coming from that field so a branch on it is a flag with
// that default (NormFormer's optional extras are off unless the config turns them on).

import type { Arguments } from './calls';
import { withOrigin } from './configs';
import type { Value } from './values';

const GETTERS: ReadonlySet<string> = new Set(['getattr', 'safe_getattr']);
/** Owners whose fields are configuration: a config object, or a parameter whose fields we cannot see. */
const CONFIG_OWNERS: ReadonlySet<Value['k']> = new Set(['config', 'param']);

/** What a `getattr(config, "name", default)` call reads, or null when the call is not one. */
export function configFieldRead(last: string, args: Arguments): Value | null {
  if (!GETTERS.has(last)) return null;
  const [owner, key, fallback] = args.positional;
  if (!owner || key?.k !== 'str' || !fallback || !CONFIG_OWNERS.has(owner.k)) return null;
  const known = owner.k === 'config' ? owner.fields.get(key.v) : undefined;
  return known ?? withOrigin(fallback, key.v);
}
