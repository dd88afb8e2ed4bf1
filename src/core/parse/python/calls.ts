// Call semantics for the symbolic interpreter: constructing modules (same-file classes run their
// __init__ / Flax fields + setup), applying them to tensors (norms, opaque sublayers, inlined helper
// classes such as BERT's add-and-norm), and the library calls model code leans on.

import type { Frame, Interpreter } from './interpreter';
import { libraryName } from './libraryNames';
import { customNormKind } from './norms';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { forwardOf, named } from './syntax';
import type { Builtin, Instance, NormModule, Value } from './values';
import { freshId, isTensorOfStream, numberOf } from './values';

/** Tensor methods that change dtype, layout or view but not what the tensor means for the stream. */
const TRANSPARENT_METHODS = new Set(['to', 'float', 'half', 'bfloat16', 'double', 'type', 'type_as', 'contiguous', 'clone', 'view', 'reshape', 'view_as', 'cuda', 'cpu', 'astype']);
/** Values that are modules (calling one applies it). */
const MODULE_KINDS: ReadonlySet<Value['k']> = new Set(['instance', 'builtin', 'normModule', 'seq', 'list']);
const CONFIG_PARAM = /^(config|cfg|conf|args|params|hparams|hp|model_args|opt|settings)$/;

interface Arguments { positional: Value[]; keywords: ReadonlyMap<string, Value> }

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
    const owner = interp.eval(fnNode.childForFieldName('object')!, frame);
    const method = fnNode.childForFieldName('attribute')?.text ?? '';
    if (owner.k === 'instance' && method !== 'forward' && method !== '__call__' && owner.cls.methods.has(method)) {
      return invoke(interp, owner.cls.methods.get(method)!, owner, args);
    }
    if (owner.k === 'list' && (method === 'append' || method === 'extend')) {
      const items = method === 'append' ? args.positional.slice(0, 1) : args.positional[0]?.k === 'list' ? args.positional[0].items : [];
      owner.items.push(...items);
      const loop = interp.loopStack[interp.loopStack.length - 1];
      if (loop && loop.depth === interp.callStack.length && !owner.repeat) owner.repeat = { count: loop.count, node: loop.node };
      return { k: 'none' };
    }
    if (isTensorOfStream(owner)) {
      if (TRANSPARENT_METHODS.has(method)) return owner;
      return { k: 'opaque', deps: [owner, ...tensorArgs(args)], text: `.${method}()` };
    }
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
    if (owner.k === 'instance' || owner.k === 'dict' || owner.k === 'config') {
      return callValue(interp, interp.attributeOf(owner, method, fnNode), args, node);
    }
    return { k: 'opaque', deps: tensorArgs(args), text: fnNode.text.slice(0, 80) };
  }
  return callValue(interp, interp.eval(fnNode, frame), args, node);
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
    } else if (arg.type !== 'dictionary_splat') {
      positional.push(interp.eval(arg, frame));
    }
  }
  return { positional, keywords: keywords ?? NO_KEYWORDS };
}

/** The arguments that are tensors of the stream, positional first. */
function tensorArgs(args: Arguments): Value[] {
  const out: Value[] = [];
  for (const value of args.positional) if (isTensorOfStream(value)) out.push(value);
  if (args.keywords.size > 0) for (const value of args.keywords.values()) if (isTensorOfStream(value)) out.push(value);
  return out;
}

function callValue(interp: Interpreter, callee: Value, args: Arguments, node: Node): Value {
  switch (callee.k) {
    case 'classref': return construct(interp, callee.cls, args, node);
    case 'ref': return callLibrary(interp, callee.name, args, node);
    case 'funcref': return invoke(interp, callee.fn, null, args);
    case 'instance': case 'builtin': case 'normModule': case 'seq': case 'list': return apply(interp, callee, args, node);
    case 'param': {
      // An injected module (`self.fn(x)` where fn came in as an argument we cannot see).
      if (tensorArgs(args).length === 0) return { k: 'opaque', deps: [], text: node.text.slice(0, 80) };
      const module: Builtin = { k: 'builtin', className: callee.name, name: callee.name, node, args: [], kwargs: NO_KEYWORDS, id: freshId() };
      return { k: 'apply', module, args: tensorArgs(args), node };
    }
    default:
      return { k: 'opaque', deps: tensorArgs(args), text: node.text.slice(0, 80) };
  }
}

