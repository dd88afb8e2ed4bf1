// A symbolic interpreter for the Python subset model code is written in: it never runs the code, it
// computes what each tensor is an expression of (norms, sums, sublayer calls), what each module
// attribute was constructed as, and which constructor/config flags the dataflow branches on.

import { evalCall } from './calls';
import { closureOf } from './closures';
import { stringOption } from './stringOptions';
import { readProperty } from './properties';
import { makeLambda } from './lambdas';
import { comprehension, iterate } from './loops';
import { endsInRaise, rebindInPlace, returnsStream } from './statementIdioms';
import { unseenAttribute } from './normTypeEvidence';
import { subscript } from './subscripts';
import { arithmetic, compare, either } from './operators';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { flagName, lineOf, named } from './syntax';
import type { Instance, Value } from './values';
import { isIndexDependent, isTensorOfStream, nameModule, numberOf, sameKey, truthy } from './values';

/** A branch on a flag the block's behaviour may depend on (`normalize_before`, a block-index test). */
export interface FlagSeen {
  name: string;
  default: boolean | number | string | null;
  line: number;
  /** Set when the flag is computed from the block index (Mix-LN): the comparison it came from. */
  index: Value | null;
  text: string;
}

/** A same-file class constructed while interpreting; `repeat` when inside a stacking loop. */
export interface Construction {
  cls: ClassInfo;
  instance: Instance;
  repeat: { count: Value; node: Node } | null;
  node: Node;
  /** The class whose method constructed it (the model that stacks a block), if any. */
  owner: ClassInfo | null;
}

export interface Frame {
  env: Map<string, Value>;
  returned: Value | null;
  /** Set when the frame ended in `raise`: a branch that raises is not a way through. */
  raised?: boolean;
}

export interface InterpreterOptions {
  blockClasses?: Set<ClassInfo>;
  flagValues?: Map<string, boolean>;
  /** Module-level names from an earlier run of the module's statements (they are run once per file). */
  globals?: Map<string, Value>;
}

/** Values that are modules. */
const MODULE_KINDS: ReadonlySet<Value['k']> = new Set(['instance', 'builtin', 'normModule', 'seq', 'list']);
/** Objects a condition finds present (true), as `if self.norm:` does. */
const OBJECT_KINDS: ReadonlySet<Value['k']> = new Set([...MODULE_KINDS, 'config', 'dict']);
const UNPACKING_TARGETS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list']);
/** An integer literal Number() reads as written (no `_` separators, no Python 2 `L` suffix). */
const PLAIN_DIGITS = /^\d+$/;

export class Interpreter {
  readonly globals: Map<string, Value>;
  readonly flagsSeen = new Map<string, FlagSeen>();
  readonly constructions: Construction[] = [];
  /** Every norm application, in order (the model's final norm is found among these). */
  readonly normApplications: Value[] = [];
  readonly builtins: Value[] = [];
  /** Whether this interpreter made a BatchNorm-like module (else a search for them finds none). */
  batchNormsMade = false;
  /** Same-file modules applied, and config caches filled: what makes a construction depend on when it ran. */
  instanceApplications = 0;
  configFills = 0;
  readonly loopStack: Array<{ count: Value; node: Node; depth: number }> = [];
  /** Loops whose variables are wanted as they stand when the loop ends (a layer loop's stream), filled then. */
  readonly loopExits = new Map<Node, Map<string, Value> | null>();
  readonly blockClasses: Set<ClassInfo>;
  readonly flagValues: Map<string, boolean>;
  /** The classes whose methods are running, innermost last (to stop recursion). */
  readonly callStack: ClassInfo[] = [];
  /** The classes that define the running methods (an inherited method runs as its base's, for `super()`). */
  readonly definingStack: ClassInfo[] = [];
  /** The file's functions running (called on tensors), innermost last (to stop recursion). */
  readonly functionStack: Node[] = [];
  /**
   * Whether string options compare as constants (`norm_placement == "sandwich"`): set for a block's
   * forward and for a construction with an option given. Off while the survey builds the file, where
   * an undecided `if config.block_type == "peri": return PeriBlock(config)` builds every kind it names.
   */
  decideStrings = false;
  /** The frame of the last function or method that finished (a forward's, right after it ran). */
  lastFrame: Frame | null = null;

