// A block whose forward returns only its sublayers, F(N(x)), made residual by a wrapper module the file
// puts around it (lucidrains style: `Residual(Block(...))` in an nn.Sequential, a list comprehension, a
// ModuleList or a builder function; `Residual(PreNorm(dim, Block(...)))`; `PostNorm(dim, Residual(...))`).
// Such a block is read as the composition: the outermost wrapper's forward, run on wrapper instances
// built around the block's own instance. A block found wrapped nowhere keeps its own reading.

import type { Arguments } from './calls';
import { construct, invoke } from './calls';
import { isConfigClass } from './configs';
import type { DecomposeResult } from './decompose';
import { decompose } from './decompose';
import type { FlagSeen } from './interpreter';
import { Interpreter } from './interpreter';
import { customNormKind, libraryNormKind } from './norms';
import { markReadThrough, unmarkReadThrough } from './readThrough';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { forwardOf, lineOf, named } from './syntax';
import type { Instance, Value } from './values';
import { freshId } from './values';

/** One wrapper call around the block (innermost first in a chain); `slot` is where the inner module goes. */
interface Wrapping { cls: ClassInfo; call: Node; slot: number | string }

/** The wrappers around one construction of the block, innermost first, and that construction. */
export interface WrapChain { wrappers: Wrapping[]; site: Node }

/** At most this many differently wrapped sites of one block are read. */
const MAX_CHAINS = 4;
/** Wrappers nest a few deep at most (`PostNorm(Residual(PreNorm(Block)))`). */
const MAX_DEPTH = 6;

const chainsOfModule = new WeakMap<ModuleInfo, Map<string, WrapChain[]>>();

/** Every construction of `cls` in the file that sits inside a wrapper class's constructor call. */
export function wrapChains(module: ModuleInfo, cls: ClassInfo): WrapChain[] {
  let byName = chainsOfModule.get(module);
  if (!byName) {
    byName = collectChains(module);
    chainsOfModule.set(module, byName);
  }
  return byName.get(cls.name) ?? [];
}

function collectChains(module: ModuleInfo): Map<string, WrapChain[]> {
  const out = new Map<string, WrapChain[]>();
  // Most files have no wrapper class at all: skip the walk over the whole tree.
  if (![...module.classes.values()].some(holdsPassedModule)) return out;
  const stack: Node[] = [module.root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'call') {
      const cls = sameFileClass(module, node);
      if (cls) {
        const wrappers = wrappersAround(module, node);
        if (wrappers.length > 0) {
          const list = out.get(cls.name) ?? [];
          list.push({ wrappers, site: node });
          out.set(cls.name, list);
        }
      }
    }
    for (const child of named(node)) stack.push(child);
  }
  return out;
}

/** The same-file class a call constructs (`Block(...)`), if any. */
function sameFileClass(module: ModuleInfo, call: Node): ClassInfo | null {
  const callee = call.childForFieldName('function');
  if (!callee || callee.type !== 'identifier') return null;
  return module.classes.get(callee.text) ?? null;
}

/** A class that can wrap a module: not a norm, not a config, with a forward that loops over nothing (not a model). */
function wrapperClass(module: ModuleInfo, call: Node): ClassInfo | null {
  const cls = sameFileClass(module, call);
  if (!cls || customNormKind(cls) || isConfigClass(cls)) return null;
  const forward = forwardOf(cls);
  if (!forward || /\bfor\b/.test(forward.text) || !holdsPassedModule(cls)) return null;
  return cls;
}

/**
 * Whether the class keeps a module it was given and calls it (`self.fn = fn` in `__init__`, then
 * `self.fn(...)` in forward): what makes a class a wrapper rather than a block that builds its parts.
 */
function holdsPassedModule(cls: ClassInfo): boolean {
  const init = cls.methods.get('__init__');
  const forward = forwardOf(cls);
  if (!init || !forward) return false;
  const parameters = new Set(named(init.childForFieldName('parameters') ?? init).map((p) => (p.type === 'identifier' ? p.text : p.childForFieldName('name')?.text ?? p.namedChild(0)?.text ?? '')));
  for (const match of init.text.matchAll(/self\.(\w+)\s*(?::[^=\n]+)?=\s*(\w+)\s*$/gm)) {
    if (parameters.has(match[2]) && new RegExp(`self\\.${match[1]}\\s*\\(`).test(forward.text)) return true;
  }
  return false;
}

