// Call semantics for the symbolic interpreter: constructing modules (same-file classes run their
// __init__ / Flax fields + setup), applying them to tensors (norms, opaque sublayers, inlined helper
// classes such as BERT's add-and-norm), and the library calls model code leans on.

import type { NormType } from '../../ir/model';
import { configClassesOf, configValue, isConfigClass, withOrigin } from './configs';
import { mainOutput } from './dictOutputs';
import { callFunction } from './functions';
import { VIEWLESS, callClosure, typeTest, viewless } from './closures';
import { builderSaysNorm, inferredNorm } from './inferredNorms';
import { annotatedType, resolveBuilderType } from './normTypeEvidence';
import { STREAM_KEEPING_METHODS } from './tensorMethodIdioms';
import type { Frame, Interpreter } from './interpreter';
import { callLibrary, STACKED, widthOf } from './libraryCalls';
import { libraryName } from './libraryNames';
import { fusedResidualCall } from './fusedResidual';
import { kerasBuild } from './keras';
import { leadingNorm } from './leadingNorms';
import { callLambda } from './lambdas';
import { isReadThrough } from './readThrough';
import { customNormKind } from './norms';
import { superInitArguments } from './superInit';
import { arithmetic } from './operators';
import type { ClassInfo, Node } from './syntax';
import { definerOf, forwardOf, named } from './syntax';
import type { Builtin, Instance, Value } from './values';
import { freshId, isTensorOfStream } from './values';

/** Wrappers that call their first argument on the rest (activation checkpointing, rematerialisation). */
const CHECKPOINTS: ReadonlySet<string> = new Set(['checkpoint', 'checkpoint_sequential', 'remat', 'activation_checkpoint', 'checkpoint_wrapper']);

/** Tensor methods that change dtype, layout or view but not what the tensor means for the stream. */
const TRANSPARENT_METHODS = new Set(['to', 'float', 'half', 'bfloat16', 'double', 'type', 'type_as', 'contiguous', 'clone', 'view', 'reshape', 'view_as', 'cuda', 'cpu', 'astype',
  'transpose', 'permute', 'flatten', 'unflatten', 'squeeze', 'unsqueeze', 'reshape_as', 'swapaxes', 'movedim', 'expand_as']);
const TENSOR_NORM_METHODS: ReadonlyMap<string, NormType> = new Map([['layernorm', 'layernorm'], ['layer_norm', 'layernorm'], ['rms_norm', 'rmsnorm'], ['rmsnorm', 'rmsnorm']]);
/** String methods that keep what a name says (`norm_type.lower()`). */
const STRING_CASES: ReadonlySet<string> = new Set(['lower', 'upper', 'strip', 'casefold']);
/** Values that are tensors even when computed from no stream (a block applied to `torch.zeros(…)`). */
const TENSOR_KINDS: ReadonlySet<Value['k']> = new Set(['apply', 'norm', 'add', 'scale']);
/** Values that are modules (calling one applies it). */
const MODULE_KINDS: ReadonlySet<Value['k']> = new Set(['instance', 'builtin', 'normModule', 'seq', 'list']);
const CONFIG_PARAM = /^(config|cfg|conf|args|params|hparams|hp|model_args|opt|settings)$/;

export interface Arguments { positional: Value[]; keywords: ReadonlyMap<string, Value> }

/** The keywords of a call that passes none (most calls): shared, since no one writes to a call's keywords. */
const NO_KEYWORDS: ReadonlyMap<string, Value> = new Map();

/** Classes whose forward was read once and found not to shape the residual path (per parsed file). */
const OPAQUE_CLASSES = new WeakSet<ClassInfo>();

