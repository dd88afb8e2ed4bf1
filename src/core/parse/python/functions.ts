// Functions of the file called on tensors (TensorFlow and JAX code writes whole models this way:
// `def norm(x, scope)`, `def attn(x, scope, n_state)`, `def block(x, scope)`): a function that
// normalises is a norm, one that shapes the residual path is read through, and any other is one
// opaque sublayer named after the function.

import type { Arguments } from './calls';
import { invoke, isStructural, tensorArgs } from './calls';
import type { Interpreter } from './interpreter';
import { libraryName } from './libraryNames';
import { functionNormKind } from './norms';
import type { Node } from './syntax';
import type { Builtin, NormModule, Value } from './values';
import { freshId, sameKey } from './values';

const NO_KEYWORDS: ReadonlyMap<string, Value> = new Map();

export function callFunction(interp: Interpreter, callee: { fn: Node; name: string }, args: Arguments, node: Node): Value {
  const tensors = tensorArgs(args);
  if (tensors.length === 0) return invoke(interp, callee.fn, null, args);
  const first = tensors[0];
  const kind = functionNormKind(callee.fn);
  if (kind && kind !== 'batch') {
    const norm: NormModule = { k: 'normModule', className: callee.name, type: kind, name: callee.name, node: callee.fn };
    const applied: Value = { k: 'norm', norm, arg: first, node };
    interp.normApplications.push(applied);
    return applied;
  }
  if (libraryName(callee.name).dropoutLike) return first;
  if (interp.functionStack.includes(callee.fn) || interp.functionStack.length > 10) return opaqueSublayer(callee.name, tensors, node);
  interp.functionStack.push(callee.fn);
  let result: Value;
  try {
    result = invoke(interp, callee.fn, null, args);
  } finally {
    interp.functionStack.pop();
  }
  const inputs = new Set([...args.positional, ...args.keywords.values()]);
  if (sameKey(result, first) || isStructural(result, inputs)) return result;
  return opaqueSublayer(callee.name, tensors, node);
}

/** A function that computes a sublayer (attention, an MLP) without touching the residual path. */
function opaqueSublayer(name: string, tensors: Value[], node: Node): Value {
  const module: Builtin = { k: 'builtin', className: name, name, node, args: [], kwargs: NO_KEYWORDS, id: freshId() };
  return { k: 'apply', module, args: tensors, node };
}
