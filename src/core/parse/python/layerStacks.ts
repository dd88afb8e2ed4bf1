// Configurable layer stacks (issue 9, "large configurable"): one class whose __init__ loops over layer
// kinds, building per layer a tuple of optional norms (`pre = norm_fn() if pre_norm else None`), the
// sublayer (`Attention(...)` or `FeedForward(...)`) and a residual object, and whose forward loops over
// those tuples, applying each norm only where it exists (`if exists(pre): x = pre(x)`). No stacked class
// is the block there: the loop body is, once per layer kind. This file finds that shape in the syntax,
// then runs the class's real constructor and forward in the interpreter, with the forward loop's body
// run once per sublayer kind (the attention pass, then the MLP pass) on the per-layer values the
// constructor's loop left, so flags that build or drop a norm are explored like any other flag.

import type { BlockIR } from '../../ir/model';
import type { BlockRun, FoundBlock } from './blocks';
import { construct, invoke } from './calls';
import { isConfigClass } from './configs';
import { decompose } from './decompose';
import { importedFrom } from './imports';
import type { Frame, FlagSeen } from './interpreter';
import { Interpreter } from './interpreter';
import { customNormKind } from './norms';
import { blockReport } from './report';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { forwardOf, named } from './syntax';
import type { Builtin, Value } from './values';
import { firstOf, freshId } from './values';
import { descendants, lineage } from './variantFlow';
import { absorbNormGains, isLearnedGain } from './normGains';

const ATTENTION_CLASS = /Attention|Attn/;
const MLP_CLASS = /FeedForward|Mlp|MLP|FFN|Ffn|GLU/;
const PATTERNS = new Set(['tuple_pattern', 'pattern_list', 'list_pattern', 'tuple', 'list', 'parenthesized_expression']);
const LISTS = new Set(['list', 'tuple']);
const MAX_CLASSES = 12;
const OPTIONAL_TEXT = /\belse\s+None\b|\bNone\s+if\b/;

/** What the syntax shows of a layer stack; every name is as written in __init__ or forward. */
interface StackShape {
  initBody: Node;
  forwardLoop: Node;
  /** The per-layer norms as the constructor's loop names them, in their packed order. */
  initNorms: string[];
  /** Their conditions (`pre_norm`, `not pre_norm`): the flags that build or drop a norm. */
  conditions: Node[];
  /** Forward loop names bound to a constructor loop name (`norm` → the packed norms, `residual_fn` → `residual`). */
  bound: Map<string, string>;
  /** The forward loop name the packed norms come in as, or null when the loop target unpacks them itself. */
  normTuple: string | null;
  /** Forward names of the norms, when the loop target unpacks them (`(pre, post, main), block, res`). */
  normPattern: string[] | null;
  blockName: string;
  /** The sublayer classes the constructor's loop makes, attention first: one pass of the loop body each. */
  sublayers: Array<{ className: string; node: Node }>;
  entryCalls: Map<string, Node>;
  /** Loop names compared with string literals (`layer_type == 'a'`): the layer kind, left undecided. */
  kindNames: Set<string>;
}

/**
 * Adds the file's layer-stack classes to its blocks, each as a block (or unknown, with why). A class the
 * placement pass read by itself (no model, or its own loop body) is replaced: that pass runs the loop
 * body once, on whichever sublayer its branches pick, and never explores the constructor's flags, which
 * here build or drop the norms. A class some other model stacks is left as that pass read it.
 */
export function addLayerStacks(module: ModuleInfo, blocks: BlockIR[]): void {
  const reported = new Map(blocks.map((b, at) => [b.name, at]));
  const skip = new Set(blocks.filter((b) => b.model && b.model.name !== b.name).map((b) => b.name));
  for (const block of layerStackBlocks(module, skip)) {
    const at = reported.get(block.name);
    if (at === undefined) blocks.push(block);
    else blocks[at] = block;
  }
}

