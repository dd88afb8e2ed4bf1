// A norm wrapper's own learned gain (`self.ln(x) * self.gamma`, gamma an nn.Parameter of that class)
// is the norm's affine weight: the layer-stack reading (layerStacks.ts) folds it into the norm, so the
// wrapped norm reads as a plain norm rather than a norm output scaled by something unknown.

import type { ModuleInfo, Node } from './syntax';
import type { Value } from './values';

/**
 * A norm wrapper's own learned gain is part of the norm: `self.ln(x) * (self.gamma + offset)` with
 * `self.gamma = nn.Parameter(...)` in that class is a LayerNorm with an affine weight, not a scaled
 * norm output (LayerNorm Scaling's 1/√l is a function of the layer index, which such a gain never is).
 */
export function absorbNormGains(module: ModuleInfo, output: Value): Value {
  const memo = new Map<Value, Value>();
  const gains = new Map<Node, boolean>();
  const visit = (v: Value, depth: number): Value => {
    if (depth > 80) return v;
    const known = memo.get(v);
    if (known) return known;
    let out: Value = v;
    switch (v.k) {
      case 'scale': {
        const inner = visit(v.value, depth + 1);
        let gain = gains.get(v.node);
        if (gain === undefined) gains.set(v.node, (gain = inner.k === 'norm' && isLearnedGain(module, v.node, v.text)));
        out = gain ? inner : inner === v.value ? v : { ...v, value: inner };
        break;
      }
      case 'norm': { const arg = visit(v.arg, depth + 1); out = arg === v.arg ? v : { ...v, arg }; break; }
      case 'add': { const terms = v.terms.map((t) => visit(t, depth + 1)); out = terms.every((t, i) => t === v.terms[i]) ? v : { ...v, terms }; break; }
      case 'apply': { const args = v.args.map((t) => visit(t, depth + 1)); out = args.every((t, i) => t === v.args[i]) ? v : { ...v, args }; break; }
      case 'opaque': { const deps = v.deps.map((t) => visit(t, depth + 1)); out = deps.every((t, i) => t === v.deps[i]) ? v : { ...v, deps }; break; }
      case 'tuple': { const items = v.items.map((t) => visit(t, depth + 1)); out = items.every((t, i) => t === v.items[i]) ? v : { ...v, items }; break; }
      default: break;
    }
    memo.set(v, out);
    return out;
  };
  return visit(output, 0);
}

const LAYER_INDEX_WORDS = /\b(?:layer_idx|layer_id|layer_index|layer_num|block_idx|block_id|depth|num_layers|n_layers?)\b/;

/** Whether a scale, written at `node` in some class, multiplies by that class's own nn.Parameter (and constants). */
export function isLearnedGain(module: ModuleInfo, node: Node, factor: string): boolean {
  if (LAYER_INDEX_WORDS.test(factor)) return false;
  let at: Node | null = node.parent;
  for (let guard = 0; at && at.type !== 'class_definition' && guard < 64; guard++) at = at.parent;
  const cls = at ? module.classes.get(at.childForFieldName('name')?.text ?? '') : undefined;
  const init = cls?.methods.get('__init__');
  if (!cls || !init || !/Norm/i.test(cls.name)) return false;
  const attributes = [...factor.matchAll(/\bself\.(\w+)/g)].map((m) => m[1]);
  const parameters = new Set([...init.text.matchAll(/self\.(\w+)\s*=\s*(?:nn\.)?Parameter\(/g)].map((m) => m[1]));
  return attributes.some((a) => parameters.has(a)) && attributes.every((a) => parameters.has(a) || new RegExp(`self\\.${a}\\s*=\\s*\\w+\\s*$`, 'm').test(init.text));
}
