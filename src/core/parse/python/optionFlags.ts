// Constructor options that decide whether a norm exists at all: `self.norm1_post = norm_layer(dim) if
// sandwich else nn.Identity()` with `sandwich = norm_placement == "sandwich"`. The forward reads the
// same either way, so the forward's flags never show it; here each value the option is written to take
// is constructed and read, and a block whose placement moves with a placement option is `conditional`,
// keyed by the option's values as written (`pre`, `sandwich`; `True` / `False` for a boolean).

import type { BlockIR, FlagIR, Placement } from '../../ir/model';
import { construct, invoke } from './calls';
import type { FoundBlock } from './blocks';
import { blockPlacement } from './blocks';
import { decompose } from './decompose';
import { Interpreter } from './interpreter';
import type { ModuleInfo, Node } from './syntax';
import { flagName, forwardOf, lineOf, named } from './syntax';
import type { Value } from './values';
import { freshId } from './values';

/** An option the constructor takes, with a literal default. */
interface OptionParameter {
  name: string;
  default: string | boolean;
  /** The values the constructor compares it with (strings), or both booleans. */
  values: Array<string | boolean>;
  line: number;
}

/** A module attribute built as a norm under one reading of a condition and as a pass-through under the other. */
interface OptionalNorm {
  attribute: string;
  condition: Node;
}

// Names that say the argument chooses where norms sit (`norm_placement`, `sandwich_norm`, `post_norm`).
const PLACEMENT_OPTION = /norm|pre_?ln|post_?ln|before|after|first|sandwich|placement|residual/i;
const NORM_CALL = /(?:^|[._])(?:\w*norm\w*|ln\w*|LayerNorm|RMSNorm)$/i;
const PASS_THROUGH = /^(?:(?:nn|torch\.nn)\.)?Identity\(\s*\)$|^None$|^lambda\s+(\w+)\s*:\s*\1$/;
const MAX_OPTIONS = 3;
const MAX_VALUES = 6;

/**
 * The block's report with its placement options read: `conditional` on a string option or a
 * placement-named boolean whose values build different norms; a note in the reason for another
 * boolean that adds a norm off its default (NormFormer's `scale_attn`). The report itself otherwise.
 */
export function withOptionFlags(module: ModuleInfo, found: FoundBlock, block: BlockIR): BlockIR {
  // A block read with a forward flag already says what depends on it; one the survey could not build decided is read here.
  if (block.placement === 'conditional' || block.placement === 'mixed' || block.sublayers.length === 0) return block;
  const { cls } = found;
  const init = cls.methods.get('__init__');
  const forward = forwardOf(cls);
  if (!init || !forward || module.steps.taken > module.steps.limit) return block;
  // The methods as the class has them, inherited ones included (a subclass that keeps its base's forward).
  const optional = optionalNorms(init, [...cls.methods.values()].map((m) => m.text).join('\n'));
  if (optional.length === 0) return block;
  const options = optionParameters(init).filter((option) => optional.some((o) => dependsOn(o.condition, option.name, init)));
  let globals: Map<string, Value> | null = null;
  const fileGlobals = (): Map<string, Value> => {
    if (!globals) {
      const survey = new Interpreter(module);
      survey.runModule();
      globals = survey.globals;
    }
    return globals;
  };
  const readAt = (name: string, value: string | boolean): Placement => {
    const given: Value = typeof value === 'string' ? { k: 'str', v: value } : { k: 'bool', v: value };
    return readWith(module, fileGlobals(), found, new Map([[name, given]])).placement;
  };
  // Conditions no argument with a default decides (`if config.post_norm`, an argument without default).
  const undecided = optional.filter((o) => !options.some((option) => dependsOn(o.condition, option.name, init)));
  for (const { attribute, condition } of undecided.slice(0, MAX_OPTIONS)) {
    const name = flagName(condition);
    const whenTrue = readWith(module, fileGlobals(), found, new Map(), new Map([[name, true]]));
    const whenFalse = readWith(module, fileGlobals(), found, new Map(), new Map([[name, false]]));
    if (whenTrue.placement === whenFalse.placement || whenTrue.conditionDefault !== null) continue;
    const where = `\`${condition.text.slice(0, 60)}\` (line ${lineOf(condition)})`;
    if (PLACEMENT_OPTION.test(name) && whenTrue.placement !== 'unknown' && whenFalse.placement !== 'unknown') {
      const flag: FlagIR = { name, default: null, placements: { True: whenTrue.placement, False: whenFalse.placement } };
      const reason = `depends on ${name} (line ${lineOf(condition)}, no default in this file): ${whenTrue.placement} when true, ${whenFalse.placement} when false`;
      return { ...block, placement: 'conditional', flag, reason, sublayers: block.sublayers.map((s) => ({ ...s, placement: 'conditional', reason })) };
    }
    return { ...block, placement: 'unknown', flag: null, reason: `self.${attribute} is a norm only when ${where}, which this file does not decide (${whenTrue.placement} when it holds, ${whenFalse.placement} otherwise)` };
  }
  for (const option of options.slice(0, MAX_OPTIONS)) {
    const readings = new Map<string, Placement>();
    for (const value of option.values.slice(0, MAX_VALUES)) readings.set(valueText(value), readAt(option.name, value));
    const distinct = new Set(readings.values());
    if (distinct.size <= 1) continue;
    const flag: FlagIR = { name: option.name, default: option.default, placements: Object.fromEntries(readings) };
    const described = [...readings].map(([value, placement]) => `${placement} when ${value}`).join(', ');
    const atDefault = readings.get(valueText(option.default));
    const placementOption = typeof option.default === 'string' || PLACEMENT_OPTION.test(option.name);
    if (!placementOption) {
      // Another switch (NormFormer's `scale_attn`): the block as its defaults build it, and what the switch adds, said.
      if (atDefault === block.placement) block = { ...block, reason: `${block.reason}; at its default ${valueText(option.default)}, ${option.name} (line ${option.line}) leaves out a norm it builds otherwise (${described})` };
      continue;
    }
    // Every value must read; else the norms the option builds or leaves out are not known.
    if (distinct.has('unknown')) {
      return { ...block, placement: 'unknown', flag: null, reason: `norms are built or left out by the constructor option ${option.name} (line ${option.line}: ${described}), and the analyzer could not read every value of it` };
    }
    const reason = `depends on ${option.name} (line ${option.line}, default ${valueText(option.default)}): ${described}`;
    return { ...block, placement: 'conditional', flag, reason, sublayers: block.sublayers.map((s) => ({ ...s, placement: 'conditional', reason })) };
  }
  return block;
}

