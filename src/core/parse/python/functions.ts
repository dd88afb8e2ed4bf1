// Functions of the file called on tensors (TensorFlow and JAX code writes whole models this way:
// `def norm(x, scope)`, `def attn(x, scope, n_state)`, `def block(x, scope)`): a function that
// normalises is a norm, one that shapes the residual path is read through, and any other is one
// opaque sublayer named after the function.

import type { Arguments } from './calls';
import { invoke, isStructural, tensorArgs } from './calls';
import type { Interpreter } from './interpreter';
import { libraryName } from './libraryNames';
import { functionNormKind } from './norms';
import type { ClassInfo, Node } from './syntax';
import type { Builtin, Instance, NormModule, Value } from './values';
import { firstOf, freshId, sameKey } from './values';

const NO_KEYWORDS: ReadonlyMap<string, Value> = new Map();

/** Block functions the caller of a model function marked, per interpreter, and the loop counts seen at their calls. */
const blockFunctions = new WeakMap<Interpreter, { blocks: Map<Node, ClassInfo>; counts: Value[] }>();

/** Makes calls of these functions apply a block (reading the model function that stacks them). */
export function markBlockFunctions(interp: Interpreter, blocks: Map<Node, ClassInfo>): { counts: Value[] } {
  const entry = { blocks, counts: [] as Value[] };
  blockFunctions.set(interp, entry);
  return entry;
}

export function callFunction(interp: Interpreter, callee: { fn: Node; name: string; self?: Instance }, args: Arguments, node: Node): Value {
  const tensors = tensorArgs(args);
  const self = callee.self ?? null;
  const marked = blockFunctions.get(interp);
  const block = marked?.blocks.get(callee.fn);
  if (marked && block) {
    const loop = interp.loopStack[interp.loopStack.length - 1];
    if (loop) marked.counts.push(loop.count);
    else if (insideFor(node)) marked.counts.push({ k: 'unknown', why: 'a loop whose trip count the file does not fix' });
    return { k: 'apply', module: { k: 'block', cls: block, name: callee.name }, args: args.positional.slice(0, 1), node };
  }
  const kind = functionNormKind(callee.fn);
  const input = tensors[0] ?? (marked && args.positional[0]?.k === 'apply' ? args.positional[0] : undefined);
  if (tensors.length === 0 && !input) return invoke(interp, callee.fn, self, args);
  const first = input!;
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
    result = invoke(interp, callee.fn, self, args);
  } finally {
    interp.functionStack.pop();
  }
  const inputs = new Set([...args.positional, ...args.keywords.values()]);
  // A thin wrapper around one module (`def _sa_block(self, x): return self.attn(x, x, x)[0]`) is that module.
  if (sameKey(result, first) || isStructural(result, inputs) || (self && firstOf(result).k === 'apply')) return result;
  return opaqueSublayer(callee.name, tensors, node);
}

/** A function that computes a sublayer (attention, an MLP) without touching the residual path. */
function opaqueSublayer(name: string, tensors: Value[], node: Node): Value {
  const module: Builtin = { k: 'builtin', className: name, name, node, args: [], kwargs: NO_KEYWORDS, id: freshId() };
  return { k: 'apply', module, args: tensors, node };
}

function insideFor(node: Node): boolean {
  for (let at = node.parent, guard = 0; at && guard < 64; at = at.parent, guard++) {
    if (at.type === 'for_statement') return true;
    if (at.type === 'function_definition') return false;
  }
  return false;
}
