// Lambdas (`self.mlpf = lambda x: m.dropout(m.c_proj(m.act(m.c_fc(x))))` in minGPT's Block): the
// function captures the frame it was written in (late-bound, as Python's closures are), and a call
// evaluates its body there with its parameters bound. A lambda that normalises or shapes the residual
// path is read through; any other is one sublayer named after the attribute that holds it, its
// computation (the ModuleDict members it applies) kept as the sublayer's inside.

import type { Arguments } from './calls';
import { isStructural, tensorArgs } from './calls';
import { bindParameters } from './closures';
import type { Frame, Interpreter } from './interpreter';
import type { Node } from './syntax';
import type { Builtin, Value } from './values';
import { firstOf, freshId, sameKey } from './values';

export type LambdaValue = Extract<Value, { k: 'lambda' }>;

const NO_KEYWORDS: ReadonlyMap<string, Value> = new Map();

/** The value of a `lambda` expression: its node and the variables it sees. */
export function makeLambda(node: Node, frame: Frame): LambdaValue {
  return { k: 'lambda', node, env: frame.env, id: freshId() };
}

/** Calls a lambda on arguments: its body in the captured scope, read as a sublayer unless it shapes the stream. */
export function callLambda(interp: Interpreter, callee: LambdaValue, args: Arguments, node: Node): Value {
  const body = callee.node.childForFieldName('body');
  if (!body) return { k: 'opaque', deps: tensorArgs(args), text: node.text.slice(0, 80) };
  const tensors = tensorArgs(args);
  const name = calledName(node);
  if (interp.functionStack.includes(callee.node) || interp.functionStack.length > 10) return sublayer(name, tensors, node, null);
  const frame: Frame = { env: new Map(callee.env), returned: null };
  // Defaults are evaluated where the lambda was written (`lambda t, fc=self.fc: fc(t)` binds self.fc).
  bindParameters(interp, callee.node, args, frame, { env: new Map(callee.env), returned: null });
  interp.functionStack.push(callee.node);
  let result: Value;
  try {
    result = interp.eval(body, frame);
  } finally {
    interp.functionStack.pop();
  }
  if (tensors.length === 0) return result;
  const inputs = new Set([...args.positional, ...args.keywords.values()]);
  // `lambda x: self.ln(x)`, `lambda x: x + self.f(x)`, `lambda t: t`: what it computes on the stream.
  if (sameKey(result, tensors[0]) || isStructural(result, inputs)) return result;
  const inner = firstOf(result);
  return sublayer(name, tensors, node, inner.k === 'apply' ? inner : null);
}

/** The name the lambda is called by: `mlpf` in `self.mlpf(h)`, `f` in `f(h)`. */
function calledName(call: Node): string {
  const fn = call.childForFieldName('function');
  const text = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
  return text && /^\w+$/.test(text) ? text : 'lambda';
}

/**
 * One sublayer for the lambda's computation: named by its attribute, of the class of the module it
 * applies last (`nn.Linear` for an MLP written over a ModuleDict), so either can say what it is.
 */
function sublayer(name: string, tensors: Value[], node: Node, inner: Extract<Value, { k: 'apply' }> | null): Value {
  const className = inner ? (inner.module.k === 'instance' ? inner.module.cls.name : inner.module.k === 'builtin' ? inner.module.className : inner.module.name) : name;
  const module: Builtin = { k: 'builtin', className, name, node, args: [], kwargs: NO_KEYWORDS, id: freshId() };
  return { k: 'apply', module, args: tensors, node };
}
