// The operator algebra of the symbolic interpreter: constant folding, block-index comparisons, and
// the tensor sums and scalings a residual stream is made of.

import { attributeSaysNorm, inferredNorm } from './inferredNorms';
import type { Node } from './syntax';
import type { Value } from './values';
import { dependsOn, isIndexDependent, isTensorOfStream, numberOf, sameKey, truthy } from './values';

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
    // `self.q_norm is not None`: known once the attribute is known (None, or a module).
    if ((op === 'is' || op === 'is not') && b.k === 'none' && (a.k === 'none' || OBJECT_KINDS.has(a.k))) {
      return { k: 'bool', v: (a.k === 'none') === (op === 'is'), text: node.text };
    }
    // `has_attn=(i in self.attn_layers)`: membership picks some blocks out; read the blocks that have the part.
    if ((op === 'in' || op === 'not in') && a.k === 'index') return { k: 'bool', v: op === 'in', text: node.text };
    if (a.k === 'index' || b.k === 'index') {
      return { k: 'indexCmp', op, bound: a.k === 'index' ? y : x, indexOnLeft: a.k === 'index', text: node.text };
    }
    if (op === 'and' || op === 'or') {
      const p = truthy(a);
      const q = truthy(b);
      if (p !== null && q !== null) return { k: 'bool', v: op === 'and' ? p && q : p || q, text: node.text };
      // `self.is_decoder and encoder_hidden_states is not None`: one known operand that is no flag decides it.
      const decides = op === 'and' ? false : true;
      if ((p === decides && !('origin' in a && a.origin)) || (q === decides && !('origin' in b && b.origin))) return { k: 'bool', v: decides, text: node.text };
      // `norm_layer or partial(nn.LayerNorm, eps=1e-6)`: Python's `or` and `and` return an operand.
      // `sa_norm or nn.Identity()` with sa_norm defaulting to None: the block is written for a norm there.
      if (op === 'or' && a.k === 'none' && a.origin && attributeSaysNorm(a.origin) && isPassThrough(b)) {
        return inferredNorm(a.origin, a.origin, node, `${a.origin} defaults to None (an identity) but is the norm the caller passes in`);
      }
      if (op === 'or' && (p === false || (p === null && !OBJECT_KINDS.has(a.k) && OBJECT_KINDS.has(b.k)))) return b;
      // `get_norm_layer(norm_layer) or partial(nn.LayerNorm, …)`: the fallback the file shows beats a guess.
      if (op === 'or' && a.k === 'normModule' && a.inferred && (b.k === 'ref' || b.k === 'classref' || (b.k === 'normModule' && !b.inferred))) return b;
      if (op === 'or' && OBJECT_KINDS.has(a.k)) return a;
      if (op === 'and' && p === true) return b;
    }
  }
  return { k: 'opaque', deps: operands.filter((o) => isTensorOfStream(o) || isIndexDependent(o)), text: node.text.slice(0, 80) };
}

/** Values that are objects (modules, classes, callables, configs): always true in a condition. */
const OBJECT_KINDS: ReadonlySet<Value['k']> = new Set(['instance', 'builtin', 'normModule', 'seq', 'list', 'classref', 'ref', 'funcref', 'config', 'dict']);
const CHOOSABLE: ReadonlySet<Value['k']> = new Set([...OBJECT_KINDS, 'none']);

/**
 * Either side of a condition that cannot be decided. Tensors that differ become explicitly unknown;
 * of two modules, the one that does something (`DropPath(p) if p > 0 else nn.Identity()`) stands for
 * both, since an identity, a dropout or None changes no placement.
 */
export function either(a: Value, b: Value, condition: Node): Value {
  if (sameKey(a, b)) return a;
  if (CHOOSABLE.has(a.k) && CHOOSABLE.has(b.k)) return isPassThrough(a) && !isPassThrough(b) ? b : a;
  return { k: 'opaque', deps: [a, b], text: `depends on \`${condition.text}\` at line ${condition.startPosition.row + 1}` };
}

function isPassThrough(value: Value): boolean {
  if (value.k === 'none') return true;
  if (value.k === 'builtin') return /(^|\.)(Identity|Dropout\w*|DropPath)$/.test(value.className);
  if (value.k === 'ref') return /(^|\.)(Identity|Dropout\w*|DropPath)$/.test(value.name);
  return false;
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
