// Functions defined inside a method and lambdas (dinov2's `def attn_residual_func(x): return
// self.ls1(self.attn(self.norm1(x)))` in forward, then `x = x + attn_residual_func(x)`): closures over
// the enclosing frame's names, called inline, so the residual branch they compute is read through.
// Also the type tests a forward dispatches on (`isinstance(x, Tensor)` is true of the stream), and
// Megatron's memory-layout wrapper around a block's output.

import type { Arguments } from './calls';
import type { Frame, Interpreter } from './interpreter';
import type { Node } from './syntax';
import { named } from './syntax';
import type { Value } from './values';
import { isTensorOfStream } from './values';

const MAX_NESTING = 10;

/** A `def` inside a method, or a `lambda`: a function that sees the enclosing frame's names as they are when it is called. */
export function closureOf(node: Node, frame: Frame): Value {
  const name = node.type === 'lambda' ? '<lambda>' : node.childForFieldName('name')?.text ?? '<function>';
  return { k: 'funcref', fn: node, name, closure: frame.env };
}

/** Runs a closure on its arguments: parameters bound over the captured names, the body inline. */
export function callClosure(interp: Interpreter, callee: { fn: Node; name: string; closure: Map<string, Value> }, args: Arguments, node: Node): Value {
  if (interp.functionStack.includes(callee.fn) || interp.functionStack.length > MAX_NESTING) {
    return { k: 'opaque', deps: [...args.positional, ...args.keywords.values()].filter(isTensorOfStream), text: node.text.slice(0, 80) };
  }
  const frame: Frame = { env: new Map(callee.closure), returned: null };
  bindParameters(interp, callee.fn, args, frame, { env: new Map(callee.closure), returned: null });
  const body = callee.fn.childForFieldName('body');
  if (!body) return { k: 'none' };
  interp.functionStack.push(callee.fn);
  try {
    if (callee.fn.type === 'lambda') return interp.eval(body, frame);
    interp.execBlock(body, frame);
  } finally {
    interp.functionStack.pop();
  }
  return frame.returned ?? { k: 'none' };
}

/**
 * Binds a function's or lambda's parameters in `frame`: keyword, then positional arguments, then
 * defaults evaluated in `defaults` (the scope the function was written in); `*args` / `**kwargs` are
 * left unbound, and a parameter nobody gives stays a named unknown.
 */
export function bindParameters(interp: Interpreter, fn: Node, args: Arguments, frame: Frame, defaults: Frame): void {
  const parameters = fn.childForFieldName('parameters');
  if (!parameters) return;
  let position = 0;
  for (const param of named(parameters)) {
    const name = param.type === 'identifier' ? param.text
      : param.type === 'typed_parameter' ? param.namedChild(0)?.type === 'identifier' ? param.namedChild(0)!.text : null
      : param.type === 'default_parameter' || param.type === 'typed_default_parameter' ? param.childForFieldName('name')?.text ?? null
      : null;
    if (!name) continue;
    const given = args.keywords.get(name) ?? args.positional[position++];
    const fallback = param.childForFieldName('value');
    frame.env.set(name, given ?? (fallback ? interp.eval(fallback, defaults) : { k: 'param', name }));
  }
}

const TENSOR_TYPE = /(?:^|\.)(?:Tensor|FloatTensor)$/;
const CONTAINER_TYPE = /^(?:list|tuple|dict|List|Tuple|Dict|NestedTensor)$/;

/** `isinstance(x, Tensor)` of a stream tensor: true; `isinstance(x, list)`: false; anything else: null (not decided). */
export function typeTest(args: Arguments): Value | null {
  const [subject, types] = args.positional;
  if (!subject || !types || !isTensorOfStream(subject)) return null;
  const names = (types.k === 'tuple' ? types.items : [types]).map((t) => (t.k === 'ref' ? t.name : t.k === 'classref' ? t.cls.name : null));
  if (names.some((n) => n !== null && TENSOR_TYPE.test(n))) return { k: 'bool', v: true, text: 'isinstance' };
  if (names.every((n) => n !== null && CONTAINER_TYPE.test(n))) return { k: 'bool', v: false, text: 'isinstance' };
  return null;
}

/** Megatron's `make_viewless_tensor(inp=h, requires_grad=..., keep_graph=True)`: the same values, another storage. */
export const VIEWLESS: ReadonlySet<string> = new Set(['make_viewless_tensor']);

/**
 * What a memory-layout wrapper returns: its input, whatever the analyzer made of it (a value it could
 * not follow keeps its own reason, naming the construct before the wrapper); null without an input.
 */
export function viewless(args: Arguments): Value | null {
  return args.keywords.get('inp') ?? args.positional[0] ?? null;
}
