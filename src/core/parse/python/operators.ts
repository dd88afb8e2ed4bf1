// The operator algebra of the symbolic interpreter: constant folding, block-index comparisons, and
// the tensor sums and scalings a residual stream is made of.

import type { Node } from './syntax';
import type { Value } from './values';
import { dependsOn, isIndexDependent, isTensorOfStream, numberOf, truthy } from './values';

/** Comparisons and boolean operators: constants fold, the block index becomes an index comparison. */
export function compare(op: string, operands: Value[], node: Node): Value {
  if (operands.length === 2) {
    const [a, b] = operands;
    const x = numberOf(a);
    const y = numberOf(b);
    if (x !== null && y !== null && ['<', '<=', '>', '>=', '==', '!='].includes(op)) {
      const v = op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : op === '>=' ? x >= y : op === '==' ? x === y : x !== y;
      return { k: 'bool', v, text: node.text };
    }
    if (a.k === 'index' || b.k === 'index') {
      return { k: 'indexCmp', op, bound: a.k === 'index' ? y : x, indexOnLeft: a.k === 'index', text: node.text };
    }
    if (op === 'and' || op === 'or') {
      const p = truthy(a);
      const q = truthy(b);
      if (p !== null && q !== null) return { k: 'bool', v: op === 'and' ? p && q : p || q, text: node.text };
    }
  }
  return { k: 'opaque', deps: operands.filter((o) => isTensorOfStream(o) || isIndexDependent(o)), text: node.text.slice(0, 80) };
}

/** Arithmetic on constants, and the tensor algebra of residual streams: sums and scalings. */
export function arithmetic(op: string, a: Value, b: Value, node: Node, rightNode: Node): Value {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== null && y !== null && a.k === 'num' && b.k === 'num') {
    const v = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y
      : op === '//' ? Math.floor(x / y) : op === '**' ? x ** y : op === '%' ? x % y : NaN;
    if (!Number.isNaN(v)) return { k: 'num', v, text: node.text };
  }
  if (op === '+' && a.k === 'tuple' && b.k === 'tuple') return { k: 'tuple', items: [...a.items, ...b.items] };
  // `(hidden,) + outputs[1:]` where the rest is unknown still starts with the tensor.
  if (op === '+' && a.k === 'tuple' && !isTensorOfStream(b)) return { k: 'tuple', items: [...a.items, b] };
  if (op === '+' && a.k === 'list' && b.k === 'list') return { k: 'list', items: [...a.items, ...b.items], repeat: a.repeat ?? b.repeat };
  const ta = isTensorOfStream(a);
  const tb = isTensorOfStream(b);
  if (op === '+' && ta && tb) {
    // `x + attn(ln(x)) + mlp(ln(x))` is one sum (parallel); `h = x + attn(x); h + mlp(h)` is two steps.
    const flatA = a.k === 'add' && !dependsOn(b, a);
    const flatB = b.k === 'add' && !dependsOn(a, b);
    const terms = [...(flatA && a.k === 'add' ? a.terms : [a]), ...(flatB && b.k === 'add' ? b.terms : [b])];
    return { k: 'add', terms, node };
  }
  if ((op === '*' || op === '/') && ta !== tb) {
    const [tensor, factor] = ta ? [a, b] : [b, a];
    const factorNode = ta ? rightNode : node.childForFieldName('left') ?? node;
    const written = factorText(factor, factorNode);
    return { k: 'scale', factor, text: op === '/' ? `1 / (${written})` : written, value: tensor, node };
  }
  if (op === '+' && (ta || tb)) {
    // A constant bias added to the stream (`x + self.pos_emb`) leaves the stream term intact.
    return { k: 'add', terms: [a, b], node };
  }
  return { k: 'opaque', deps: [a, b].filter((v) => isTensorOfStream(v) || isIndexDependent(v)), text: node.text.slice(0, 80) };
}

/** How a factor was written where it was defined (`(2 * config.n_layer) ** 0.25`), else at its use. */
function factorText(factor: Value, node: Node): string {
  if ((factor.k === 'num' || factor.k === 'bool') && factor.text) return factor.text;
  if (factor.k === 'opaque' && factor.text) return factor.text;
  // A learned scalar: say how it starts (ReZero's α = 0 is what makes the block the identity at init).
  if (factor.k === 'builtin') return `${node.text} = ${factor.node.text}`;
  return node.text;
}
