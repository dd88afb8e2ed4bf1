// Blocks whose residual stream is not their first argument (timm's class-attention block
// `forward(self, x, x_cls)` adds to and returns `x_cls`, its attention reading `cat(x_cls, x)`): each
// tensor argument is given a stream of its own, and the one the output carries through residual adds is
// the block's stream. A norm over a concatenation holding the stream still normalises that branch's
// input, since a branch is followed through what it reads of the stream. When two arguments are both
// carried into the output unchanged, which one is the stream is not clear: unknown, naming both.

import type { DecomposeResult } from './decompose';
import { decompose } from './decompose';
import { mainOutput } from './dictOutputs';
import type { Node } from './syntax';
import { named } from './syntax';
import type { Value } from './values';
import { freshId, sameKey } from './values';

/** More required arguments than this and the forward is not a block's (nor worth a run per argument). */
const MAX_ARGUMENTS = 4;

/**
 * Reads a forward again with every required argument a stream of its own, after the reading with the
 * first argument as the stream failed. Returns the reading on the one later argument that works, an
 * unknown naming the arguments when two are carried into the output, or null to keep the first reading.
 */
export function readOtherStreams(forward: Node, run: (positional: Value[]) => Value, afterLayers?: (node: Node, arg: Value) => boolean): DecomposeResult | null {
  const names = requiredArguments(forward);
  if (names.length < 2 || names.length > MAX_ARGUMENTS) return null;
  const streams: Value[] = names.map(() => ({ k: 'stream', id: freshId() }));
  const output = run(streams);
  const readings = streams.map((stream) => decompose(output, stream, afterLayers));
  const working = names.filter((_, i) => readings[i].ok);
  // Every output counts here (a two-stream block returning `(ctx, x)`), not only the first.
  const main = mainOutput(output);
  const outputs = main.k === 'tuple' ? main.items : [main];
  const carried = names.filter((_, i) => outputs.some((o) => carriesUnchanged(o, streams[i], 0)));
  if (working.length > 1 || carried.length > 1) {
    const both = carried.length > 1 ? carried : working;
    return { ok: false, reason: `the arguments ${both.map((n) => `\`${n}\``).join(' and ')} are each carried through residual adds into the block output: which one is the residual stream is not clear` };
  }
  if (working.length !== 1 || working[0] === names[0]) return null;
  const reading = readings[names.indexOf(working[0])];
  if (!reading.ok) return null;
  const [first, ...rest] = reading.value.sublayers;
  const note = `; the residual stream is the argument \`${working[0]}\`, not the first`;
  return { ok: true, value: { ...reading.value, sublayers: [{ ...first, reason: first.reason + note }, ...rest] } };
}

/** The forward's arguments after `self` that have no default (`x, x_cls`), up to `*` or `**`. */
function requiredArguments(forward: Node): string[] {
  const out: string[] = [];
  const params = named(forward.childForFieldName('parameters') ?? forward);
  for (const [i, param] of params.entries()) {
    if (param.type === 'list_splat_pattern' || param.type === 'dictionary_splat_pattern' || param.type === 'keyword_separator') break;
    const name = param.type === 'identifier' ? param.text : param.type === 'typed_parameter' ? param.namedChild(0)?.text ?? '' : '';
    if (!name) continue;
    if (i === 0 && (name === 'self' || name === 'cls')) continue;
    out.push(name);
  }
  return out;
}

/** Whether a value is the stream, or a residual sum (possibly normalised, Post-LN) with a term that carries it. */
function carriesUnchanged(value: Value, stream: Value, depth: number): boolean {
  if (depth > 32) return false;
  if (sameKey(value, stream)) return true;
  if (value.k === 'scale') return carriesUnchanged(value.value, stream, depth + 1);
  if (value.k === 'norm' && value.arg.k === 'add') return carriesUnchanged(value.arg, stream, depth + 1);
  return value.k === 'add' && value.terms.some((t) => carriesUnchanged(t, stream, depth + 1));
}