export function evalCall(interp: Interpreter, node: Node, frame: Frame): Value {
  const fnNode = node.childForFieldName('function');
  const argsNode = node.childForFieldName('arguments');
  if (!fnNode) return { k: 'unknown', why: node.text };
  if (fnNode.type === 'call' && fnNode.childForFieldName('function')?.text === 'super') return { k: 'none' };
  if (argsNode?.type === 'generator_expression') {
    const callee = interp.eval(fnNode, frame);
    return callValue(interp, callee, { positional: [interp.eval(argsNode, frame)], keywords: NO_KEYWORDS }, node);
  }
  const args = readArguments(interp, argsNode, frame);
  if (fnNode.type === 'attribute') {
    const objectNode = fnNode.childForFieldName('object')!;
    const method = fnNode.childForFieldName('attribute')?.text ?? '';
    // `super().__init__(...)`, `super().forward(x)`: the same-file base's method on this instance.
    if (objectNode.type === 'call' && objectNode.childForFieldName('function')?.text === 'super') return callSuper(interp, frame, method, args);
    const owner = interp.eval(objectNode, frame);
    if (owner.k === 'instance' && method !== 'forward' && method !== '__call__' && owner.cls.methods.has(method)) {
      return invoke(interp, owner.cls.methods.get(method)!, owner, args);
    }
    if (owner.k === 'instance' && (method === 'register_buffer' || method === 'register_parameter') && args.positional[0]?.k === 'str' && args.positional[1]) {
      owner.attrs.set(args.positional[0].v, args.positional[1]);
      return { k: 'none' };
    }
    // A class method or factory of a same-file class (`LayerNorm.build(config)`, `Block.from_config(cfg)`).
    if (owner.k === 'classref' && owner.cls.methods.has(method)) return invoke(interp, owner.cls.methods.get(method)!, null, args, owner);
    if (owner.k === 'list' && (method === 'append' || method === 'extend')) {
      const items = method === 'append' ? args.positional.slice(0, 1) : args.positional[0]?.k === 'list' ? args.positional[0].items : [];
      owner.items.push(...items);
      const loop = interp.loopStack[interp.loopStack.length - 1];
      if (loop && loop.depth === interp.callStack.length && !owner.repeat) owner.repeat = { count: loop.count, node: loop.node };
      return { k: 'none' };
    }
    if (isTensorOfStream(owner)) return tensorMethod(interp, owner, method, args, node);
    if (owner.k === 'str' && STRING_CASES.has(method)) return owner;
    if (owner.k === 'ref') return callValue(interp, { k: 'ref', name: `${owner.name}.${method}` }, args, node);
    if (owner.k === 'config' || owner.k === 'dict') {
      const key = args.positional[0];
      if (method === 'get' && key?.k === 'str') {
        return (owner.k === 'config' ? owner.fields.get(key.v) : owner.entries.get(key.v)) ?? args.positional[1] ?? { k: 'none' };
      }
    }
    if ((method === 'forward' || method === '__call__') && MODULE_KINDS.has(owner.k)) {
      return apply(interp, owner, args, node);
    }
    if (owner.k === 'instance' || owner.k === 'dict' || owner.k === 'config' || owner.k === 'param') {
      const attribute = interp.attributeOf(owner, method, fnNode);
      return fusedResidualCall(interp, fnNode, attribute, args, node) ?? callValue(interp, attribute, args, node);
    }
    return { k: 'opaque', deps: tensorArgs(args), text: fnNode.text.slice(0, 80) };
  }
  const callee = interp.eval(fnNode, frame);
  // `bias_dropout_add(x, bias, residual, prob)`: the residual add fused into a helper.
  return fusedResidualCall(interp, fnNode, callee, args, node) ?? callValue(interp, callee, args, node);
}

/** A method called on a tensor of the stream: layout-only methods keep it, in-place and plain adds sum. */
function tensorMethod(interp: Interpreter, owner: Value, method: string, args: Arguments, node: Node): Value {
  if (TRANSPARENT_METHODS.has(method) || STREAM_KEEPING_METHODS.has(method)) return owner;
  // tinygrad's `x.layernorm()`, `x.rms_norm()`: the tensor normalised.
  const normType = TENSOR_NORM_METHODS.get(method);
  if (normType) {
    const applied: Value = { k: 'norm', norm: { k: 'normModule', className: `.${method}()`, type: normType, name: method, node }, arg: owner, node };
    interp.normApplications.push(applied);
    return applied;
  }
  const other = args.positional[0];
  if ((method === 'add' || method === 'add_') && other && isTensorOfStream(other)) return arithmetic('+', owner, other, node, node);
  // `torch.stack([branch(x) for branch in self.branches]).sum(0)`: the stacked branches, summed.
  if (method === 'sum' && owner.k === 'opaque' && owner.text === STACKED) return owner.deps.length === 1 ? owner.deps[0] : { k: 'add', terms: owner.deps, node };
  return { k: 'opaque', deps: [owner, ...tensorArgs(args)], text: `.${method}()` };
}