  constructor(readonly module: ModuleInfo, options: InterpreterOptions = {}) {
    this.blockClasses = options.blockClasses ?? new Set();
    this.globals = options.globals ? new Map(options.globals) : new Map();
    this.flagValues = options.flagValues ?? new Map();
  }

  /** Runs the module's top-level statements so constants and module-level constructions are known. */
  runModule(): void {
    const frame: Frame = { env: this.globals, returned: null };
    this.execBlock(this.module.root, frame);
  }

  get exhausted(): boolean {
    return this.module.steps.taken > this.module.steps.limit;
  }

  execBlock(block: Node, frame: Frame): void {
    for (const statement of named(block)) {
      if (frame.returned || this.exhausted) return;
      this.module.steps.taken++;
      this.execStatement(statement, frame);
    }
  }

  private execStatement(node: Node, frame: Frame): void {
    switch (node.type) {
      case 'expression_statement': {
        const inner = node.namedChild(0);
        if (!inner) return;
        if (inner.type === 'assignment') this.execAssignment(inner, frame);
        else if (inner.type === 'augmented_assignment') this.execAugmented(inner, frame);
        else rebindInPlace(inner, this.eval(inner, frame), frame);
        return;
      }
      case 'return_statement': {
        const value = node.namedChild(0);
        frame.returned = value ? this.eval(value, frame) : { k: 'none' };
        return;
      }
      case 'raise_statement': frame.returned = { k: 'unknown', why: 'raise' }; frame.raised = true; return;
      case 'if_statement': this.execIf(node, frame); return;
      // A function defined inside a method (the module's own are collected apart): a closure over this frame.
      case 'function_definition': if (frame.env !== this.globals) frame.env.set(node.childForFieldName('name')?.text ?? '', closureOf(node, frame)); return;
      case 'for_statement': this.execFor(node, frame); return;
      case 'with_statement': case 'try_statement': {
        const body = node.childForFieldName('body') ?? named(node).find((c) => c.type === 'block');
        if (body) this.execBlock(body, frame);
        return;
      }
      default: return;
    }
  }