/** The wrapper calls the value of `call` is passed into, innermost first (directly, or through one local name). */
function wrappersAround(module: ModuleInfo, call: Node): Wrapping[] {
  const out: Wrapping[] = [];
  let node = call;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    let wrapping = enclosingWrapper(module, node);
    // `block = Block(dim)` then `Residual(block)` in the same function.
    if (!wrapping && depth === 0) wrapping = throughLocalName(module, node);
    if (!wrapping) break;
    out.push(wrapping);
    node = wrapping.call;
  }
  return out;
}

/** The wrapper call whose argument `node` is (positional or keyword), if any. */
function enclosingWrapper(module: ModuleInfo, node: Node): Wrapping | null {
  let argument = node;
  let parent = node.parent;
  let slot: number | string | null = null;
  if (parent?.type === 'keyword_argument') {
    slot = parent.childForFieldName('name')?.text ?? null;
    argument = parent;
    parent = parent.parent;
    if (slot === null) return null;
  }
  if (parent?.type !== 'argument_list') return null;
  const outer = parent.parent;
  if (outer?.type !== 'call') return null;
  const cls = wrapperClass(module, outer);
  if (!cls) return null;
  if (slot === null) {
    const positional = named(parent).filter((a) => a.type !== 'keyword_argument' && a.type !== 'comment');
    slot = positional.indexOf(argument);
    // After a `*args` splat the position is not known.
    if (slot < 0 || positional.slice(0, slot).some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return null;
  }
  return { cls, call: outer, slot };
}

/** `name = Block(...)` followed, in the same function, by `Wrapper(name)`. */
function throughLocalName(module: ModuleInfo, call: Node): Wrapping | null {
  const assignment = call.parent;
  if (assignment?.type !== 'assignment' || assignment.childForFieldName('right') !== call) return null;
  const target = assignment.childForFieldName('left');
  if (target?.type !== 'identifier') return null;
  let scope: Node | null = assignment;
  while (scope && scope.type !== 'function_definition' && scope.type !== 'module') scope = scope.parent;
  if (!scope) return null;
  const stack: Node[] = [scope];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'identifier' && node.text === target.text && node.startIndex > assignment.endIndex) {
      const wrapping = enclosingWrapper(module, node);
      if (wrapping) return wrapping;
    }
    for (const child of named(node)) stack.push(child);
  }
  return null;
}

/** The classes that wrap one of these classes somewhere in the file (never blocks of their own). */
export function wrapperClassesAround(module: ModuleInfo, classes: readonly ClassInfo[]): Set<ClassInfo> {
  const out = new Set<ClassInfo>();
  for (const cls of classes) for (const chain of wrapChains(module, cls)) for (const w of chain.wrappers) if (w.cls !== cls) out.add(w.cls);
  return out;
}

export interface WrappedReading { result: DecomposeResult; flags: Map<string, FlagSeen> }

export interface WrapContext { module: ModuleInfo; globals: Map<string, Value>; blockClasses: ReadonlySet<ClassInfo>; flagValues: Map<string, boolean> }

/**
 * The reading of `cls` inside the wrappers the file puts around it, or null when it is wrapped nowhere.
 * Sites wrapped in different ways must agree on the placement; a wrapper that adds no input leaves the
 * block unknown, with the block's own reason and the wrapper named.
 */