/** `super().method(...)` inside a method: the nearest same-file base that has it, on the same instance. */
function callSuper(interp: Interpreter, frame: Frame, method: string, args: Arguments): Value {
  const self = frame.env.get('self');
  const definer = interp.definingStack[interp.definingStack.length - 1];
  if (!self || self.k !== 'instance' || !definer) return { k: 'none' };
  const base = definer.parents.find((p) => p.methods.has(method));
  if (!base) return { k: 'none' };
  const fn = base.methods.get(method)!;
  if (method === 'forward' || method === '__call__') interp.instanceApplications++;
  if (method === '__init__') return invoke(interp, fn, self, superInitArguments(fn, args, (name) => CONFIG_PARAM.test(name), (name) => unboundConfig(interp, name)));
  return invoke(interp, fn, self, args);
}

function readArguments(interp: Interpreter, argsNode: Node | null, frame: Frame): Arguments {
  const positional: Value[] = [];
  let keywords: Map<string, Value> | null = null;
  if (!argsNode) return { positional, keywords: NO_KEYWORDS };
  for (const arg of named(argsNode)) {
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text;
      const value = arg.childForFieldName('value');
      if (name && value) (keywords ??= new Map()).set(name, interp.eval(value, frame));
    } else if (arg.type === 'list_splat') {
      const inner = arg.namedChild(0);
      const value = inner ? interp.eval(inner, frame) : { k: 'unknown' as const, why: 'splat' };
      // `nn.Sequential(*[Block() for _ in range(n)])` keeps the stack as one repeated list.
      if (value.k === 'list' && value.repeat) positional.push(value);
      else if (value.k === 'list' || value.k === 'tuple') positional.push(...value.items);
      else positional.push(value);
    } else if (arg.type === 'dictionary_splat') {
      // `block(**states)` with a dict the file built: its entries are keyword arguments.
      const inner = arg.namedChild(0);
      const value = inner ? interp.eval(inner, frame) : null;
      if (value?.k === 'dict') for (const [name, v] of value.entries) (keywords ??= new Map()).set(name, v);
    } else {
      positional.push(interp.eval(arg, frame));
    }
  }
  return { positional, keywords: keywords ?? NO_KEYWORDS };
}

/** The arguments that are tensors of the stream, positional first. */
export function tensorArgs(args: Arguments): Value[] {
  const out: Value[] = [];
  for (const value of args.positional) if (isTensorOfStream(value)) out.push(value);
  if (args.keywords.size > 0) for (const value of args.keywords.values()) if (isTensorOfStream(value)) out.push(value);
  return out;
}

export function callValue(interp: Interpreter, callee: Value, args: Arguments, node: Node): Value {
  switch (callee.k) {
    case 'classref': return construct(interp, callee.cls, args, node);
    case 'ref': {
      const last = libraryName(callee.name).last;
      // `checkpoint(self.block, x)`, `partial(nn.LayerNorm, eps=1e-6)`: what the wrapped callable does.
      if (CHECKPOINTS.has(last) && args.positional.length > 0) return callValue(interp, args.positional[0], { positional: args.positional.slice(1), keywords: NO_KEYWORDS }, node);
      // transformers' `apply_chunking_to_forward(forward_fn, chunk_size, chunk_dim, *tensors)`: forward_fn on the tensors.
      if (last === 'apply_chunking_to_forward' && args.positional.length > 3) return callValue(interp, args.positional[0], { positional: args.positional.slice(3), keywords: NO_KEYWORDS }, node);
      if (last === 'partial' && args.positional.length > 0) return args.positional[0];
      if (last === 'isinstance') return typeTest(args) ?? callLibrary(interp, callee.name, args, node);
      if (VIEWLESS.has(last)) return viewless(args) ?? callLibrary(interp, callee.name, args, node);
      return callLibrary(interp, callee.name, args, node);
    }
    case 'funcref': return callee.closure ? callClosure(interp, { ...callee, closure: callee.closure }, args, node) : callFunction(interp, callee, args, node);
    case 'lambda': return callLambda(interp, callee, args, node);
    case 'instance': case 'builtin': case 'normModule': case 'seq': case 'list': return apply(interp, callee, args, node);
    case 'param': {
      // An injected module (`self.fn(x)` where fn came in as an argument we cannot see).
      if (tensorArgs(args).length === 0) {
        if (builderSaysNorm(callee.name)) return inferredNorm(callee.name, callee.name, node, `built by ${callee.name}, an argument the analyzer cannot see; its name says norm`, resolveBuilderType(interp.module, callee.name));
        return { k: 'opaque', deps: [], text: node.text.slice(0, 80) };
      }
      // `self.attention_norm(x)` on an attribute no constructor here set (a base class in another file).
      if (callee.unseen && builderSaysNorm(callee.name)) {
        const norm = inferredNorm(callee.name, callee.name, node, `${callee.name} is set where the analyzer cannot see; its name says norm`, annotatedType(callee.annotation ?? null));
        const applied: Value = { k: 'norm', norm, arg: tensorArgs(args)[0], node };
        interp.normApplications.push(applied);
        return applied;
      }
      const module: Builtin = { k: 'builtin', className: callee.name, name: callee.name, node, args: [], kwargs: NO_KEYWORDS, id: freshId(), unresolved: true };
      return { k: 'apply', module, args: tensorArgs(args), node };
    }
    // Calling None never runs: the branch it sits in is one the file does not take here.
    case 'none': return { k: 'opaque', deps: tensorArgs(args), text: node.text.slice(0, 80) };
    default: {
      // Something was called that the analyzer could not resolve: if it is on a residual branch, a
      // norm may hide in it, so the branch must not read as having none.
      const tensors = tensorArgs(args);
      // A norm takes one tensor: a call on several (`flash_attn_func(q, k, v)`) is part of a sublayer.
      return { k: 'opaque', deps: tensors, text: node.text.slice(0, 80), unresolved: tensors.length === 1 || undefined };
    }
  }
}