function layerStackBlocks(module: ModuleInfo, reported: ReadonlySet<string>): BlockIR[] {
  const out: BlockIR[] = [];
  // A file that never builds a module or None is no layer stack: one scan of the text says so.
  if (!OPTIONAL_TEXT.test(module.source)) return out;
  try {
    let tried = 0;
    let globals: Map<string, Value> | null = null;
    for (const cls of module.classes.values()) {
      if (reported.has(cls.name) || importedFrom(cls) || isConfigClass(cls) || customNormKind(cls) || !forwardOf(cls)) continue;
      const shape = stackShape(module, cls);
      if (!shape || tried++ >= MAX_CLASSES || module.steps.taken > module.steps.limit) continue;
      if (!globals) {
        // Module-level names (constants, helpers), read once and only for a file that has a layer stack.
        const survey = new Interpreter(module);
        survey.runModule();
        globals = survey.globals;
      }
      try {
        const found = foundBlock(module, globals, cls, shape);
        if (found) out.push(blockReport(found));
      } catch (error) {
        out.push(failedStack(cls, error));
      }
    }
  } catch {
    // A shape this reading does not expect leaves the file as the placement pass read it.
  }
  return out;
}

/** A layer stack the interpreter failed on: reported, as unknown, with what failed. */
function failedStack(cls: ClassInfo, error: unknown): BlockIR {
  const reason = `the analyzer failed while reading the layer loop of ${cls.name} (${error instanceof Error ? error.message : String(error)})`;
  const run: BlockRun = { result: { ok: false, reason }, instance: { k: 'instance', cls, name: cls.name, attrs: new Map(), node: cls.node, id: freshId() }, flags: new Map(), stacking: null };
  return blockReport({ cls, run, rerun: () => run, model: cls, layers: null, finalNorm: null, modelInstance: null });
}

/** The syntactic shape of a layer stack, or null when the class is not one. */
function stackShape(module: ModuleInfo, cls: ClassInfo): StackShape | null {
  const forwards = lineage(module, cls).map((c) => c.methods.get('forward') ?? null).filter((f): f is Node => f !== null);
  for (const base of lineage(module, cls)) {
    const init = base.methods.get('__init__');
    // Cheap text tests first: a loop, and a module built or None (`x = f() if flag else None`).
    if (!init || !OPTIONAL_TEXT.test(init.text) || !/\bfor\b/.test(init.text)) continue;
    for (const loop of descendants(init).filter((n) => n.type === 'for_statement')) {
      const body = loop.childForFieldName('body');
      const shape = body ? initShape(body) : null;
      if (!shape) continue;
      for (const forward of forwards) {
        for (const forwardLoop of descendants(forward).filter((n) => n.type === 'for_statement')) {
          const matched = forwardShape(forwardLoop, shape);
          if (matched) return { initBody: body!, forwardLoop, ...shape, ...matched };
        }
      }
    }
  }
  return null;
}

interface InitShape {
  initNorms: string[];
  conditions: Node[];
  /** The per-layer entry appended to the stack: each item's constructor name or call text, '' for the packed norms. */
  entry: string[];
  /** Entry items written as calls (`Residual(dim)`), by their text: evaluated where the loop left off. */
  entryCalls: Map<string, Node>;
  /** The position of the packed norms in the entry. */
  normsAt: number;
  sublayers: Array<{ className: string; node: Node }>;
  layerName: string;
}