export function readWrapped(context: WrapContext, cls: ClassInfo, instance: Instance, ownReason: string): WrappedReading | null {
  const chains = distinctChains(wrapChains(context.module, cls));
  if (chains.length === 0) return null;
  const readings: Array<{ chain: WrapChain; result: DecomposeResult; flags: Map<string, FlagSeen> }> = [];
  for (const chain of chains) {
    if (context.module.steps.taken > context.module.steps.limit) break;
    const name = instance.name;
    try {
      readings.push({ chain, ...readChain(context, cls, instance, chain) });
    } catch (e) {
      // A wrapper the interpreter cannot run says nothing about the block.
    } finally {
      // A wrapper's constructor names what it stores (`self.fn = fn`); the block keeps its own name, and
      // is applied as before wherever else it is held.
      instance.name = name;
      unmarkReadThrough(instance);
    }
  }
  const read = readings.filter((r) => r.result.ok && r.result.value.sublayers.some((s) => s.kind !== 'other'));
  if (read.length === 0) {
    const names = chains.map((c) => `${describe(c)} at line ${lineOf(c.wrappers[0].call)}`).join(', ');
    return { result: { ok: false, reason: `${ownReason}; it is wrapped by ${names}, which adds no residual the analyzer could follow either` }, flags: new Map() };
  }
  const placements = read.map((r) => placementKey(r.result));
  if (new Set(placements).size > 1) {
    const ways = read.map((r, i) => `${describe(r.chain)} at line ${lineOf(r.chain.wrappers[0].call)} reads ${placements[i]}`).join('; ');
    return { result: { ok: false, reason: `${cls.name} is wrapped differently in different places, with different placements (${ways})` }, flags: new Map() };
  }
  const chosen = read[0];
  if (!chosen.result.ok) return null;
  const where = `the residual is added by ${describe(chosen.chain)} around ${cls.name} at line ${lineOf(chosen.chain.wrappers[0].call)}`;
  const sublayers = chosen.result.value.sublayers.map((s) => ({ ...s, reason: `${s.reason} (${where})` }));
  return { result: { ok: true, value: { ...chosen.result.value, sublayers } }, flags: chosen.flags };
}

/** One chain per way of wrapping (`Residual(PreNorm(…))`), the first site of each. */
function distinctChains(chains: WrapChain[]): WrapChain[] {
  const seen = new Map<string, WrapChain>();
  for (const chain of chains) {
    const key = chain.wrappers.map((w) => `${w.cls.name}:${w.slot}`).join('>');
    if (!seen.has(key)) seen.set(key, chain);
  }
  return [...seen.values()].slice(0, MAX_CHAINS);
}

function describe(chain: WrapChain): string {
  return chain.wrappers.reduce((inner, w) => `${w.cls.name}(${inner})`, '…');
}

function placementKey(result: DecomposeResult): string {
  if (!result.ok) return 'unknown';
  return [...new Set(result.value.sublayers.map((s) => s.placement))].join('+');
}

/** Builds the wrappers around the block's instance, innermost first, and reads the outermost's forward. */
function readChain(context: WrapContext, cls: ClassInfo, instance: Instance, chain: WrapChain): { result: DecomposeResult; flags: Map<string, FlagSeen> } {
  // The block and its wrappers are read through here, not applied as opaque blocks.
  const inside = new Set([cls, ...chain.wrappers.map((w) => w.cls)]);
  const blockClasses = new Set([...context.blockClasses].filter((c) => !inside.has(c)));
  const interp = new Interpreter(context.module, { globals: context.globals, blockClasses, flagValues: context.flagValues });
  markReadThrough(instance);
  let inner: Value = instance;
  for (const wrapper of chain.wrappers) {
    const made = construct(interp, wrapper.cls, argumentsWith(wrapper, inner), wrapper.call);
    if (made.k !== 'instance') return { result: { ok: false, reason: `${wrapper.cls.name} could not be built around ${cls.name}` }, flags: interp.flagsSeen };
    markReadThrough(made);
    inner = made;
  }
  const outer = inner as Instance;
  const forward = forwardOf(outer.cls)!;
  interp.flagsSeen.clear();
  const stream: Value = { k: 'stream', id: freshId() };
  const output = invoke(interp, forward, outer, { positional: [stream], keywords: new Map() });
  if (interp.exhausted) return { result: { ok: false, reason: 'the analysis budget ran out before the wrapped block was understood' }, flags: interp.flagsSeen };
  return { result: decompose(output, stream), flags: interp.flagsSeen };
}