/** Applies a module value to arguments: what the call computes, symbolically. */
export function apply(interp: Interpreter, module: Value, args: Arguments, node: Node): Value {
  const tensors = tensorArgs(args);
  const first = args.positional[0] ?? tensors[0] ?? { k: 'unknown' as const, why: 'no input' };
  switch (module.k) {
    case 'normModule': {
      // `norm_layer(dim)` where norm_layer is a norm class (passed in, built by a helper): a norm module.
      if (tensors.length === 0 && !args.positional.some((a) => TENSOR_KINDS.has(a.k))) return module;
      const applied: Value = { k: 'norm', norm: module, arg: first, node };
      interp.normApplications.push(applied);
      return applied;
    }
    case 'builtin':
      if (libraryName(module.className).dropoutLike) return first;
      // An imported residual helper applied to the stream and a branch (`ResidualStream(x, f(x))`): their sum.
      if (/Residual/.test(module.className) && tensors.length === 2) return arithmetic('+', tensors[0], tensors[1], node, node);
      return { k: 'apply', module, args: tensors, node };
    case 'seq': {
      const structural = module.items.some((i) => i.k === 'normModule' || i.k === 'instance' || i.k === 'list');
      if (!structural) {
        const asModule: Builtin = { k: 'builtin', className: 'nn.Sequential', name: module.name, node: module.node, args: [], kwargs: NO_KEYWORDS, id: module.id };
        return { k: 'apply', module: asModule, args: tensors, node };
      }
      let current = first;
      for (const item of module.items) current = apply(interp, item, { positional: [current], keywords: NO_KEYWORDS }, node);
      return current;
    }
    case 'list': {
      const item = module.items[0];
      return item ? apply(interp, item, args, node) : first;
    }
    case 'instance': return applyInstance(interp, module, args, node, tensors, first);
    default: return { k: 'opaque', deps: tensors, text: node.text.slice(0, 80) };
  }
}