function callLibrary(interp: Interpreter, name: string, args: Arguments, node: Node): Value {
  const library = libraryName(name);
  const last = library.last;
  const first = args.positional[0];
  const normKind = library.normKind;
  if (normKind) {
    if (normKind === 'batch') interp.batchNormsMade = true;
    const norm: NormModule = { k: 'normModule', className: name, type: normKind === 'batch' ? 'other' : normKind, name: last, node, batch: normKind === 'batch', width: widthOf(args) };
    return norm;
  }
  const functional = library.functional;
  if (functional && first) {
    const norm: NormModule = { k: 'normModule', className: name, type: functional, name, node };
    const applied: Value = { k: 'norm', norm, arg: first, node };
    interp.normApplications.push(applied);
    return applied;
  }
  if (library.dropoutLike && first && isTensorOfStream(first)) return first;
  if (last === 'ModuleList' || last === 'list') {
    if (first?.k === 'list') return { k: 'list', items: [...first.items], repeat: first.repeat };
    return { k: 'list', items: [], repeat: null };
  }
  if (last === 'Sequential') {
    if (args.positional.length === 1 && first?.k === 'list' && first.repeat) return first;
    return { k: 'seq', items: args.positional, name: 'Sequential', node, id: freshId() };
  }
  if (last === 'ModuleDict' || last === 'dict') {
    if (first?.k === 'dict') return first;
    return { k: 'dict', entries: new Map(args.keywords) };
  }
  if (library.numeric) {
    const numbers = args.positional.map(numberOf);
    if (numbers.length > 0 && numbers.every((n): n is number => n !== null)) {
      const [x] = numbers;
      const v = last === 'int' ? Math.trunc(x) : last === 'round' ? Math.round(x) : last === 'floor' ? Math.floor(x) : last === 'ceil' ? Math.ceil(x)
        : last === 'sqrt' ? Math.sqrt(x) : last === 'abs' ? Math.abs(x) : last === 'max' ? Math.max(...numbers) : last === 'min' ? Math.min(...numbers) : x;
      if (last === 'bool') return { k: 'bool', v: x !== 0, text: node.text };
      return { k: 'num', v, text: node.text };
    }
    if (first && (first.k === 'index' || first.k === 'indexCmp')) return first;
  }
  if (library.capitalised) {
    const builtin: Builtin = { k: 'builtin', className: name, name: last, node, args: args.positional, kwargs: args.keywords, id: freshId() };
    interp.builtins.push(builtin);
    return builtin;
  }
  const tensors = tensorArgs(args);
  return { k: 'opaque', deps: tensors, text: node.text.slice(0, 80) };
}