/** In a constructor loop body: optional norms, the list that packs them, and the entry appended per layer. */
function initShape(body: Node): InitShape | null {
  const optional = new Map<string, Node>();
  const assignments = descendants(body, 4000).filter((n) => n.type === 'assignment');
  for (const a of assignments) {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type !== 'identifier' || right?.type !== 'conditional_expression') continue;
    const [then, condition, otherwise] = named(right);
    if (!then || !condition || !otherwise) continue;
    if ((then.type === 'call' && otherwise.type === 'none') || (then.type === 'none' && otherwise.type === 'call')) optional.set(left.text, condition);
  }
  if (optional.size === 0) return null;
  // The list packing the optional norms: `norms = ModuleList([pre, post, main])`, or inline in the entry.
  const lists = descendants(body, 4000).filter((n) => LISTS.has(n.type));
  const packed = lists.find((l) => named(l).length >= 1 && named(l).every((i) => i.type === 'identifier' && optional.has(i.text)));
  if (!packed) return null;
  const initNorms = named(packed).map((i) => i.text);
  const packedName = packedNameOf(packed);
  for (const list of lists) {
    if (list === packed) continue;
    const items = named(list);
    const normsAt = items.findIndex((i) => (packedName !== null && i.type === 'identifier' && i.text === packedName) || i === packed || containsNode(i, packed));
    if (normsAt < 0 || items.length < 2 || !/\.(append|extend)\s*\(/.test(enclosingCall(list)?.text.slice(0, 200) ?? '')) continue;
    if (!items.every((i, at) => at === normsAt || i.type === 'identifier' || i.type === 'call')) continue;
    const entry = items.map((i, at) => (at === normsAt ? '' : i.text));
    const entryCalls = new Map(items.filter((i, at) => at !== normsAt && i.type === 'call').map((i) => [i.text, i] as const));
    const subs = sublayerClasses(assignments, entry.filter((e) => e !== ''));
    if (!subs) continue;
    return { initNorms, conditions: initNorms.map((n) => optional.get(n)!), entry, entryCalls, normsAt, sublayers: subs.classes, layerName: subs.name };
  }
  return null;
}

/** The name a packing list is assigned to (through a wrapping call such as `nn.ModuleList([...])`). */
function packedNameOf(list: Node): string | null {
  let at: Node | null = list.parent;
  for (let guard = 0; at && guard < 4; guard++, at = at.parent) {
    if (at.type === 'assignment') return at.childForFieldName('left')?.type === 'identifier' ? at.childForFieldName('left')!.text : null;
    if (!['argument_list', 'call'].includes(at.type)) return null;
  }
  return null;
}

function containsNode(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex && outer !== inner && descendants(outer, 200).includes(inner);
}

/** The call a list sits in as an argument (`self.layers.append(ModuleList([...]))`), outermost within a few levels. */
function enclosingCall(list: Node): Node | null {
  let found: Node | null = null;
  let at: Node | null = list.parent;
  for (let guard = 0; at && guard < 6; guard++, at = at.parent) {
    if (at.type === 'call') found = at;
    else if (at.type !== 'argument_list') break;
  }
  return found;
}

/** The entry name that the loop assigns attention and MLP classes to, with those classes, attention first. */
function sublayerClasses(assignments: Node[], names: string[]): { name: string; classes: Array<{ className: string; node: Node }> } | null {
  for (const name of names) {
    const classes: Array<{ className: string; node: Node }> = [];
    for (const a of assignments) {
      const right = a.childForFieldName('right');
      if (a.childForFieldName('left')?.text !== name || !right) continue;
      // `layer = Attention(...)` in a kind's branch, or `Attention(...) if kind == 'a' else FeedForward(...)`.
      const calls = right.type === 'call' ? [right] : right.type === 'conditional_expression' ? named(right).filter((c) => c.type === 'call') : [];
      for (const call of calls) {
        const callee = call.childForFieldName('function')?.text ?? '';
        if ((ATTENTION_CLASS.test(callee) || MLP_CLASS.test(callee)) && !classes.some((c) => c.className === callee)) classes.push({ className: callee, node: call });
      }
    }
    const attention = classes.filter((c) => ATTENTION_CLASS.test(c.className)).slice(0, 1);
    const mlp = classes.filter((c) => !ATTENTION_CLASS.test(c.className) && MLP_CLASS.test(c.className)).slice(0, 1);
    if (attention.length + mlp.length > 0) return { name, classes: [...attention, ...mlp] };
  }
  return null;
}