function valueText(value: string | boolean): string {
  return typeof value === 'boolean' ? (value ? 'True' : 'False') : value;
}

/** What one construction of the block reads as, and the default the file gives a forced condition (null: none). */
interface Reading { placement: Placement; conditionDefault: boolean | number | string | null }

/** Constructs the block with one option given (or one condition forced) and reads its forward. */
function readWith(module: ModuleInfo, globals: Map<string, Value>, found: FoundBlock, keywords: Map<string, Value>, flagValues: Map<string, boolean> = new Map()): Reading {
  const unread: Reading = { placement: 'unknown', conditionDefault: null };
  try {
    const interp = new Interpreter(module, { globals, flagValues });
    interp.decideStrings = true;
    const instance = construct(interp, found.cls, { positional: [], keywords }, found.cls.node);
    const forward = forwardOf(found.cls);
    if (instance.k !== 'instance' || !forward) return unread;
    const forced = [...flagValues.keys()][0];
    const conditionDefault = forced !== undefined ? interp.flagsSeen.get(forced)?.default ?? null : null;
    const stream: Value = { k: 'stream', id: freshId() };
    const output = invoke(interp, forward, instance, { positional: [stream], keywords: new Map() });
    if (interp.exhausted) return unread;
    const result = decompose(output, stream);
    return { placement: result.ok ? blockPlacement(result.value).placement : 'unknown', conditionDefault };
  } catch {
    return unread;
  }
}

/** `self.x = NORM if c else nn.Identity()` and `if c: self.x = NORM else: self.x = None`, where x is applied. */
function optionalNorms(init: Node, methodsText: string): OptionalNorm[] {
  const out: OptionalNorm[] = [];
  const applied = (attribute: string) => methodsText.includes(`self.${attribute}(`);
  visit(init, (node) => {
    if (node.type === 'assignment') {
      const attribute = selfAttributeName(node.childForFieldName('left'));
      const right = node.childForFieldName('right');
      if (!attribute || right?.type !== 'conditional_expression' || !applied(attribute)) return;
      const [then, condition, otherwise] = named(right);
      if (condition && then && otherwise && oneNormOnePass(then, otherwise)) out.push({ attribute, condition });
    } else if (node.type === 'if_statement') {
      const condition = node.childForFieldName('condition');
      const consequence = node.childForFieldName('consequence');
      const alternative = named(node).find((c) => c.type === 'else_clause')?.childForFieldName('body') ?? null;
      if (!condition || !consequence || !alternative) return;
      const thenSets = attributeValues(consequence);
      const elseSets = attributeValues(alternative);
      for (const [attribute, then] of thenSets) {
        const otherwise = elseSets.get(attribute);
        if (otherwise && applied(attribute) && oneNormOnePass(then, otherwise)) out.push({ attribute, condition });
      }
    }
  });
  return out;
}