/** The wrapper's constructor arguments: the inner module in its slot, the arguments before it as unknown parameters. */
function argumentsWith(wrapper: Wrapping, inner: Value): Arguments {
  if (typeof wrapper.slot === 'string') return { positional: [], keywords: new Map([[wrapper.slot, inner]]) };
  const args = named(wrapper.call.childForFieldName('arguments') ?? wrapper.call).filter((a) => a.type !== 'keyword_argument' && a.type !== 'comment');
  const before: Value[] = args.slice(0, wrapper.slot).map((a) => ({ k: 'param', name: a.text.slice(0, 40) }));
  return { positional: [...before, inner], keywords: new Map() };
}

/**
 * Depth and final norm of a wrapped block stacked outside any class (a builder function): the count of
 * the loop or comprehension around the outermost wrapper when the source fixes it, and whether a norm
 * is constructed after the stack (later in the same nn.Sequential, or later in the building function).
 */
export function wrappedStackFacts(module: ModuleInfo, cls: ClassInfo): { layers: number | null; finalNorm: boolean | null } {
  const chain = wrapChains(module, cls)[0];
  if (!chain) return { layers: null, finalNorm: null };
  const outermost = chain.wrappers[chain.wrappers.length - 1].call;
  let layers: number | null = null;
  let finalNorm: boolean | null = null;
  for (let node: Node | null = outermost.parent, guard = 0; node && guard < 12; node = node.parent, guard++) {
    if (node.type === 'list_comprehension' || node.type === 'generator_expression' || node.type === 'for_statement') {
      layers ??= loopCount(node);
    }
    if (node.type === 'argument_list' && node.parent?.type === 'call' && /(^|\.)Sequential$/.test(node.parent.childForFieldName('function')?.text ?? '')) {
      const later = named(node).filter((a) => a.startIndex > outermost.endIndex);
      if (later.length > 0) finalNorm = later.some(constructsNorm(module));
      break;
    }
    if (node.type === 'for_statement') {
      // `for _ in range(depth): layers.append(Residual(Block(dim)))`, then `layers.append(nn.LayerNorm(dim))`.
      const body = node.parent;
      const after = body ? named(body).filter((s) => s.startIndex > node!.endIndex) : [];
      if (after.some((s) => containsNorm(module, s))) finalNorm = true;
      break;
    }
    if (node.type === 'function_definition' || node.type === 'class_definition') break;
  }
  return { layers, finalNorm };
}

function constructsNorm(module: ModuleInfo): (node: Node) => boolean {
  return (node) => {
    if (node.type !== 'call') return false;
    const callee = node.childForFieldName('function')?.text ?? '';
    const local = module.classes.get(callee);
    const kind = local ? customNormKind(local) : libraryNormKind(callee);
    return kind !== null && kind !== 'batch';
  };
}

function containsNorm(module: ModuleInfo, statement: Node): boolean {
  const isNorm = constructsNorm(module);
  const stack = [statement];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isNorm(node)) return true;
    stack.push(...named(node));
  }
  return false;
}

/** `for _ in range(6)` or `range(depth)` with `depth=6` as the function's default: 6; else null. */
function loopCount(loop: Node): number | null {
  const iterable = loop.type === 'for_statement'
    ? loop.childForFieldName('right')
    : named(loop).find((c) => c.type === 'for_in_clause')?.childForFieldName('right');
  if (iterable?.type !== 'call' || iterable.childForFieldName('function')?.text !== 'range') return null;
  const args = named(iterable.childForFieldName('arguments') ?? iterable);
  if (args.length !== 1) return null;
  const bound = args[0];
  if (bound.type === 'integer' && /^\d+$/.test(bound.text)) return Number(bound.text);
  if (bound.type !== 'identifier') return null;
  let fn: Node | null = loop;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  const params = fn ? named(fn.childForFieldName('parameters') ?? fn) : [];
  const param = params.find((p) => (p.childForFieldName('name') ?? p).text === bound.text);
  const value = param?.childForFieldName('value');
  return value?.type === 'integer' && /^\d+$/.test(value.text) && Number(value.text) > 0 ? Number(value.text) : null;
}