/** The forward loop that unpacks the constructor's per-layer entry, by position, and applies the norms. */
function forwardShape(loop: Node, init: InitShape): Pick<StackShape, 'bound' | 'normTuple' | 'normPattern' | 'blockName' | 'kindNames' | 'entryCalls'> | null {
  const target = loop.childForFieldName('left');
  const body = loop.childForFieldName('body');
  if (!target || !body) return null;
  // The loop target may zip other per-layer lists around the entry: the pattern whose items fit it.
  const patterns = [target, ...descendants(target, 200)].filter((n) => PATTERNS.has(n.type) && named(n).length === init.entry.length);
  for (const pattern of patterns) {
    const shape = patternShape(pattern, body, init);
    if (shape) return shape;
  }
  return null;
}

function patternShape(pattern: Node, body: Node, init: InitShape): Pick<StackShape, 'bound' | 'normTuple' | 'normPattern' | 'blockName' | 'kindNames' | 'entryCalls'> | null {
  const items = named(pattern);
  const bound = new Map<string, string>();
  let blockName: string | null = null;
  items.forEach((item, at) => {
    if (at !== init.normsAt && item.type === 'identifier') {
      bound.set(item.text, init.entry[at]);
      if (init.entry[at] === init.layerName) blockName = item.text;
    }
  });
  if (!blockName) return null;
  const normItem = items[init.normsAt];
  let normTuple: string | null = null;
  let normPattern: string[] | null = null;
  if (normItem.type === 'identifier') {
    normTuple = normItem.text;
    // `pre, post, main = norm` in the body: as many names as the constructor packed.
    const unpacked = descendants(body, 4000).find((n) => n.type === 'assignment' && n.childForFieldName('right')?.text === normTuple
      && PATTERNS.has(n.childForFieldName('left')?.type ?? '') && named(n.childForFieldName('left')!).length === init.initNorms.length);
    if (!unpacked) return null;
  } else if (PATTERNS.has(normItem.type) && named(normItem).length === init.initNorms.length && named(normItem).every((n) => n.type === 'identifier')) {
    normPattern = named(normItem).map((n) => n.text);
  } else {
    return null;
  }
  const kindNames = new Set<string>();
  for (const cmp of descendants(body, 4000).filter((n) => n.type === 'comparison_operator')) {
    const [a, b] = named(cmp);
    if (a?.type === 'identifier' && b?.type === 'string' && /^(?:[\w]+)$/.test(a.text)) kindNames.add(a.text);
  }
  return { bound, normTuple, normPattern, blockName, kindNames, entryCalls: init.entryCalls };
}

/** Runs the constructor and the forward with the loop body once per sublayer kind; see the file comment. */
class StackInterpreter extends Interpreter {
  private initFrame: Frame | null = null;
  private running = false;
  /** How many norms were applied when the layer loop ended: the later ones are after the layers. */
  normsBeforeEnd = -1;

  constructor(module: ModuleInfo, globals: Map<string, Value>, flagValues: Map<string, boolean>, private readonly shape: StackShape) {
    super(module, { globals, flagValues });
  }

  override execBlock(block: Node, frame: Frame): void {
    if (block === this.shape.initBody && !this.initFrame) this.initFrame = frame;
    const loopBody = this.shape.forwardLoop.childForFieldName('body');
    if (block !== loopBody || !this.initFrame || this.running) {
      super.execBlock(block, frame);
      return;
    }
    this.running = true;
    // Names the body first assigns (`out = block(x)`) start unset in each pass, as in a fresh layer whose
    // layer-kind branches are exhaustive; names from before the loop carry over, the stream among them.
    const before = new Set(frame.env.keys());
    try {
      for (const sub of this.shape.sublayers) {
        for (const name of [...frame.env.keys()]) if (!before.has(name)) frame.env.delete(name);
        this.bindLayer(frame, sub);
        super.execBlock(block, frame);
        if (frame.returned) return;
      }
    } finally {
      this.running = false;
      this.normsBeforeEnd = this.normApplications.length;
    }
  }

