// The last resort of the block scan: when nothing in a file reads as a block, a class that holds a norm,
// an attention and an MLP part is still reported, as `unknown` with the reason its forward gives, so the
// user learns which construct was not followed instead of "no transformer block found". Blocks whose
// residual is added outside them in a way the analyzer does not follow (a wrapper that adds no input,
// a stack it cannot find) or by a helper it cannot read end here. Never a classified placement: a reading that looked
// fine is turned into `unknown` too, since the class's own forward shows no residual add we understood.

import type { DecomposeResult } from './decompose';
import type { ClassInfo } from './syntax';
import type { Instance, Value } from './values';

/** Names a block's parts go by; the class name must not say it is one part (an attention, an MLP). */
const ATTENTION = /attn|attention|mixer/i;
const MLP = /mlp|ffn|feed_?forward|(^|_)ff(_|\b)|fc|dense|intermediate|swiglu|down_proj/i;
const NORM = /norm|(^|_)ln(_|\d|$)/i;
const PART_CLASS = /attention|attn|mlp|feed_?forward|ffn|norm|embedding/i;

/** Whether an instance holds a norm, an attention part and an MLP part (attribute or class names). */
export function holdsBlockParts(instance: Instance): boolean {
  const parts = partNames(instance, true);
  return parts.some((p) => NORM.test(p)) && parts.some((p) => ATTENTION.test(p)) && parts.some((p) => MLP.test(p));
}

/** `attribute ClassName` for each module an instance holds (list items one by one); norms only when asked. */
export function partNames(instance: Instance, withNorms: boolean): string[] {
  const named = (key: string, value: Value): string[] => {
    if (value.k === 'list') return value.items.flatMap((item) => named(key, item));
    if (value.k === 'instance') return [`${key} ${value.cls.name}`];
    if (value.k === 'builtin') return [`${key} ${value.className}`];
    if (value.k === 'seq') return [key];
    if (value.k === 'normModule' && withNorms) return value.batch ? [] : [`${key} norm`];
    return [];
  };
  return [...instance.attrs.entries()].flatMap(([key, value]) => named(key, value));
}

/** The classes to report as unknown: block-like, not a part by name, and none holding another of them. */
export function lookalikeClasses(classes: readonly ClassInfo[], instanceOf: (cls: ClassInfo) => Instance | null, holds: (outer: ClassInfo, inner: ClassInfo) => boolean): ClassInfo[] {
  const found = classes.filter((cls) => {
    const instance = instanceOf(cls);
    return instance !== null && !PART_CLASS.test(cls.name) && holdsBlockParts(instance);
  });
  // The innermost: a model that holds a block-like class is not itself reported.
  return found.filter((cls) => !found.some((other) => other !== cls && holds(cls, other)));
}

/** A reading of a look-alike that is always `unknown`, with the forward's own reason where it gave one. */
export function unknownReading(cls: ClassInfo, result: DecomposeResult): DecomposeResult {
  if (!result.ok) return result;
  return { ok: false, reason: `${cls.name} holds a norm, an attention and an MLP, but its forward adds no sublayer output to its input that could be followed (the residual may be added outside it, by a wrapper or the model's loop, or inside a fused helper)` };
}