function applyInstance(interp: Interpreter, module: Instance, args: Arguments, node: Node, tensors: Value[], first: Value): Value {
  interp.instanceApplications++;
  if (interp.blockClasses.has(module.cls) && !interp.callStack.includes(module.cls)) {
    return { k: 'apply', module: { k: 'block', cls: module.cls, name: module.name }, args: tensors, node };
  }
  if (/^Drop|DropPath|Dropout|StochasticDepth|Identity$/.test(module.cls.name)) return first;
  const forward = forwardOf(module.cls);
  const through = isReadThrough(module);
  if (!forward || interp.callStack.includes(module.cls) || interp.callStack.length > 10 || (OPAQUE_CLASSES.has(module.cls) && !through)) {
    return { k: 'apply', module, args: tensors, node };
  }
  const result = invoke(interp, forward, module, args);
  // Inline classes that shape the residual path (add-and-norm helpers, Residual/PreNorm wrappers);
  // treat the rest (attention, MLP) as one opaque sublayer, and remember so (their code does not change).
  const inputs = new Set([...args.positional, ...args.keywords.values()]);
  // A dict-returning helper (`{"hidden_states": norm(x + f(x))}`) is read through its stream entry.
  const main = mainOutput(result);
  if (through || isStructural(main, inputs)) {
    markSite(main, inputs, node);
    return result;
  }
  // A module that normalises its input before all else (`x = self.norm(x)` first in an attention's
  // forward) is that norm, then an opaque sublayer (leadingNorms.ts); not remembered as opaque.
  const lead = tensors.length === 1 ? leadingNorm(main, tensors[0]) : null;
  if (lead) return { k: 'apply', module, args: [lead], node };
  // Only a reading on the stream says the class does not shape it (a norm wrapper applied to a memory
  // that is no tensor here returns no norm, yet normalises the stream).
  if (tensors.length > 0) OPAQUE_CLASSES.add(module.cls);
  return { k: 'apply', module, args: tensors, node };
}

/** Points the sublayers an inlined helper applied at the caller's call (`self.attn(x)`, not PreNorm's `self.fn(...)`). */
function markSite(value: Value, inputs: Set<Value>, site: Node): void {
  const seen = new Set<Value>();
  const visit = (v: Value, depth: number): void => {
    if (inputs.has(v) || seen.has(v) || depth > 40) return;
    seen.add(v);
    if (v.k === 'apply') v.site = site;
    if (v.k === 'norm') visit(v.arg, depth + 1);
    else if (v.k === 'scale') visit(v.value, depth + 1);
    else if (v.k === 'apply') v.args.forEach((a) => visit(a, depth + 1));
    else if (v.k === 'add') v.terms.forEach((t) => visit(t, depth + 1));
    else if (v.k === 'tuple' && v.items.length > 0) visit(v.items[0], depth + 1);
  };
  visit(value, 0);
}

/** Whether a result's spine (the path back to its inputs, not through arithmetic) holds a norm or a residual sum. */
export function isStructural(value: Value, inputs: Set<Value>): boolean {
  const visit = (v: Value, depth: number): boolean => {
    if (inputs.has(v) || depth > 40) return false;
    switch (v.k) {
      case 'norm': return true;
      // A residual sum carries an input itself (`x + f(x)`), not a computation of it (an MoE's `out + expert(x)`).
      // A bias or shift added to one tensor (`x * (1 + scale) + shift`) is no residual sum.
      case 'add': return v.terms.some((t) => carriesInput(t, inputs, 0)) && v.terms.filter(isTensorOfStream).length >= 2;
      case 'scale': return visit(v.value, depth + 1);
      case 'apply': return v.args.some((a) => visit(a, depth + 1));
      case 'tuple': return v.items.length > 0 && visit(v.items[0], depth + 1);
      default: return false;
    }
  };
  return visit(value, 0);
}

/** An input itself, scaled, or an earlier residual sum (normalised or not) that carries one. */
function carriesInput(value: Value, inputs: Set<Value>, depth: number): boolean {
  if (inputs.has(value)) return true;
  if (depth > 40) return false;
  if (value.k === 'scale') return carriesInput(value.value, inputs, depth + 1);
  if (value.k === 'norm') return carriesInput(value.arg, inputs, depth + 1);
  if (value.k === 'add') return value.terms.some((t) => carriesInput(t, inputs, depth + 1));
  return false;
}

/** Runs a function or method body with its parameters bound; returns what it returns. */
export function invoke(interp: Interpreter, fn: Node, self: Instance | null, args: Arguments, receiver?: Value): Value {
  const frame: Frame = { env: new Map(), returned: null };
  // A class method's first parameter (`cls`) is the class it was called on.
  if (receiver) frame.env.set('cls', receiver);
  bindParameters(interp, fn, self, args, frame, receiver !== undefined);
  const body = fn.childForFieldName('body');
  const definer = self ? definerOf(fn) ?? self.cls : null;
  if (self) interp.callStack.push(self.cls);
  if (definer) interp.definingStack.push(definer);
  try {
    if (body) interp.execBlock(body, frame);
  } finally {
    if (self) interp.callStack.pop();
    if (definer) interp.definingStack.pop();
    interp.lastFrame = frame;
  }
  return frame.returned ?? { k: 'none' };
}

