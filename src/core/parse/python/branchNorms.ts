// The norm type of blocks whose norms live inside their branch modules (a hyper-connections model's
// loop wraps `branch=Attention(...)` and `branch=FeedForward(...)`, each normalising its own input):
// read from the constructors of those branch classes, when they agree on one library or file norm.

import type { NormType } from '../../ir/model';
import { customNormKind, libraryNormKind } from './norms';
import type { ClassInfo, ModuleInfo } from './syntax';

/** `branch = Attention(...)`, `fn=FeedForward(...)`: a same-file class built as the wrapped branch. */
const BRANCH_ARGUMENT = /\b(?:branch|fn|layer|module|sublayer)\s*=\s*([A-Za-z_]\w*)\s*\(/g;
/** A constructor call in a branch's __init__ (`nn.LayerNorm(dim)`, `RMSNorm(d)`), dotted name captured. */
const CALLEE = /([A-Za-z_][\w.]*)\s*\(/g;

/**
 * The one norm type every branch class that `cls` builds as a wrapped branch constructs, or null (no
 * branch classes, a branch with no norm or an unknown one, or branches that disagree).
 */
export function branchNormType(module: ModuleInfo, cls: ClassInfo): NormType | null {
  const init = cls.methods.get('__init__');
  if (!init) return null;
  const types = new Set<NormType>();
  let branches = 0;
  for (const match of init.text.matchAll(BRANCH_ARGUMENT)) {
    const branch = module.classes.get(match[1]);
    if (!branch) return null;
    branches++;
    const type = ownNormType(module, branch);
    if (!type) return null;
    types.add(type);
  }
  return branches > 0 && types.size === 1 ? [...types][0] : null;
}

/** The norm type a branch class's constructor builds, when it builds norms of one type only. */
function ownNormType(module: ModuleInfo, branch: ClassInfo): NormType | null {
  const init = branch.methods.get('__init__');
  if (!init) return null;
  const types = new Set<NormType>();
  for (const match of init.text.matchAll(CALLEE)) {
    const name = match[1];
    const local = module.classes.get(name);
    const kind = local ? customNormKind(local) : libraryNormKind(name);
    if (kind === 'batch') return null;
    if (kind) types.add(kind);
  }
  return types.size === 1 ? [...types][0] : null;
}
