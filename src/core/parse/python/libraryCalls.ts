// Calls of library names the interpreter knows by name (`nn.LayerNorm`, `F.layer_norm`, `nn.Dropout`,
// `nn.ModuleList`, `math.sqrt`, `torch.add`, `functools.partial`), and builders it cannot see whose
// name says they make a norm.

import type { Interpreter } from './interpreter';
import type { Arguments } from './calls';
import { tensorArgs } from './calls';
import { builtByWrapper } from './builderWrappers';
import { isParallelRegionCall } from './fusedResidual';
import { builderSaysNorm, inferredNorm, normTypeOfName } from './inferredNorms';
import { resolveBuilderType } from './normTypeEvidence';
import { libraryName } from './libraryNames';
import { arithmetic } from './operators';
import type { Node } from './syntax';
import type { Builtin, NormModule, Value } from './values';
import { freshId, isTensorOfStream, numberOf } from './values';
import { configFieldRead } from './configReads';
import { learnedProduct } from './residualGains';

export function callLibrary(interp: Interpreter, name: string, args: Arguments, node: Node): Value {
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
  // Dropout that takes its key and rate first (Haiku's `hk.dropout(rng, rate, x)`) keeps its one tensor.
  if (library.dropoutLike) {
    const kept = tensorArgs(args);
    if (kept.length === 1) return kept[0];
  }
  if (last === 'ModuleList' || last === 'list') {
    if (first?.k === 'list') return { k: 'list', items: [...first.items], repeat: first.repeat };
    return { k: 'list', items: [], repeat: null };
  }
  if (last === 'Sequential') {
    if (args.positional.length === 1 && first?.k === 'list' && first.repeat) return first;
    // `nn.Sequential(OrderedDict([('norm', …), ('attn', …)]))`: the named modules, in order.
    if (args.positional.length === 1 && first?.k === 'dict') return { k: 'seq', items: [...first.entries.values()], name: 'Sequential', node, id: freshId() };
    return { k: 'seq', items: args.positional, name: 'Sequential', node, id: freshId() };
  }
  if (last === 'ModuleDict' || last === 'dict' || last === 'OrderedDict') {
    if (first?.k === 'dict') return first;
    if (first?.k === 'list' || first?.k === 'tuple') return { k: 'dict', entries: pairEntries(first.items) };
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
  const idiom = tensorIdiom(last, args, node) ?? learnedProduct(last, args.positional, node) ?? configFieldRead(last, args);
  if (idiom) return idiom;
  if (builderSaysNorm(name)) {
    const tensors = tensorArgs(args);
    if (tensors.length === 0) {
      // A string argument may name the kind (`build_norm(name='low_precision_layernorm', …)`).
      const named = [...args.positional, ...args.keywords.values()].flatMap((a) => (a.k === 'str' ? [a.v] : []));
      const stated = named.map(normTypeOfName).find((t) => t !== 'other');
      return inferredNorm(name, last, node, `${name} is not in this file; its name says it builds a norm`, stated ?? resolveBuilderType(interp.module, name));
    }
    // An imported functional norm (`rms_norm_fn(x, weight)`): a norm of its first tensor.
    const norm = inferredNorm(name, name, node, `${name} is not in this file; its name says it normalises`, normTypeOfName(name));
    const applied: Value = { k: 'norm', norm, arg: tensors[0], node };
    interp.normApplications.push(applied);
    return applied;
  }
  const built = builtByWrapper(interp, args, node);
  if (built) return built;
  if (library.capitalised) {
    const builtin: Builtin = { k: 'builtin', className: name, name: last, node, args: args.positional, kwargs: args.keywords, id: freshId() };
    interp.builtins.push(builtin);
    return builtin;
  }
  const tensors = tensorArgs(args);
  // A layer written as a function call (TF1's `tf.layers.dense(x, units)`, `F.linear(x, w)`): a sublayer applied to its input.
  if (FUNCTIONAL_LAYER.test(name) && first && isTensorOfStream(first)) {
    const layer: Builtin = { k: 'builtin', className: name, name: last, node, args: [], kwargs: new Map(), id: freshId() };
    return { k: 'apply', module: layer, args: [first], node };
  }
  return { k: 'opaque', deps: tensors, text: node.text.slice(0, 80) };
}

/** Functional forms of a linear or convolution layer: TF1's `tf.layers.dense` / `tf.compat.v1.layers.dense`, torch's `F.linear`. */
const FUNCTIONAL_LAYER = /(?:^|\.)layers\.(?:dense|conv1d)$|^(?:F|torch\.nn\.functional)\.linear$/;

/** `[('norm', module), ('attn', module)]` as dict entries (pairs without a string key are left out). */
function pairEntries(items: Value[]): Map<string, Value> {
  const entries = new Map<string, Value>();
  for (const item of items) if (item.k === 'tuple' && item.items.length === 2 && item.items[0].k === 'str') entries.set(item.items[0].v, item.items[1]);
  return entries;
}

/** The text an opaque `torch.stack([...])` carries, so that `.sum(0)` on it is read as a sum of the items. */
export const STACKED = 'torch.stack([...])';

const LAYOUT_ONLY: ReadonlySet<string> = new Set(['rearrange', 'cast', 'reshape', 'transpose']);

/** Library calls on tensors that sum, stack or only rearrange them. */
function tensorIdiom(last: string, args: Arguments, node: Node): Value | null {
  const [first, second] = args.positional;
  if (!first) return null;
  if (last === 'add' && second && isTensorOfStream(first) && isTensorOfStream(second)) return arithmetic('+', first, second, node, node);
  const items = first.k === 'list' || first.k === 'tuple' ? first.items.filter(isTensorOfStream) : [];
  if (last === 'sum' && items.length > 0) return items.slice(1).reduce((a, b) => arithmetic('+', a, b, node, node), items[0]);
  if (last === 'stack' && items.length > 0) return { k: 'opaque', deps: items, text: STACKED };
  // Layout and dtype only: `rearrange(x, …)`, `tf.cast(x, tf.float32)`, `torch.reshape(x, …)`, `tf.transpose(x, …)`.
  if (LAYOUT_ONLY.has(last) && isTensorOfStream(first)) return first;
  // Megatron's `reduce_from_model_parallel_region(x)`: partial results summed across ranks, one tensor's meaning.
  if (isParallelRegionCall(last) && isTensorOfStream(first)) return first;
  // `torch.zeros_like(residual)`: only the shape is read, no value of the stream.
  if (/^(zeros|ones|empty|full|rand|randn)_like$/.test(last)) return { k: 'opaque', deps: [], text: node.text.slice(0, 80) };
  return null;
}

/** The normalised width a norm constructor was given (`nn.LayerNorm(config.n_embd)`), where known. */
export function widthOf(args: Arguments): number | null {
  for (const key of ['normalized_shape', 'dim', 'hidden_size', 'd_model', 'ndim', 'num_features']) {
    const value = numberOf(args.keywords.get(key));
    if (value !== null) return value;
  }
  const first = args.positional[0];
  if (first?.k === 'tuple' || first?.k === 'list') return numberOf(first.items[0]);
  return numberOf(first);
}
