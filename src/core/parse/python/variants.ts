// Recognises the cures for Pre-LN dilution (DESIGN.md's second table) from the dataflow of a block's
// forward, after the placement pass: LayerNorm Scaling (a norm output times a 1/√l of the layer index),
// nGPT (a step between unit-sphere tensors, normalised again), Admin (a Post-LN sum whose residual is
// scaled by ω, learned or constant), ResiDual (a Post-LN stream beside an un-normalised dual stream),
// and, in variantsDepth.ts, DenseFormer, Attention Residuals and hyper-connections. A block that matches
// none keeps the placement it had: the cures never overwrite pre, post, sandwich or the others.

import type { BlockIR, DilutionCure, NormType, VariantIR } from '../../ir/model';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { lineOf, spanOf } from './syntax';
import { Bindings, callArguments, calleeText, descendants, isSphereNormalised, methodOf, selfAttribute, sphereNormalisers } from './variantFlow';
import { HYPER_HELPER, depthCure, hyperCure } from './variantsDepth';

export interface Cure {
  placement: DilutionCure;
  variant: VariantIR;
  reason: string;
  /** The construct that showed the cure, where one expression did (to find a flag that guards it). */
  at?: Node;
  /** The norm type the construct applies, read from the norm module's constructor, for blocks reported without one. */
  norm?: NormType | null;
}

/** `self.input_norm` built as `RMSNorm(dim)` → rmsnorm; `nn.LayerNorm(d)` → layernorm; otherwise null. */
function normTypeOf(call: Node, bindings: Bindings): NormType | null {
  const callee = call.type === 'call' ? call.childForFieldName('function') : null;
  const values = callee ? bindings.valuesOf(callee.text) : [];
  const built = values.length > 0 ? calleeText(values[values.length - 1]) ?? '' : '';
  return /rms/i.test(built) ? 'rmsnorm' : /layer_?norm/i.test(built) ? 'layernorm' : null;
}

/** A call that applies one of the block's norm modules: `self.input_norm(x)`, `self.attention_norm(h)`. */
function isNormCall(node: Node | null): boolean {
  if (!node) return false;
  const callee = calleeText(node);
  return callee !== null && /^self\.\w*(?:norm|ln)\w*$/i.test(callee);
}