function oneNormOnePass(a: Node, b: Node): boolean {
  return (isNormBuild(a) && PASS_THROUGH.test(b.text.trim())) || (isNormBuild(b) && PASS_THROUGH.test(a.text.trim()));
}

function isNormBuild(node: Node): boolean {
  if (node.type !== 'call') return false;
  const callee = node.childForFieldName('function')?.text ?? '';
  return NORM_CALL.test(callee);
}

function selfAttributeName(node: Node | null): string | null {
  if (node?.type !== 'attribute') return null;
  const match = /^self\.(\w+)$/.exec(node.text);
  return match ? match[1] : null;
}

/** The `self.x = value` statements directly in a block (not nested deeper). */
function attributeValues(body: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const statement of named(body)) {
    const assignment = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
    if (assignment?.type !== 'assignment') continue;
    const attribute = selfAttributeName(assignment.childForFieldName('left'));
    const right = assignment.childForFieldName('right');
    if (attribute && right) out.set(attribute, right);
  }
  return out;
}

/** Whether a condition reads the parameter, directly or through a local or attribute set from it in the constructor. */
function dependsOn(condition: Node, parameter: string, init: Node): boolean {
  const names = identifiersOf(condition);
  if (names.has(parameter)) return true;
  let found = false;
  visit(init, (node) => {
    if (found || node.type !== 'assignment') return;
    const left = node.childForFieldName('left')?.text ?? '';
    const target = left.replace(/^self\./, '');
    const mentioned = names.has(left) || (left.startsWith('self.') && condition.text.includes(left)) || (names.has(target) && !left.startsWith('self.'));
    if (mentioned && identifiersOf(node.childForFieldName('right')).has(parameter)) found = true;
  });
  return found;
}

function identifiersOf(node: Node | null): Set<string> {
  const out = new Set<string>();
  if (node) visit(node, (n) => { if (n.type === 'identifier') out.add(n.text); });
  return out;
}

/** The constructor's parameters with a string or boolean literal default, and the values each may take. */
function optionParameters(init: Node): OptionParameter[] {
  const out: OptionParameter[] = [];
  for (const param of named(init.childForFieldName('parameters') ?? init)) {
    if (param.type !== 'default_parameter' && param.type !== 'typed_default_parameter') continue;
    const name = param.childForFieldName('name')?.text;
    const value = param.childForFieldName('value');
    if (!name || !value) continue;
    if (value.type === 'true' || value.type === 'false') {
      const v = value.type === 'true';
      out.push({ name, default: v, values: [v, !v], line: lineOf(param) });
    } else if (value.type === 'string') {
      const v = literal(value);
      if (v === null) continue;
      out.push({ name, default: v, values: [v, ...comparedWith(init, name).filter((s) => s !== v)], line: lineOf(param) });
    }
  }
  return out;
}

/** The string literals a parameter is compared with (`p == "sandwich"`, `p in ("pre", "sandwich")`), in order. */
function comparedWith(init: Node, parameter: string): string[] {
  const out: string[] = [];
  visit(init, (node) => {
    if (node.type !== 'comparison_operator') return;
    const operands = named(node);
    if (!operands.some((o) => o.type === 'identifier' && o.text === parameter)) return;
    for (const operand of operands) {
      const strings = operand.type === 'string' ? [operand] : ['tuple', 'list', 'set'].includes(operand.type) ? named(operand).filter((c) => c.type === 'string') : [];
      for (const s of strings) {
        const v = literal(s);
        if (v !== null && !out.includes(v)) out.push(v);
      }
    }
  });
  return out;
}

function literal(node: Node): string | null {
  if (named(node).some((c) => c.type === 'interpolation')) return null;
  const match = /^[rbuRBU]*(['"]{1,3})([\s\S]*)\1$/.exec(node.text);
  return match ? match[2] : null;
}

function visit(node: Node, f: (n: Node) => void): void {
  f(node);
  for (const child of named(node)) visit(child, f);
}