/** Binds self, positional and keyword arguments, then defaults; unbound config-like parameters resolve to the file's config class. */
function bindParameters(interp: Interpreter, fn: Node, self: Instance | null, args: Arguments, frame: Frame, classMethod: boolean): void {
  const params = named(fn.childForFieldName('parameters') ?? fn);
  let position = 0;
  for (let i = 0; i < params.length; i++) {
    const param = params[i];
    const type = param.type;
    if (type === 'list_splat_pattern' || type === 'dictionary_splat_pattern' || type === 'keyword_separator' || type === 'positional_separator') continue;
    const nameNode = type === 'identifier' ? param : param.childForFieldName('name') ?? param.namedChild(0);
    const name = nameNode?.text ?? '';
    if (i === 0 && self && name === 'self') { frame.env.set('self', self); continue; }
    if (i === 0 && classMethod && (name === 'cls' || name === 'self')) { frame.env.set(name, frame.env.get('cls')!); continue; }
    const given = args.keywords.get(name) ?? args.positional[position++];
    if (given) { frame.env.set(name, withOrigin(given, name)); continue; }
    const defaultNode = param.childForFieldName('value');
    if (defaultNode) { frame.env.set(name, withOrigin(interp.eval(defaultNode, { env: new Map(), returned: null }), name)); continue; }
    const annotation = param.childForFieldName('type')?.text;
    const configClass = annotation ? interp.module.classes.get(annotation.replace(/['"]/g, '')) : undefined;
    if (configClass) { frame.env.set(name, configValue(interp, configClass, name)); continue; }
    if (CONFIG_PARAM.test(name)) { frame.env.set(name, unboundConfig(interp, name)); continue; }
    frame.env.set(name, { k: 'param', name });
  }
}

/** A config-like parameter not passed: the file's one config class, or a config with no fields known. */
function unboundConfig(interp: Interpreter, name: string): Value {
  const candidates = configClassesOf(interp.module);
  return candidates.length === 1 ? configValue(interp, candidates[0], name) : { k: 'config', cls: null, fields: new Map(), name };
}

/** Constructs a same-file class: a norm class becomes a norm module; anything else an instance. */
export function construct(interp: Interpreter, cls: ClassInfo, args: Arguments, node: Node): Value {
  const normKind = customNormKind(cls);
  if (normKind === 'batch') interp.batchNormsMade = true;
  if (normKind) return { k: 'normModule', className: cls.name, type: normKind === 'batch' ? 'other' : normKind, name: cls.name, node, batch: normKind === 'batch', width: widthOf(args) };
  if (isConfigClass(cls)) return configValue(interp, cls, cls.name);
  const instance: Instance = { k: 'instance', cls, name: cls.name, attrs: new Map(), node, id: freshId() };
  // Only a loop in the constructing method itself stacks the class (not one around the caller).
  const top = interp.loopStack[interp.loopStack.length - 1];
  const loop = top && top.depth === interp.callStack.length ? top : null;
  interp.constructions.push({ cls, instance, repeat: loop ?? null, node, owner: interp.callStack[interp.callStack.length - 1] ?? null });
  if (interp.callStack.includes(cls) || interp.callStack.length > 10) return instance;
  const init = cls.methods.get('__init__');
  // Dataclass-style modules (Flax) take their fields as constructor arguments.
  // Defaults are read in an empty frame that no expression writes to: one serves every field, made when needed.
  let empty: Frame | null = null;
  cls.fields.forEach((field, i) => {
    const given = args.keywords.get(field.name) ?? (init ? undefined : args.positional[i]);
    const value = given ?? (field.value ? interp.eval(field.value, (empty ??= { env: new Map(), returned: null })) : undefined);
    if (value) instance.attrs.set(field.name, withOrigin(value, field.name));
  });
  if (init) invoke(interp, init, instance, args);
  const setup = cls.methods.get('setup');
  if (setup) invoke(interp, setup, instance, { positional: [], keywords: NO_KEYWORDS });
  const build = kerasBuild(cls);
  if (build) invoke(interp, build, instance, { positional: [{ k: 'param', name: 'input_shape' }], keywords: NO_KEYWORDS });
  return instance;
}