  private execAssignment(node: Node, frame: Frame): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return;
    // Chained assignment `a = b = value` nests assignments on the right.
    let valueNode = right;
    const targets = [left];
    while (valueNode.type === 'assignment') {
      const next = valueNode.childForFieldName('left');
      const inner = valueNode.childForFieldName('right');
      // `a = b: T` (damaged code parses so) has no right-hand side: nothing to assign.
      if (!inner) return;
      if (next) targets.push(next);
      valueNode = inner;
    }
    const value = this.eval(valueNode, frame);
    for (const target of targets) this.assign(target, value, frame, node);
  }

  private execAugmented(node: Node, frame: Frame): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const operator = node.childForFieldName('operator')?.type ?? '+=';
    if (!left || !right) return;
    const value = this.binary(operator.replace('=', ''), this.eval(left, frame), this.eval(right, frame), node, right);
    this.assign(left, value, frame, node);
  }

  assign(target: Node, value: Value, frame: Frame, statement: Node): void {
    if (target.type === 'identifier') {
      // A local Sequential (Haiku's `dense_block = hk.Sequential([...])` in a loop body) is named by its variable.
      frame.env.set(target.text, value.k === 'seq' && value.name === 'Sequential' ? { ...value, name: target.text } : value);
    } else if (target.type === 'attribute') {
      const owner = this.eval(target.childForFieldName('object')!, frame);
      const name = target.childForFieldName('attribute')?.text ?? '';
      if (owner.k === 'instance') owner.attrs.set(name, nameModule(value, name, statement));
    } else if (UNPACKING_TARGETS.has(target.type)) {
      const targets = named(target);
      targets.forEach((child, i) => {
        let item: Value;
        if (value.k === 'tuple' || value.k === 'list') item = value.items[i] ?? { k: 'unknown', why: 'unpacking' };
        else if (i === 0) item = value; // `out, weights = self.attn(x)`: the first output is the tensor.
        // `q, k, v = qkv.split(d, -1)`: every part of a split tensor is computed from it.
        else if (value.k === 'opaque' && isTensorOfStream(value)) item = { k: 'opaque', deps: [value], text: `${child.text} (part of ${value.text})` };
        else item = { k: 'opaque', deps: [], text: `${child.text} (side output)` };
        this.assign(child.type === 'list_splat_pattern' ? child.namedChild(0) ?? child : child, item, frame, statement);
      });
    }
  }

  private execIf(node: Node, frame: Frame): void {
    const condition = node.childForFieldName('condition');
    const consequence = node.childForFieldName('consequence');
    const alternatives = node.childrenForFieldName('alternative').filter((n): n is Node => n !== null);
    if (!condition || !consequence) return;
    let decision = this.decide(condition, frame);
    // `if encoder_input is None: return x`: a skip path that returns the block input is never the block.
    if (decision === true && returnsStream(consequence, frame)) decision = 'both';
    // A guard that raises on a guessed reading (`if attn.pos_embeddings is not None: raise`) is not taken.
    if (decision === true && endsInRaise(consequence)) decision = 'both';
    if (decision === true) { this.execBlock(consequence, frame); return; }
    const runAlternatives = (target: Frame, rest: Node[]): void => {
      const [first, ...others] = rest;
      if (!first) return;
      if (first.type === 'else_clause') {
        const body = first.childForFieldName('body') ?? named(first).find((c) => c.type === 'block');
        if (body) this.execBlock(body, target);
        return;
      }
      const elifCondition = first.childForFieldName('condition');
      const elifBody = first.childForFieldName('consequence');
      if (!elifCondition || !elifBody) return;
      const d = this.decide(elifCondition, target);
      if (d === true) this.execBlock(elifBody, target);
      else if (d === false) runAlternatives(target, others);
      else this.merge(target, (f) => this.execBlock(elifBody, f), (f) => runAlternatives(f, others), elifCondition);
    };
    if (decision === false) { runAlternatives(frame, alternatives); return; }
    this.merge(frame, (f) => this.execBlock(consequence, f), (f) => runAlternatives(f, alternatives), condition);
  }

  /** Runs both sides of a branch we cannot decide; tensors that differ become explicitly unknown. */
  private merge(frame: Frame, runThen: (f: Frame) => void, runElse: (f: Frame) => void, condition: Node): void {
    const thenFrame: Frame = { env: new Map(frame.env), returned: null };
    const elseFrame: Frame = { env: new Map(frame.env), returned: null };
    runThen(thenFrame);
    runElse(elseFrame);
    // A branch that raises is no way through (`else: raise NotImplementedError`): keep the other side.
    if (thenFrame.raised !== elseFrame.raised) {
      const kept = thenFrame.raised ? elseFrame : thenFrame;
      copyInto(frame, kept);
      frame.returned = kept.returned;
      return;
    }
    // A branch that returns early is a guard (`if not self.training: return x`): keep the other side.
    if (thenFrame.returned && !elseFrame.returned) { copyInto(frame, elseFrame); return; }
    if (elseFrame.returned && !thenFrame.returned) { copyInto(frame, thenFrame); return; }
    const pick = (a: Value, b: Value): Value =>
      sameKey(a, b) || !(isTensorOfStream(a) || isTensorOfStream(b)) ? a
        : { k: 'opaque', deps: [a, b], text: `depends on the condition \`${condition.text.slice(0, 60)}\` at line ${lineOf(condition)}` };
    for (const [name, value] of thenFrame.env) {
      const other = elseFrame.env.get(name);
      frame.env.set(name, other ? pick(value, other) : value);
    }
    for (const [name, value] of elseFrame.env) if (!thenFrame.env.has(name)) frame.env.set(name, value);
    if (thenFrame.returned && elseFrame.returned) frame.returned = pick(thenFrame.returned, elseFrame.returned);
  }

  /** Decides a condition: a constant, a flag to explore (recorded), or both ways (`'both'`). */
  decide(node: Node, frame: Frame): boolean | 'both' {
    if (node.type === 'parenthesized_expression' && node.namedChild(0)) return this.decide(node.namedChild(0)!, frame);
    if (node.type === 'not_operator') {
      const inner = this.decide(node.childForFieldName('argument') ?? node, frame);
      return inner === 'both' ? 'both' : !inner;
    }
    // `self.config.new_decoder_architecture or self.config.parallel_attn`: each operand its own flag.
    if (node.type === 'boolean_operator') {
      const decided = decideBoolean(this, node, frame);
      if (decided !== 'both') return decided;
    }
    if (node.type === 'comparison_operator') {
      const operators = Array.from({ length: node.childCount }, (_, i) => node.child(i)).filter((c) => c && !c.isNamed).map((c) => c!.text);
      const operands = named(node);
      const op = operators.join(' ').replace(/\s+/g, ' ');
      if (operands.length === 2 && operands[1].type === 'none' && (op === 'is' || op === 'is not')) {
        // A module set to None in __init__ is absent; an optional forward input (a parameter) is taken as given.
        const subject = this.eval(operands[0], frame);
        const isPresent = subject.k !== 'none';
        return op === 'is' ? !isPresent : isPresent;
      }
    }
    const value = this.eval(node, frame);
    if (isIndexDependent(value)) return this.flag(flagName(node), null, node, value);
    if ((value.k === 'bool' || value.k === 'num' || value.k === 'str' || value.k === 'none') && value.origin) {
      return this.flag(flagName(node), value.k === 'none' ? null : value.v, node, null);
    }
    if (value.k === 'param') return this.flag(flagName(node), null, node, null);
    const known = truthy(value);
    if (known !== null) return known;
    if (OBJECT_KINDS.has(value.k)) return true;
    return 'both';
  }

  private flag(name: string, defaultValue: boolean | number | string | null, node: Node, index: Value | null): boolean {
    if (!this.flagsSeen.has(name)) this.flagsSeen.set(name, { name, default: defaultValue, line: lineOf(node), index, text: node.text });
    const chosen = this.flagValues.get(name);
    if (chosen !== undefined) return chosen;
    if (typeof defaultValue === 'boolean') return defaultValue;
    if (typeof defaultValue === 'number') return defaultValue !== 0;
    return false;
  }

  private execFor(node: Node, frame: Frame): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const body = node.childForFieldName('body');
    if (!left || !right || !body) return;
    const { element, count } = iterate(this, right, left, frame);
    this.assign(left, element, frame, node);
    if (count) this.loopStack.push({ count, node, depth: this.callStack.length });
    this.execBlock(body, frame);
    if (count) this.loopStack.pop();
    if (this.loopExits.has(node)) this.loopExits.set(node, new Map(frame.env));
  }

  eval(node: Node, frame: Frame): Value {
    if (this.module.steps.taken++ > this.module.steps.limit) return { k: 'unknown', why: 'analysis budget exhausted' };
    switch (node.type) {
      case 'identifier': return this.lookup(node.text, frame);
      case 'integer': {
        const text = node.text;
        return { k: 'num', v: Number(PLAIN_DIGITS.test(text) ? text : text.replace(/_/g, '').replace(/[lL]$/, '')), text };
      }
      case 'float': return { k: 'num', v: Number(node.text.replace(/_/g, '')), text: node.text };
      case 'true': return { k: 'bool', v: true, text: 'True' };
      case 'false': return { k: 'bool', v: false, text: 'False' };
      case 'none': return { k: 'none' };
      case 'string': case 'concatenated_string': return { k: 'str', v: node.text.replace(/^[rbfuRBFU]*['"]+|['"]+$/g, '') };
      case 'parenthesized_expression': return node.namedChild(0) ? this.eval(node.namedChild(0)!, frame) : { k: 'none' };
      case 'attribute': return this.attribute(node, frame);
      case 'call': return evalCall(this, node, frame);
      case 'binary_operator': {
        const op = node.childForFieldName('operator')?.type ?? '?';
        const right = node.childForFieldName('right')!;
        // `x = norm(x + f(x)) +` cut short by a syntax error: the operand that is there.
        if (node.hasError && (right.isMissing || right.isError || node.children.some((c) => c?.isError))) return this.eval(node.childForFieldName('left')!, frame);
        return this.binary(op, this.eval(node.childForFieldName('left')!, frame), this.eval(right, frame), node, right);
      }
      case 'unary_operator': {
        const value = this.eval(node.childForFieldName('argument')!, frame);
        const op = node.childForFieldName('operator')?.type;
        if (value.k === 'num') return { k: 'num', v: op === '-' ? -value.v : value.v, text: node.text, origin: value.origin };
        return { k: 'opaque', deps: [value], text: node.text };
      }
      case 'not_operator': {
        const value = this.eval(node.childForFieldName('argument')!, frame);
        const known = truthy(value);
        if (known !== null) return { k: 'bool', v: !known, text: node.text, origin: 'origin' in value ? value.origin : undefined };
        return { k: 'opaque', deps: [value], text: node.text };
      }
      case 'boolean_operator': case 'comparison_operator': return this.logical(node, frame);
      case 'tuple': case 'expression_list': case 'list': case 'set': {
        const items = named(node).map((c) => this.eval(c, frame));
        const modules = items.length > 0 && items.every((i) => MODULE_KINDS.has(i.k));
        return node.type === 'list' && (modules || items.length === 0) ? { k: 'list', items, repeat: null } : { k: 'tuple', items };
      }
      case 'dictionary': {
        const entries = new Map<string, Value>();
        for (const pair of named(node).filter((c) => c.type === 'pair')) {
          const key = this.eval(pair.childForFieldName('key')!, frame);
          if (key.k === 'str') entries.set(key.v, this.eval(pair.childForFieldName('value')!, frame));
        }
        return { k: 'dict', entries };
      }
      case 'list_comprehension': case 'generator_expression': return comprehension(this, node, frame);
      case 'conditional_expression': {
        const [then, condition, otherwise] = named(node);
        if (!then || !condition || !otherwise) return { k: 'unknown', why: node.text };
        const decision = this.decide(condition, frame);
        if (decision === 'both') {
          return either(this.eval(then, frame), this.eval(otherwise, frame), condition);
        }
        return this.eval(decision ? then : otherwise, frame);
      }
      case 'subscript': return subscript(this, node, frame);
      case 'lambda': return makeLambda(node, frame);
      default: return { k: 'opaque', deps: [], text: node.text.slice(0, 80) };
    }
  }

  lookup(name: string, frame: Frame): Value {
    const local = frame.env.get(name) ?? this.globals.get(name);
    if (local) return local;
    const cls = this.module.classes.get(name);
    if (cls) return { k: 'classref', cls };
    const fn = this.module.functions.get(name);
    if (fn) return { k: 'funcref', fn, name };
    return { k: 'ref', name };
  }

  private attribute(node: Node, frame: Frame): Value {
    const owner = this.eval(node.childForFieldName('object')!, frame);
    return this.attributeOf(owner, node.childForFieldName('attribute')?.text ?? '', node);
  }

  attributeOf(owner: Value, name: string, node: Node): Value {
    switch (owner.k) {
      // `self._sa_block` passed as a value (`checkpoint(self._sa_block, x)`): the method, bound.
      case 'instance': return owner.attrs.get(name) ?? (owner.cls.methods.has(name) ? readProperty(this, owner.cls.methods.get(name)!, owner) ?? { k: 'funcref', fn: owner.cls.methods.get(name)!, name, self: owner } : unseenAttribute(owner.cls, name));
      case 'config': return owner.fields.get(name) ?? { k: 'param', name };
      case 'dict': return owner.entries.get(name) ?? { k: 'unknown', why: `no entry ${name}` };
      case 'ref': return { k: 'ref', name: `${owner.name}.${name}` };
      case 'param': return { k: 'param', name: `${owner.name}.${name}` };
      default: return { k: 'opaque', deps: [], text: node.text.slice(0, 80) };
    }
  }

  private logical(node: Node, frame: Frame): Value {
    const operators = Array.from({ length: node.childCount }, (_, i) => node.child(i)).filter((c) => c && !c.isNamed).map((c) => c!.text);
    const operands = named(node).map((c) => this.eval(c, frame));
    const option = this.decideStrings && operands.length === 2 ? stringOption(operators.join(' '), operands[0], operands[1], node) : null;
    return option ?? compare(operators.join(' '), operands, node);
  }

  binary(op: string, a: Value, b: Value, node: Node, rightNode: Node): Value {
    return arithmetic(op, a, b, node, rightNode);
  }
}

function copyInto(target: Frame, source: Frame): void {
  for (const [name, value] of source.env) target.env.set(name, value);
}

/** `a and b` / `a or b` from its operands' decisions, when they settle it; 'both' otherwise. */
function decideBoolean(interp: Interpreter, node: Node, frame: Frame): boolean | 'both' {
  const op = Array.from({ length: node.childCount }, (_, i) => node.child(i)).find((c) => c && !c.isNamed)?.text;
  const [left, right] = named(node);
  if (!left || !right || (op !== 'and' && op !== 'or')) return 'both';
  const a = interp.decide(left, frame);
  const b = interp.decide(right, frame);
  const decides = op === 'or';
  if (a === decides || b === decides) return decides;
  return a === 'both' || b === 'both' ? 'both' : !decides;
}
