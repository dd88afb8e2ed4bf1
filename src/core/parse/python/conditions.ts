// Conditions made of several flags (`config.new_decoder_architecture or config.parallel_attn`): each
// side is decided as the interpreter decides a one-flag condition, so each flag is recorded and can be
// explored, and the result short-circuits as Python's does.

import type { Frame, Interpreter } from './interpreter';
import type { Node } from './syntax';

/** Only conditions whose sides are flags or constants: anything else (tensors, calls) stays undecided. */
const FLAG_SIDE = new Set(['attribute', 'identifier', 'not_operator', 'parenthesized_expression', 'boolean_operator', 'true', 'false', 'none', 'integer']);

/** `a or b` / `a and b` decided side by side; null when a side is not a flag the interpreter can decide. */
export function decideJoinedFlags(interp: Interpreter, node: Node, frame: Frame): boolean | 'both' | null {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const operator = node.childForFieldName('operator')?.type;
  if (!left || !right || (operator !== 'or' && operator !== 'and')) return null;
  if (!isFlagSide(left) || !isFlagSide(right)) return null;
  const first = interp.decide(left, frame);
  if (first === 'both') return null;
  // Short-circuit: the right side is not read when the left decides (and its flag is not met).
  if (operator === 'or' && first) return true;
  if (operator === 'and' && !first) return false;
  const second = interp.decide(right, frame);
  return second === 'both' ? null : second;
}

function isFlagSide(node: Node): boolean {
  if (!FLAG_SIDE.has(node.type)) return false;
  if (node.type === 'not_operator' || node.type === 'parenthesized_expression') {
    const inner = node.namedChild(0);
    return inner !== null && isFlagSide(inner);
  }
  return true;
}
