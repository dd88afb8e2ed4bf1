// Which constructors and functions normalise: library norms by name, and the file's own norm classes
// by what their forward computes (mean and variance → LayerNorm; mean of squares and rsqrt → RMSNorm).

import type { NormType } from '../../ir/model';
import type { ClassInfo, Node } from './syntax';

export type NormKind = NormType | 'batch';

const LIBRARY_NORMS: ReadonlyArray<readonly [RegExp, NormKind]> = [
  [/^(Fused)?(Mixed)?LayerNorm(2d)?$|^LayerNormalization$/, 'layernorm'],
  [/^(Fused)?RMSNorm$|^RMSNorm\w*$|^RMSNormalization$/, 'rmsnorm'],
  [/^(Sync)?BatchNorm(1d|2d|3d)?$|^GroupNorm$|^InstanceNorm(1d|2d|3d)?$|^LocalResponseNorm$|^(Batch|Group)Normalization$/, 'batch'],
];

/** A library norm class by its last dotted name (`nn.LayerNorm`, `torch.nn.RMSNorm`, Flax `nn.LayerNorm`). */
export function libraryNormKind(dottedName: string): NormKind | null {
  const last = lastName(dottedName);
  for (const [pattern, kind] of LIBRARY_NORMS) if (pattern.test(last)) return kind;
  return null;
}

/** The last dotted part of a name (`nn.LayerNorm` → `LayerNorm`), without splitting the whole name. */
export function lastName(dottedName: string): string {
  const dot = dottedName.lastIndexOf('.');
  return dot < 0 ? dottedName : dottedName.slice(dot + 1);
}

/** A functional norm (`F.layer_norm`, `torch.nn.functional.rms_norm`, `torch.layer_norm`). */
export function functionalNormKind(dottedName: string): NormType | null {
  const last = lastName(dottedName);
  if (last === 'layer_norm') return 'layernorm';
  if (last === 'rms_norm') return 'rmsnorm';
  return null;
}

const cache = new WeakMap<ClassInfo, NormKind | null>();

/**
 * Recognises a norm class of the file from its computation, never its name: a subclass of a library
 * norm, a forward that calls a functional norm, or one that divides by a root of a mean over the last
 * axis. Subtracting the mean (or using var/std) makes it a LayerNorm; a mean of squares alone an RMSNorm.
 */
export function customNormKind(cls: ClassInfo): NormKind | null {
  if (cache.has(cls)) return cache.get(cls) ?? null;
  const kind = computeNormKind(cls);
  cache.set(cls, kind);
  return kind;
}

function computeNormKind(cls: ClassInfo): NormKind | null {
  for (const base of cls.bases) {
    const kind = libraryNormKind(base);
    if (kind) return kind;
  }
  const bodies: string[] = [];
  for (const [name, method] of cls.methods) if (name !== '__init__' && name !== 'setup') bodies.push(method.text);
  const code = bodies.join('\n');
  if (code.length === 0 || code.length > 4000) return null;
  // Attention and MLP code also take roots and means (1/√d scaling): a norm neither mixes tokens nor projects.
  if (code.includes('softmax') || code.includes('matmul') || code.includes('einsum') || (code.includes('@') && /[^@]@[^@\w]/.test(code))) return null;
  const kind = normKindOfCode(code);
  // A norm owns a weight and a bias, never submodules: a class that builds layers is a model part. This
  // scan of the whole class is the costliest test and can only veto, so it runs only on a would-be norm.
  if (kind && BUILDS_LAYERS.test(cls.node.text)) return null;
  return kind;
}

const fnCache = new WeakMap<Node, NormKind | null>();

/** A function of the file that normalises its input (TensorFlow / JAX `def norm(x, scope)`), by the same reading. */
export function functionNormKind(fn: Node): NormKind | null {
  if (fnCache.has(fn)) return fnCache.get(fn) ?? null;
  const code = fn.text;
  let kind: NormKind | null = null;
  // A function that calls attention or an MLP is a block that uses a norm, not a norm.
  if (code.length <= 4000 && !(code.includes('softmax') || code.includes('matmul') || code.includes('einsum')) && !SUBLAYER_WORDS.test(code)) kind = normKindOfCode(code);
  fnCache.set(fn, kind);
  return kind;
}

const SUBLAYER_WORDS = /attn|attention|mlp|feed_?forward|ffn/i;

/** `u = reduce_mean(x); … (x - u)`: the input minus a name that holds its mean. */
function subtractsAMean(code: string): boolean {
  for (const match of code.matchAll(/(\w+)\s*=\s*[\w.]*mean\s*\(/g)) {
    if (new RegExp(`-\\s*${match[1]}\\b`).test(code)) return true;
  }
  return false;
}

const BUILDS_LAYERS = /\b(Linear|Embedding|ModuleList|ModuleDict|Sequential|MultiheadAttention|Conv\w*|Dense|\w*Attention|\w*Layer)\s*\(/;

/** The norm a class's method code computes, before the check that the class builds no layers. */
function normKindOfCode(code: string): NormKind | null {
  // Functional norms (`F.layer_norm(`, `torch.rms_norm(`), not a submodule's call (`self.layer_norm(`).
  // The patterns start with an alternation, which the regex engine scans for at every position: a plain
  // substring search first rules out most classes (neither can match without its name in the code).
  if (code.includes('layer_norm') && /(^|[^.\w]|(?<!self)\.)layer_norm\s*\(/.test(code)) return 'layernorm';
  if (code.includes('rms_norm') && /(^|[^.\w]|(?<!self)\.)rms_norm\s*\(/.test(code)) return 'rmsnorm';
  const hasMean = code.includes('mean') && /\.mean\s*\(|\b(reduce_)?mean\s*\(/.test(code);
  const hasRoot = /rsqrt|sqrt|\.std\s*\(|\.var\s*\(|\bvar\s*\(/.test(code);
  if (!hasMean || !hasRoot) return null;
  const centres = /\.var\s*\(|\bvar\s*\(|\.std\s*\(|-\s*\(?\s*[\w.]*(mean|mu)\b|-\s*[\w.]+\.mean\s*\(/.test(code);
  if (centres || subtractsAMean(code)) return 'layernorm';
  const squares = /pow\s*\(\s*2|\*\*\s*2|square|(\b\w+)\s*\*\s*\1\b/.test(code);
  return squares ? 'rmsnorm' : null;
}