/** Applies a module value to arguments: what the call computes, symbolically. */
export function apply(interp: Interpreter, module: Value, args: Arguments, node: Node): Value {
  const tensors = tensorArgs(args);
  const first = args.positional[0] ?? tensors[0] ?? { k: 'unknown' as const, why: 'no input' };
  switch (module.k) {
    case 'normModule': {
      const applied: Value = { k: 'norm', norm: module, arg: first, node };
      interp.normApplications.push(applied);
      return applied;
    }
    case 'builtin':
      if (libraryName(module.className).dropoutLike) return first;
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
  if (!forward || interp.callStack.includes(module.cls) || interp.callStack.length > 10 || OPAQUE_CLASSES.has(module.cls)) {
    return { k: 'apply', module, args: tensors, node };
  }
  const result = invoke(interp, forward, module, args);
  // Inline classes that shape the residual path (add-and-norm helpers, Residual/PreNorm wrappers);
  // treat the rest (attention, MLP) as one opaque sublayer, and remember so (their code does not change).
  const inputs = new Set([...args.positional, ...args.keywords.values()]);
  if (isStructural(result, inputs)) {
    markSite(result, inputs, node);
    return result;
  }
  OPAQUE_CLASSES.add(module.cls);
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

/** Whether a result's spine (the path back to its inputs, not through arithmetic) holds a norm or a sum. */
function isStructural(value: Value, inputs: Set<Value>): boolean {
  const visit = (v: Value, depth: number): boolean => {
    if (inputs.has(v) || depth > 40) return false;
    switch (v.k) {
      case 'norm': return true;
      case 'add': return v.terms.filter((t) => reachesInput(t, inputs)).length > 0 && v.terms.some(isTensorOfStream);
      case 'scale': return visit(v.value, depth + 1);
      case 'apply': return v.args.some((a) => visit(a, depth + 1));
      case 'tuple': return v.items.length > 0 && visit(v.items[0], depth + 1);
      default: return false;
    }
  };
  return visit(value, 0);
}

function reachesInput(value: Value, inputs: Set<Value>): boolean {
  if (inputs.has(value)) return true;
  switch (value.k) {
    case 'norm': return reachesInput(value.arg, inputs);
    case 'scale': return reachesInput(value.value, inputs);
    case 'apply': return value.args.some((a) => reachesInput(a, inputs));
    case 'add': return value.terms.some((t) => reachesInput(t, inputs));
    case 'tuple': return value.items.length > 0 && reachesInput(value.items[0], inputs);
    default: return false;
  }
}

/** Runs a function or method body with its parameters bound; returns what it returns. */
export function invoke(interp: Interpreter, fn: Node, self: Instance | null, args: Arguments): Value {
  const frame: Frame = { env: new Map(), returned: null };
  bindParameters(interp, fn, self, args, frame);
  const body = fn.childForFieldName('body');
  if (self) interp.callStack.push(self.cls);
  try {
    if (body) interp.execBlock(body, frame);
  } finally {
    if (self) interp.callStack.pop();
  }
  return frame.returned ?? { k: 'none' };
}

/** Binds self, positional and keyword arguments, then defaults; unbound config-like parameters resolve to the file's config class. */
function bindParameters(interp: Interpreter, fn: Node, self: Instance | null, args: Arguments, frame: Frame): void {
  const params = named(fn.childForFieldName('parameters') ?? fn);
  let position = 0;
  for (let i = 0; i < params.length; i++) {
    const param = params[i];
    const type = param.type;
    if (type === 'list_splat_pattern' || type === 'dictionary_splat_pattern' || type === 'keyword_separator' || type === 'positional_separator') continue;
    const nameNode = type === 'identifier' ? param : param.childForFieldName('name') ?? param.namedChild(0);
    const name = nameNode?.text ?? '';
    if (i === 0 && self && name === 'self') { frame.env.set('self', self); continue; }
    const given = args.keywords.get(name) ?? args.positional[position++];
    if (given) { frame.env.set(name, withOrigin(given, name)); continue; }
    const defaultNode = param.childForFieldName('value');
    if (defaultNode) { frame.env.set(name, withOrigin(interp.eval(defaultNode, { env: new Map(), returned: null }), name)); continue; }
    const annotation = param.childForFieldName('type')?.text;
    const configClass = annotation ? interp.module.classes.get(annotation.replace(/['"]/g, '')) : undefined;
    if (configClass) { frame.env.set(name, configValue(interp, configClass, name)); continue; }
    if (CONFIG_PARAM.test(name)) {
      const candidates = configClassesOf(interp.module);
      frame.env.set(name, candidates.length === 1 ? configValue(interp, candidates[0], name) : { k: 'config', cls: null, fields: new Map(), name });
      continue;
    }
    frame.env.set(name, { k: 'param', name });
  }
}

/** Constants that came in through a parameter remember it, so a branch on them is a reportable flag. */
function withOrigin(value: Value, name: string): Value {
  if ((value.k === 'bool' || value.k === 'num' || value.k === 'str' || value.k === 'none') && !value.origin) return { ...value, origin: name };
  return value;
}

/** A config class: fields or an __init__ that only stores constants, and no forward. */
export function isConfigClass(cls: ClassInfo): boolean {
  if (forwardOf(cls)) return false;
  if (/config|args|params|hparams|settings/i.test(cls.name)) return true;
  return cls.decorators.some((d) => d.includes('dataclass')) && cls.fields.length > 0;
}

const configClassCache = new WeakMap<ModuleInfo, ClassInfo[]>();

/** The module's config classes, found once per file: every config-like parameter of every call asks. */
function configClassesOf(module: ModuleInfo): ClassInfo[] {
  let found = configClassCache.get(module);
  if (!found) configClassCache.set(module, (found = [...module.classes.values()].filter(isConfigClass)));
  return found;
}

const configCache = new WeakMap<ClassInfo, Map<string, Value>>();
/** Each file's filled config caches: the values every construction shares (surveyBuilds keeps them shared). */
const filledConfigs = new WeakMap<ModuleInfo, Array<ReadonlyMap<string, Value>>>();

export function filledConfigFields(module: ModuleInfo): ReadonlyArray<ReadonlyMap<string, Value>> {
  return filledConfigs.get(module) ?? [];
}

function configValue(interp: Interpreter, cls: ClassInfo, name: string): Value {
  let fields = configCache.get(cls);
  if (!fields) {
    interp.configFills++;
    fields = new Map();
    const empty: Frame = { env: new Map(), returned: null };
    for (const field of cls.fields) if (field.value) fields.set(field.name, withOrigin(interp.eval(field.value, empty), field.name));
    const init = cls.methods.get('__init__');
    if (init) {
      const instance: Instance = { k: 'instance', cls, name: cls.name, attrs: new Map(fields), node: cls.node, id: freshId() };
      invoke(interp, init, instance, { positional: [], keywords: NO_KEYWORDS });
      for (const [key, value] of instance.attrs) fields.set(key, withOrigin(value, key));
    }
    configCache.set(cls, fields);
    let filled = filledConfigs.get(interp.module);
    if (!filled) filledConfigs.set(interp.module, (filled = []));
    filled.push(fields);
  }
  return { k: 'config', cls, fields, name };
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
  return instance;
}

/** The normalised width a norm constructor was given (`nn.LayerNorm(config.n_embd)`), where known. */
function widthOf(args: Arguments): number | null {
  for (const key of ['normalized_shape', 'dim', 'hidden_size', 'd_model', 'ndim', 'num_features']) {
    const value = numberOf(args.keywords.get(key));
    if (value !== null) return value;
  }
  const first = args.positional[0];
  if (first?.k === 'tuple' || first?.k === 'list') return numberOf(first.items[0]);
  return numberOf(first);
}