  /** Binds the forward loop's names to one layer of this kind, as the constructor's loop built it. */
  private bindLayer(frame: Frame, sub: { className: string; node: Node }): void {
    const init = this.initFrame!.env;
    const target = this.shape.forwardLoop.childForFieldName('left')!;
    for (const name of [target, ...descendants(target, 200)].filter((n) => n.type === 'identifier')) {
      const initName = this.shape.bound.get(name.text);
      const kind: Value = { k: 'opaque', deps: [], text: `the layer kind ${name.text}` };
      // Optional per-layer parts the stack does not pair with a constructor name are absent (None), as by default.
      const call = initName ? this.shape.entryCalls.get(initName) : undefined;
      const value: Value = call ? this.eval(call, this.initFrame!) : initName ? init.get(initName) ?? { k: 'none' } : { k: 'none' };
      frame.env.set(name.text, this.shape.kindNames.has(name.text) ? kind : value);
    }
    const norms: Value[] = this.shape.initNorms.map((n) => init.get(n) ?? { k: 'none' });
    if (this.shape.normTuple) frame.env.set(this.shape.normTuple, { k: 'tuple', items: norms });
    this.shape.normPattern?.forEach((name, i) => frame.env.set(name, norms[i]));
    const module: Builtin = { k: 'builtin', className: sub.className, name: sub.className, node: sub.node, args: [], kwargs: new Map(), id: freshId() };
    frame.env.set(this.shape.blockName, module);
  }

  get reachedLoop(): boolean {
    return this.initFrame !== null;
  }
}

function foundBlock(module: ModuleInfo, globals: Map<string, Value>, cls: ClassInfo, shape: StackShape): FoundBlock | null {
  const flagNames = new Set(shape.conditions.flatMap((c) => [c, ...descendants(c, 100)]).filter((n) => n.type === 'identifier' || n.type === 'attribute').map((n) => n.text.split('.').pop() ?? n.text));
  const rerun = (flagValues: Map<string, boolean>): BlockRun => runStack(module, globals, cls, shape, flagValues, flagNames);
  const run = rerun(new Map());
  if (!run.result.ok && /did not reach/.test(run.result.reason)) return null;
  const finalNorm = run.result.ok ? run.result.value.finalNorm !== null : null;
  return { cls, run, rerun, model: cls, layers: null, finalNorm, modelInstance: run.instance };
}

function runStack(module: ModuleInfo, globals: Map<string, Value>, cls: ClassInfo, shape: StackShape, flagValues: Map<string, boolean>, flagNames: Set<string>): BlockRun {
  const interp = new StackInterpreter(module, globals, flagValues, shape);
  const made = construct(interp, cls, { positional: [], keywords: new Map() }, cls.node);
  const instance = made.k === 'instance' ? made : { k: 'instance' as const, cls, name: cls.name, attrs: new Map(), node: cls.node, id: freshId() };
  // The flags that build or drop a per-layer norm (met while constructing) are the ones explored.
  const flags = new Map<string, FlagSeen>([...interp.flagsSeen].filter(([name]) => flagNames.has(name)));
  if (!interp.reachedLoop) return { result: { ok: false, reason: `the constructor of ${cls.name} did not reach its layer loop` }, instance, flags, stacking: null };
  const forward = forwardOf(cls)!;
  const stream: Value = { k: 'stream', id: freshId() };
  const output = invoke(interp, forward, instance, { positional: [stream], keywords: new Map() });
  // A norm applied after the layer loop to its result (through a norm wrapper's gain) is the final norm.
  let top = firstOf(output);
  if (top.k === 'scale' && top.value.k === 'norm' && isLearnedGain(module, top.node, top.text)) top = top.value;
  const final = top.k === 'norm' && interp.normsBeforeEnd >= 0 && interp.normApplications.indexOf(top) >= interp.normsBeforeEnd ? top : null;
  const result = interp.exhausted ? { ok: false as const, reason: 'the analysis budget ran out before the forward was understood' } : decompose(absorbNormGains(module, final ? final.arg : output), stream);
  if (result.ok && final) result.value.finalNorm = { norm: final.norm, node: final.node };
  const reason = result.ok ? result : { ok: false as const, reason: `${result.reason} (in the layer loop of ${cls.name}, read once per layer kind)` };
  return { result: reason, instance, flags, stacking: null };
}