const SQRT = /\bsqrt\(|\brsqrt\(|\*\*\s*\(?\s*-?\s*0?\.5\b|\*\*\s*\(?\s*-?\s*1\s*\/\s*2/;
const LAYER_INDEX = /\b(?:layer_idx|layer_id|layer_index|layer_num|block_idx|block_id|block_index|depth|layer|idx|l)\b/;

/** LayerNorm Scaling: `norm(x) * s` with s a square root of the layer index (through locals, __init__ and buffers). */
function layerNormScaling(module: ModuleInfo, cls: ClassInfo): Cure | null {
  const forward = methodOf(module, cls, 'forward');
  if (!forward) return null;
  const bindings = new Bindings(module, cls, forward);
  for (const node of descendants(forward)) {
    if (node.type !== 'binary_operator' || !['*', '/'].includes(node.childForFieldName('operator')?.text ?? '')) continue;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) continue;
    const normCall = (side: Node): Node | null => (isNormCall(side) ? side : side.type === 'identifier' ? lastAssignedBefore(forward, side.text, node.startIndex) : null);
    const leftNorm = normCall(left);
    const rightNorm = node.childForFieldName('operator')?.text === '*' ? normCall(right) : null;
    const applied = isNormCall(leftNorm) ? leftNorm : isNormCall(rightNorm) ? rightNorm : null;
    const other = applied === leftNorm ? right : applied === rightNorm ? left : null;
    if (!applied || !other) continue;
    const expanded = bindings.expand(other);
    if (!SQRT.test(expanded)) continue;
    const written = definingText(other, bindings);
    // The cure is the dependence on depth: a norm output times a constant 1/√d is not LayerNorm Scaling.
    const layerDependent = LAYER_INDEX.test(expanded.replace(/\bself\.\w+/g, ''));
    if (!layerDependent) continue;
    return {
      placement: 'layernorm-scaling',
      variant: { scale: { expression: written, layerDependent }, span: spanOf(node) },
      at: node,
      norm: normTypeOf(applied, bindings),
      reason: `the norm output is scaled by ${written}, a function of the layer index (line ${lineOf(node)}): LayerNorm Scaling`,
    };
  }
  return null;
}

/** What `name` was last assigned in `fn` before `offset` (`h = self.input_norm(h)` then `h = s * h`). */
function lastAssignedBefore(fn: Node, name: string, offset: number): Node | null {
  let value: Node | null = null;
  for (const a of descendants(fn)) {
    if (a.type === 'assignment' && a.endIndex <= offset && a.childForFieldName('left')?.text === name) value = a.childForFieldName('right');
  }
  return value;
}

/** The expression that holds the square root, followed back through the names that carry it. */
function definingText(node: Node, bindings: Bindings): string {
  let current = node;
  for (let step = 0; step < 6; step++) {
    if (SQRT.test(current.text)) return current.text;
    const name = descendants(current).find((n) => (n.type === 'identifier' || selfAttribute(n) !== null) && bindings.valuesOf(n.text).length > 0);
    if (!name) return node.text;
    const values = bindings.valuesOf(name.text);
    current = values[values.length - 1];
  }
  return node.text;
}

/** nGPT: `unit(h + α·(unit(F(h)) − h))` or `unit(torch.lerp(h, unit(F(h)), α))`. */
function normalisedStep(module: ModuleInfo, cls: ClassInfo): Cure | null {
  const forward = methodOf(module, cls, 'forward');
  if (!forward) return null;
  const bindings = new Bindings(module, cls, forward);
  const normalisers = sphereNormalisers(module, cls);
  for (const node of descendants(forward)) {
    if (node.type !== 'call' || !isSphereNormalised(node, normalisers, bindings)) continue;
    const inner = unwrap(resolveOnce(callArguments(node)[0] ?? null, bindings));
    const alpha = inner ? stepSize(inner, normalisers, bindings) : null;
    if (alpha === null) continue;
    return {
      placement: 'ngpt',
      variant: { alpha, span: spanOf(node) },
      at: node,
      reason: `the stream is renormalised after a step of ${alpha} toward the normalised sublayer output (line ${lineOf(node)}): nGPT`,
    };
  }
  return null;
}

function unwrap(node: Node | null): Node | null {
  let current = node;
  while (current?.type === 'parenthesized_expression') current = current.namedChild(0);
  return current;
}

function resolveOnce(node: Node | null, bindings: Bindings): Node | null {
  if (node?.type !== 'identifier') return node;
  const values = bindings.valuesOf(node.text);
  return values[values.length - 1] ?? node;
}

/** α of `torch.lerp(a, b, α)` or of `a + α * (b - a)` when b is on the unit sphere; null otherwise. */
function stepSize(node: Node, normalisers: Set<string>, bindings: Bindings): string | null {
  if (/(?:^|\.)lerp$/.test(calleeText(node) ?? '')) {
    const [, towards, weight] = callArguments(node);
    return towards && weight && isSphereNormalised(unwrap(towards)!, normalisers, bindings) ? weight.text : null;
  }
  if (node.type !== 'binary_operator' || node.childForFieldName('operator')?.text !== '+') return null;
  for (const side of [node.childForFieldName('right'), node.childForFieldName('left')]) {
    const product = unwrap(resolveOnce(side, bindings));
    if (product?.type !== 'binary_operator' || product.childForFieldName('operator')?.text !== '*') continue;
    const factors = [product.childForFieldName('left'), product.childForFieldName('right')].map(unwrap);
    for (let i = 0; i < 2; i++) {
      const difference = factors[i];
      if (difference?.type !== 'binary_operator' || difference.childForFieldName('operator')?.text !== '-') continue;
      const towards = unwrap(difference.childForFieldName('left'));
      if (towards && isSphereNormalised(towards, normalisers, bindings)) return factors[1 - i]?.text ?? null;
    }
  }
  return null;
}

/** Admin: what the placement pass read as DeepNorm's α is a learned ω, or a constant named for it, not (2L)^¼. */
function adminScale(block: BlockIR): Cure | null {
  if (block.placement !== 'deepnorm') return null;
  const alpha = block.deepnormAlpha ?? '';
  const learned = /\bParameter\(/.test(alpha);
  const named = /omega|ratio|admin/i.test(alpha) && !/\b(?:num_layers|n_layers|n_layer|layers|depth)\b/.test(alpha);
  if (!learned && !named) return null;
  return {
    placement: 'admin',
    variant: { omega: learned ? 'learned' : 'constant', span: block.span },
    reason: `Post-LN whose residual is scaled by ω = ${alpha} (${learned ? 'a learned parameter' : 'a constant'}), not by DeepNorm's (2L)^¼: Admin`,
  };
}

/** ResiDual: the block returns a Post-LN stream and a dual stream that only accumulates the same sublayer outputs. */
function dualStream(module: ModuleInfo, cls: ClassInfo): Cure | null {
  const forward = methodOf(module, cls, 'forward');
  if (!forward) return null;
  // A returned pair of names, at the top of a return or nested in one (`return (x, res), fc_result`).
  const pairs = descendants(forward).filter((n) => ['expression_list', 'tuple'].includes(n.type) && n.parent !== null && /return_statement|expression_list|tuple|parenthesized_expression/.test(n.parent.type))
    .filter((n) => n.namedChildren.length === 2 && n.namedChildren.every((c) => c.type === 'identifier'));
  const returned = pairs[0];
  if (!returned) return null;
  const names = returned.namedChildren.map((c) => c.text);
  const assignments = descendants(forward).filter((n) => n.type === 'assignment' || n.type === 'augmented_assignment');
  for (const [dual, post] of [[names[1], names[0]], [names[0], names[1]]]) {
    const terms = assignments.flatMap((a) => {
      if (a.childForFieldName('left')?.text !== dual) return [];
      const right = a.childForFieldName('right');
      if (a.type === 'augmented_assignment') return right ? [right.text] : [];
      if (right?.type !== 'binary_operator' || right.childForFieldName('operator')?.text !== '+') return [];
      const sides = [right.childForFieldName('left')?.text, right.childForFieldName('right')?.text];
      return sides.includes(dual) ? [sides.find((s) => s !== dual) ?? ''] : [];
    });
    // The same sublayer output feeds both streams: a name of the dual's term appears in the Post-LN sum.
    const termNames = terms.flatMap((t) => (t.replace(/\bself\.[\w.]+/g, '').match(/\b[A-Za-z_]\w*\b/g) ?? []));
    const normed = assignments.some((a) => {
      const right = a.childForFieldName('right');
      return a.childForFieldName('left')?.text === post && right !== null && isNormCall(right) && termNames.some((n) => new RegExp(`\\b${n}\\b`).test(callArguments(right)[0]?.text ?? ''));
    });
    if (terms.length > 0 && normed) {
      return { placement: 'residual', variant: { span: spanOf(returned) }, reason: `${cls.name} returns a Post-LN stream (${post}) and a dual stream (${dual}) that accumulates the same sublayer outputs un-normalised: ResiDual` };
    }
  }
  return null;
}

/** The cure a class's own code shows, most specific first. */
function classCure(module: ModuleInfo, cls: ClassInfo, block: BlockIR | null): Cure | null {
  const model = block?.model ? module.classes.get(block.model.name) ?? null : stackingModel(module, cls);
  return normalisedStep(module, cls) ?? dualStream(module, cls) ?? layerNormScaling(module, cls) ?? (block ? adminScale(block) : null) ?? hyperCure(module, cls) ?? depthCure(module, cls, model);
}

/** The class whose __init__ builds `cls` in a loop or comprehension (the model), when the placement pass found none. */
function stackingModel(module: ModuleInfo, cls: ClassInfo): ClassInfo | null {
  const built = new RegExp(`\\b${cls.name}\\(`);
  for (const other of module.classes.values()) {
    const init = other.methods.get('__init__');
    if (other !== cls && init && built.test(init.text) && /\bfor\b/.test(init.text)) return other;
  }
  return null;
}

function withCure(module: ModuleInfo, cls: ClassInfo, block: BlockIR, cure: Cure): BlockIR {
  const guard = cure.at ? flagGuard(module, cls, cure.at) : null;
  if (guard) return guardedCure(block, cure, guard);
  // A block already conditional on a flag that does not guard the cure is left as the placement pass read it.
  if (block.placement === 'conditional') return block;
  const sublayers = block.sublayers.map((s) => ({ ...s, placement: cure.placement, reason: cure.reason }));
  const norm = cure.placement === 'ngpt' ? 'other' : block.norm ?? cure.norm ?? null;
  return { ...block, placement: cure.placement, reason: cure.reason, sublayers, norm, variant: cure.variant, deepnormAlpha: null, flag: null, mixed: null };
}

interface Guard {
  /** The flag (`use_scaling`), or the whole condition when it is not a plain name (`norm_type == 'LNS'`). */
  name: string;
  branch: 'True' | 'False';
  default: boolean | number | string | null;
  /** A plain flag name, whose other reading is the block's own placement. */
  simple: boolean;
}

/** The innermost `if`/`elif` in forward around `at`, its condition, and the branch `at` is in. */
function flagGuard(module: ModuleInfo, cls: ClassInfo, at: Node): Guard | null {
  const forward = methodOf(module, cls, 'forward');
  if (!forward) return null;
  const around = descendants(forward).filter((n) => (n.type === 'if_statement' || n.type === 'elif_clause') && n.startIndex <= at.startIndex && at.endIndex <= n.endIndex);
  const innermost = around[around.length - 1];
  if (!innermost) return null;
  const inside = (n: Node | null): boolean => n !== null && n.startIndex <= at.startIndex && at.endIndex <= n.endIndex;
  const consequence = innermost.childForFieldName('consequence');
  const inElse = innermost.type === 'if_statement' && innermost.childrenForFieldName('alternative').some((a) => a.type === 'else_clause' && inside(a));
  if (!inside(consequence) && !inElse) return null;
  const condition = unwrap(innermost.childForFieldName('condition'));
  if (!condition) return null;
  const negated = condition.type === 'not_operator';
  const subject = unwrap(negated ? condition.childForFieldName('argument') : condition);
  const simpleName = subject && (subject.type === 'identifier' || selfAttribute(subject) !== null) ? subject.text.replace(/^self\./, '') : null;
  const branch = inside(consequence) !== (negated && simpleName !== null) ? 'True' : 'False';
  if (simpleName) return { name: simpleName, branch, default: flagDefault(module, cls, simpleName), simple: true };
  return { name: condition.text.replace(/\s+/g, ' '), branch: inside(consequence) ? 'True' : 'False', default: null, simple: false };
}

/** The default of the __init__ parameter that `self.<name>` is set from (or of the parameter itself). */
function flagDefault(module: ModuleInfo, cls: ClassInfo, name: string): boolean | number | string | null {
  const init = methodOf(module, cls, '__init__');
  if (!init) return null;
  const assigned = descendants(init).find((n) => n.type === 'assignment' && n.childForFieldName('left')?.text === `self.${name}`);
  const parameter = assigned?.childForFieldName('right')?.type === 'identifier' ? assigned.childForFieldName('right')!.text : name;
  const declared = descendants(init.childForFieldName('parameters') ?? init).find((n) => ['default_parameter', 'typed_default_parameter'].includes(n.type) && n.childForFieldName('name')?.text === parameter);
  const value = declared?.childForFieldName('value')?.text;
  if (value === undefined) return null;
  if (value === 'True' || value === 'False') return value === 'True';
  if (/^-?\d+(?:\.\d+)?$/.test(value)) return Number(value);
  return /^["'].*["']$/.test(value) ? value.slice(1, -1) : value;
}

/** A cure under a flag: `conditional`, the cure for the guarded value and what the block was otherwise. */
function guardedCure(block: BlockIR, cure: Cure, guard: Guard): BlockIR {
  const other = guard.branch === 'True' ? 'False' : 'True';
  const sameFlag = block.flag !== null && block.flag.name.replace(/^self\./, '') === guard.name;
  // The other reading is the block's own placement only when that placement is known and the flag is a plain name.
  const otherKnown = guard.simple && block.placement !== 'unknown' && block.placement !== 'conditional';
  const placements: Record<string, BlockIR['placement']> = sameFlag ? { ...block.flag!.placements, [guard.branch]: cure.placement } : otherKnown ? { [guard.branch]: cure.placement, [other]: block.placement } : { [guard.branch]: cure.placement };
  const reason = `${cure.reason} when ${guard.name} is ${guard.branch}${placements[other] ? `; ${placements[other]} otherwise` : ''}`;
  return {
    ...block, placement: 'conditional', reason, variant: cure.variant, deepnormAlpha: null, norm: block.norm ?? cure.norm ?? null,
    sublayers: block.sublayers.map((s) => ({ ...s, placement: 'conditional', reason })),
    flag: { name: guard.name, default: sameFlag ? block.flag!.default : guard.default, placements },
  };
}

/** A class the placement pass did not report, shown for its cure when it looks like a block (stacked, or named so). */
function newBlock(module: ModuleInfo, cls: ClassInfo, cure: Cure): BlockIR {
  const model = stackingModel(module, cls);
  return {
    name: cls.name, line: lineOf(cls.node), span: spanOf(cls.node), placement: cure.placement, reason: cure.reason, sublayers: [],
    norm: cure.placement === 'ngpt' ? 'other' : cure.norm ?? null, finalNorm: null, layers: null, dModel: null, heads: null, flag: null,
    model: model ? { name: model.name, span: spanOf(model.node) } : null, normDefinitions: [], normUses: [], variant: cure.variant,
  };
}

/**
 * Re-reads every reported block for a dilution cure, and reports the classes that are one but that the
 * placement pass could not classify or did not find. Never throws: a failure leaves the blocks as they were.
 */
export function applyDilutionCures(module: ModuleInfo, blocks: BlockIR[]): BlockIR[] {
  try {
    const reported = new Set(blocks.map((b) => b.name));
    const out = blocks.map((block) => {
      const cls = module.classes.get(block.name);
      const cure = cls ? classCure(module, cls, block) : null;
      return cure && cls ? withCure(module, cls, block, cure) : block;
    });
    for (const cls of module.classes.values()) {
      if (reported.has(cls.name)) continue;
      // A model whose own loop wraps each branch with a hyper-connection helper is read as one block, like a loop body.
      const library = hyperCure(module, cls);
      if (library && HYPER_HELPER.test(cls.methods.get('__init__')?.text ?? '')) {
        out.push(newBlock(module, cls, library));
        continue;
      }
      const looksLikeBlock = /Block|Layer/.test(cls.name) && !/Norm$/.test(cls.name) && (stackingModel(module, cls) !== null || /(?:Block|Layer)$/.test(cls.name));
      if (!looksLikeBlock) continue;
      // Only the cures a class shows by itself: a depth-mixing one belongs to blocks the placement pass found.
      const cure = normalisedStep(module, cls) ?? dualStream(module, cls) ?? layerNormScaling(module, cls) ?? hyperCure(module, cls);
      if (!cure) continue;
      const guard = cure.at ? flagGuard(module, cls, cure.at) : null;
      out.push(guard ? guardedCure({ ...newBlock(module, cls, cure), placement: 'unknown' }, cure, guard) : newBlock(module, cls, cure));
    }
    return out;
  } catch {
    return blocks;
  }
}
