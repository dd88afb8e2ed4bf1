// Norms whose class the analyzer cannot see (imported from another module, built by a helper or from a
// config, passed in as an argument, looked up in a registry): recognised by the name they are built or
// stored under, and marked as inferred so the report can lower its confidence instead of reading the
// block as having no norm at all.

import type { NormType } from '../../ir/model';
import type { Node } from './syntaxNode';
import { nameStatesType } from './normTypeEvidence';
import type { NormModule } from './values';

/** Names that look like a norm but are not one: initialisers, statistics, other normalisations, flags (`apply_residual_connection_post_layernorm`). */
const NOT_A_NORM = /normal|weight_?norm|spectral_?norm|batch_?norm|group_?norm|instance_?norm|grad_?norm|vector_norm|matrix_norm|norm_?(type|first|before|after|eps|factor|scale|dim|size|kind|name|position|pos|style|mode|loc|bias|weight|affine)\b|^(use|pre|post|apply|do|with|no|qk|has)_norm$|^(use|apply|is|has|enable|disable|do|with|no|add|skip)_\w*norm/i;
const NORM_WORD = /norm|(^|_)ln(_?\d+|_?[a-z])?$|^ln/i;

/** The name's parts (`config.norm.build` → config, norm, build; `NORM_REGISTRY[]` → NORM_REGISTRY). */
function parts(name: string): string[] {
  return name.replace(/\[[^\]]*\]$/, '').split('.').filter((p) => p.length > 0);
}

/** Whether one part of a name calls it a norm (`norm1`, `ln_2`, `attn_norm`, `get_norm_layer`, `RMSNorm`). */
function partSaysNorm(part: string): boolean {
  return NORM_WORD.test(part) && !NOT_A_NORM.test(part);
}

/** The norm type a name states, where it states one (a registry key counts: `NORMS[low_precision_layernorm]`). */
export function normTypeOfName(name: string): NormType {
  if (/rms/i.test(name)) return 'rmsnorm';
  if (/layer_?norm|(^|_)ln(_|\d|$)/i.test(name)) return 'layernorm';
  return 'other';
}

/**
 * Whether a constructor or builder the analyzer cannot resolve builds a norm, by its dotted name
 * (`get_norm`, `build_norm_layer`, `LayerNorm.build`, `config.norm.build`, `LlamaRMSNorm`, a
 * `norm_layer` argument, `NORM_CLASS_REGISTRY[...]`). Library functions named `norm` (torch.norm,
 * torch.linalg.norm) compute a value, not a normalisation, and are left out.
 */
export function builderSaysNorm(name: string): boolean {
  const all = parts(name);
  if (all.length === 0) return false;
  const last = all[all.length - 1];
  if (last === 'norm' && all.length > 1 && /^(torch|linalg|np|numpy|jnp|tf|math|F|functional)$/.test(all[all.length - 2])) return false;
  return all.some(partSaysNorm);
}

/** Whether an attribute a value is stored under names a norm (`self.input_layernorm = …`). */
export function attributeSaysNorm(name: string): boolean {
  return partSaysNorm(name);
}

/**
 * A norm module the analyzer infers from a name; `why` says what the inference rests on. Its type is
 * `resolved` where the file decides it, the class's name where a class is named, else undecided.
 */
export function inferredNorm(className: string, name: string, node: Node, why: string, resolved?: NormType | null): NormModule {
  const norm: NormModule = { k: 'normModule', className, type: normTypeOfName(className), name, node, inferred: why };
  if (resolved) return { ...norm, type: resolved };
  if (nameStatesType(className)) return norm;
  return { ...norm, undecided: `${className} is not a class name, so it does not say which norm it builds` };
}
