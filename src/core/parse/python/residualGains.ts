// A residual stream multiplied by a learned gain before the add (NormFormer's residual scaling,
// `residual = torch.mul(self.w_resid, residual)` with `w_resid = nn.Parameter(torch.ones(d))`).
// A gain of ones at initialisation leaves a Pre-LN block Pre-LN: the norm still sits on the sublayer
// input and the stream is never normalised. Any other learned gain (zeros, `init * torch.ones(d)`) or
// a factor that is not a parameter of the block changes what the stream carries, and stays unread.
// Under a norm on the sum, a learned gain is Admin's ω (variants.ts), not read here.

import { arithmetic } from './operators';
import type { Node } from './syntax';
import { named } from './syntax';
import type { Value } from './values';
import { isTensorOfStream } from './values';

const PARAMETER = /(^|\.)Parameter$/;
/** `nn.Parameter(torch.ones(d))`, `Parameter(torch.ones((1, 1, d)), requires_grad=True)`. */
const ONES_PARAMETER = /^(?:\w+\.)*Parameter\(\s*(?:torch\.)?ones\(/;

/** Whether a value is a module's learned parameter (`nn.Parameter(...)`). */
export function isLearnedParameter(value: Value): boolean {
  return value.k === 'builtin' && PARAMETER.test(value.className);
}

/** The gain's source text when a stream term is the stream times a learned gain of ones, else null. */
export function unitLearnedGain(term: Value): string | null {
  if (term.k !== 'scale' || !isLearnedParameter(term.factor)) return null;
  const factor = term.factor as Extract<Value, { k: 'builtin' }>;
  return ONES_PARAMETER.test(factor.node.text) ? factor.node.text.replace(/\s+/g, ' ') : null;
}

/**
 * `torch.mul(gain, x)` / `torch.multiply(x, gain)` on a stream tensor and a learned parameter or a
 * number: the same scaling `gain * x` is. Any other factor (a mask given to forward) stays unread.
 */
export function learnedProduct(last: string, positional: ReadonlyArray<Value>, node: Node): Value | null {
  if (last !== 'mul' && last !== 'multiply') return null;
  const [first, second] = positional;
  if (!first || !second || isTensorOfStream(first) === isTensorOfStream(second)) return null;
  const tensorFirst = isTensorOfStream(first);
  const factor = tensorFirst ? second : first;
  if (!isLearnedParameter(factor) && factor.k !== 'num') return null;
  const factorNode = named(node.childForFieldName('arguments') ?? node)[tensorFirst ? 1 : 0] ?? node;
  return arithmetic('*', tensorFirst ? first : second, factor, node, factorNode);
}
