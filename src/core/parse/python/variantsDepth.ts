// The dilution cures that act across depth or width rather than inside one sublayer (DESIGN.md's second
// table): DenseFormer's depth-weighted average, Attention Residuals' softmax over earlier outputs, and
// hyper-connections' n residual streams. Each is read from where public code writes it: a mixing module
// or the model's loop over its blocks, or a wrapper around each branch that mixes a stack of streams.

import { branchNormType } from './branchNorms';
import type { VariantIR } from '../../ir/model';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { forwardOf, spanOf } from './syntax';
import type { Cure } from './variants';
import { Bindings, calleeText, callArguments, descendants, lineage, methodOf } from './variantFlow';

type DepthKind = 'attention-residuals' | 'denseformer';

/**
 * How a forward combines a stack of earlier outputs: a softmax over the depth axis is Attention
 * Residuals; learned weights without a softmax (tensordot, einsum, a weighted sum) are DenseFormer.
 */
function depthCombination(forward: Node): DepthKind | null {
  const text = forward.text;
  const stacks = /\bstack\(/.test(text);
  if (stacks && /\bsoftmax\(|\.softmax\(/.test(text)) return 'attention-residuals';
  // DWA style: tensordot of a per-block weight vector with the accumulated outputs.
  if (/\btensordot\(\s*self\.\w*(?:alpha|weight|dwa|coef)/i.test(text)) return 'denseformer';
  if (stacks && /\beinsum\(|\btensordot\(/.test(text) && /self\.\w*(?:alpha|weight|dwa|coef)/i.test(text)) return 'denseformer';
  return null;
}

/** Classes of this file whose forward mixes a stack of earlier outputs, by kind. */
export function depthMixers(module: ModuleInfo): Map<string, DepthKind> {
  const out = new Map<string, DepthKind>();
  for (const cls of module.classes.values()) {
    const forward = methodOf(module, cls, 'forward');
    const kind = forward ? depthCombination(forward) : null;
    if (kind) out.set(cls.name, kind);
  }
  return out;
}

/** Attributes of `cls` (its lineage) built from one of `classes`: `self.attn_mix = DepthAttention(dim)` → attn_mix. */
function attributesBuiltFrom(module: ModuleInfo, cls: ClassInfo, classes: Set<string>): string[] {
  const out: string[] = [];
  for (const c of lineage(module, cls)) {
    const init = c.methods.get('__init__');
    if (!init) continue;
    for (const node of descendants(init)) {
      if (node.type !== 'assignment') continue;
      const left = node.childForFieldName('left')?.text ?? '';
      const right = node.childForFieldName('right');
      const callee = right ? calleeText(right) : null;
      if (left.startsWith('self.') && callee && classes.has(callee.split('.').pop() ?? '')) out.push(left.slice(5));
    }
  }
  return out;
}

/** Attention Residuals or DenseFormer around a block: inside the block (a mixing module it calls) or in its model's loop. */
export function depthCure(module: ModuleInfo, cls: ClassInfo, model: ClassInfo | null): Cure | null {
  const mixers = depthMixers(module);
  const forward = methodOf(module, cls, 'forward');
  for (const kind of ['attention-residuals', 'denseformer'] as const) {
    const names = new Set([...mixers].filter(([, k]) => k === kind).map(([n]) => n));
    const held = attributesBuiltFrom(module, cls, names).filter((a) => forward && new RegExp(`self\\.${a}\\(`).test(forward.text));
    if (held.length > 0) return { placement: kind, variant: { groups: null, span: spanOf(forward!) }, reason: depthReason(kind, `self.${held[0]}`, cls.name) };
  }
  if (!model) return null;
  const modelForward = methodOf(module, model, 'forward');
  if (!modelForward) return null;
  const inline = depthCombination(modelForward);
  const heldByModel = [...mixers].flatMap(([name, kind]) => attributesBuiltFrom(module, model, new Set([name])).filter((a) => new RegExp(`self\\.${a}\\(`).test(modelForward.text)).map((a) => ({ a, kind })));
  const kind = inline ?? heldByModel[0]?.kind ?? null;
  if (!kind) return null;
  const where = inline ? `${model.name}.forward` : `self.${heldByModel[0].a} in ${model.name}.forward`;
  return { placement: kind, variant: { groups: kind === 'attention-residuals' ? groupsOf(model) : null, alpha: kind === 'denseformer' ? weightsName(modelForward) : null, span: spanOf(modelForward) }, reason: depthReason(kind, where, cls.name) };
}

function depthReason(kind: DepthKind, where: string, block: string): string {
  return kind === 'attention-residuals'
    ? `${block}'s input is a softmax over depth of earlier outputs (${where}): Attention Residuals`
    : `after each ${block}, a learned weighted average of the earlier outputs (${where}): DenseFormer`;
}

/** Block AttnRes groups N, where the model states it as a literal (`num_blocks=6` in its signature, `n_groups = 8`). */
function groupsOf(model: ClassInfo): number | null {
  const text = [model.methods.get('__init__')?.text ?? '', forwardOf(model)?.text ?? ''].join('\n');
  const match = /\b(?:num_groups|n_groups|num_blocks|n_blocks|block_groups)\s*(?::\s*int\s*)?=\s*(\d+)/.exec(text);
  return match ? Number(match[1]) : null;
}

/** The learned weights a DenseFormer loop reads (`self.dwa_weights`), as written. */
function weightsName(forward: Node): string | null {
  return /self\.\w*(?:weight|alpha|dwa|coef)\w*/i.exec(forward.text)?.[0] ?? null;
}

/** A wrapper around one branch that mixes a stack of streams (einsum or matmul) and calls the branch: a hyper-connection. */
function isHyperWrapper(module: ModuleInfo, cls: ClassInfo): boolean {
  const forward = methodOf(module, cls, 'forward');
  if (!forward) return false;
  const mixes = /\beinsum\(|\bmatmul\(|@/.test(forward.text) && /stream/i.test(forward.text + (cls.methods.get('__init__')?.text ?? ''));
  return mixes && /self\.branch\(|self\.fn\(|self\.layer\(/.test(forward.text);
}

/** Library helpers that build hyper-connections (lucidrains' hyper-connections package and its like). */
export const HYPER_HELPER = /\b(?:get_init_and_expand_reduce_stream_functions|HyperConnections|init_hyper_conn)\(/;

/** Hyper-connections: `cls` is, or holds, a wrapper that mixes n residual streams around each branch. */
export function hyperCure(module: ModuleInfo, cls: ClassInfo): Cure | null {
  const wrappers = new Set([...module.classes.values()].filter((c) => isHyperWrapper(module, c)).map((c) => c.name));
  const own = wrappers.has(cls.name);
  const held = attributesBuiltFrom(module, cls, wrappers);
  const init = cls.methods.get('__init__');
  const library = init !== undefined && HYPER_HELPER.test(init.text);
  if (!own && held.length === 0 && !library) return null;
  const wrapper = own ? cls : held.length > 0 ? findHolder(module, cls, wrappers) : null;
  const signature = /\b(?:num_residual_streams|num_streams|n_streams)\s*=\s*(\d+)/.exec(init?.text ?? '');
  const variant: VariantIR = { streams: wrapper ? streamsOf(module, wrapper) : signature ? Number(signature[1]) : libraryStreams(module), dynamic: wrapper ? dynamicOf(wrapper) : null, span: spanOf((wrapper ?? cls).node) };
  const via = wrapper && wrapper !== cls ? ` through ${wrapper.name}` : library ? ' through a hyper-connections helper' : '';
  return { placement: 'hyper-connections', variant, reason: `${variant.streams ?? 'n'} residual streams mixed by learned weights around each branch${via}: hyper-connections`, norm: branchNormType(module, cls) };
}

function findHolder(module: ModuleInfo, cls: ClassInfo, wrappers: Set<string>): ClassInfo | null {
  const init = cls.methods.get('__init__');
  for (const name of wrappers) if (init && new RegExp(`\\b${name}\\(`).test(init.text)) return module.classes.get(name) ?? null;
  return null;
}

/** n from the wrapper's `num_streams=4` (or a module constant it names), else from a literal in the file. */
function streamsOf(module: ModuleInfo, wrapper: ClassInfo): number | null {
  const init = wrapper.methods.get('__init__');
  const match = init ? /\b(?:num_streams|num_residual_streams|n_streams|streams|expansion_rate)\s*=\s*([\w.]+)/.exec(init.text) : null;
  if (!match) return null;
  if (/^\d+$/.test(match[1])) return Number(match[1]);
  const bindings = new Bindings(module, wrapper, null);
  const values = bindings.valuesOf(match[1]);
  const last = values[values.length - 1];
  return last && /^\d+$/.test(last.text) ? Number(last.text) : null;
}

function libraryStreams(module: ModuleInfo): number | null {
  for (const node of descendants(module.root)) {
    if (!/get_init_and_expand_reduce_stream_functions$|HyperConnections$/.test(calleeText(node) ?? '')) continue;
    const first = callArguments(node)[0];
    const value = first?.type === 'keyword_argument' ? first.childForFieldName('value') : first;
    if (value && /^\d+$/.test(value.text)) return Number(value.text);
  }
  return null;
}

/** Dynamic hyper-connections compute their weights from the input; `dynamic=False` by default means static. */
function dynamicOf(wrapper: ClassInfo): boolean | null {
  const init = wrapper.methods.get('__init__');
  if (!init) return null;
  const flag = /\bdynamic\s*=\s*(True|False)/.exec(init.text);
  if (flag) return flag[1] === 'True';
  return /dynamic/i.test(init.text) ? true : null;
}
