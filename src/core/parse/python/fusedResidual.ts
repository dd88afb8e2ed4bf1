// Residual adds fused into a helper call (the Megatron family: `bias_dropout_add(x, bias, residual, prob,
// training)` computes residual + dropout(x + bias)), and the tensor-parallel collectives around a
// sublayer's output (`reduce_from_model_parallel_region`), which only sum partial results across ranks.
// A helper defined where the analyzer can read it is recognised by what it returns; an imported or
// unresolved one by the Megatron naming convention plus where the residual goes.

import type { Arguments } from './calls';
import { invoke } from './calls';
import { Interpreter } from './interpreter';
import { arithmetic } from './operators';
import type { Node } from './syntax';
import { named } from './syntax';
import type { Value } from './values';
import { firstOf, freshId, isTensorOfStream, sameKey } from './values';

/** Names of the fused helper (`bias_dropout_add`, `bias_dropout_fn`, `bias_dropout_add_fused_train`). */
const FUSED_NAME = /bias_?dropout/i;
/** Names that also say the add: their third positional argument is the residual (Megatron's order). */
const FUSED_ADD_NAME = /bias_?dropout_?add/i;
const RESIDUAL_PARAM = /^resid/i;
const BIAS_PARAM = /bias/i;

/** Tensor-parallel copies, reductions and gathers of one tensor (Megatron's mpu.mappings). */
const PARALLEL_REGION = /^(copy|reduce|reduce_scatter|scatter|gather|all_gather|all_reduce)_(to|from)_\w*(model|tensor|sequence)_parallel_region$/;

/** Whether a library call only moves a tensor between tensor-parallel ranks (layout-only for placement). */
export function isParallelRegionCall(lastName: string): boolean {
  return PARALLEL_REGION.test(lastName);
}

/** Where a fused helper's parameters are: by name and position. */
interface FusedShape { x: { name: string; index: number }; residual: { name: string; index: number } }

const shapes = new WeakMap<Node, FusedShape | null>();

/**
 * The value of a call of a fused bias-dropout-add, residual + x (the bias belongs to x's sublayer, dropout
 * keeps placement), or x alone when the residual is None; null when the call is no such helper.
 */
export function fusedResidualCall(interp: Interpreter, calleeNode: Node, callee: Value, args: Arguments, node: Node): Value | null {
  if (callee.k === 'funcref') {
    if (callee.self) return null;
    const shape = fusedShapeOf(interp, callee.fn);
    if (!shape) return null;
    return combine(argument(args, shape.x), argument(args, shape.residual), node);
  }
  if (callee.k === 'classref' || callee.k === 'instance' || callee.k === 'builtin' || callee.k === 'normModule') return null;
  const name = lastSegment(calleeNode.text);
  const valueName = callee.k === 'ref' ? lastSegment(callee.name) : callee.k === 'opaque' ? lastSegment(callee.text.split('(')[0]) : '';
  if (!FUSED_NAME.test(name) && !FUSED_NAME.test(valueName)) return null;
  const x = args.keywords.get('x') ?? args.positional[0];
  const residual = args.keywords.get('residual')
    ?? ((FUSED_ADD_NAME.test(name) || FUSED_ADD_NAME.test(valueName)) && args.positional.length >= 3 ? args.positional[2] : undefined);
  if (!x || !residual) return null;
  return combine(x, residual, node);
}

function combine(x: Value | undefined, residual: Value | undefined, node: Node): Value | null {
  if (!x || !isTensorOfStream(x)) return null;
  if (!residual || residual.k === 'none') return x;
  if (!isTensorOfStream(residual)) return null;
  return arithmetic('+', residual, x, node, node);
}

function argument(args: Arguments, param: { name: string; index: number }): Value | undefined {
  return args.keywords.get(param.name) ?? args.positional[param.index];
}

function lastSegment(text: string): string {
  return text.split('.').pop() ?? text;
}

/**
 * A function of the file is a fused bias-dropout-add when, run on a distinct tensor for each of its
 * input, bias and residual parameters, it returns their sum (residual + x, with or without the bias).
 */
function fusedShapeOf(interp: Interpreter, fn: Node): FusedShape | null {
  if (shapes.has(fn)) return shapes.get(fn) ?? null;
  shapes.set(fn, null);
  const params = named(fn.childForFieldName('parameters') ?? fn)
    .map((p, index) => ({ name: (p.type === 'identifier' ? p : p.childForFieldName('name') ?? p.namedChild(0))?.text ?? '', index, plain: p.type === 'identifier' || p.type === 'default_parameter' || p.type === 'typed_parameter' || p.type === 'typed_default_parameter' }));
  if (params.some((p, i) => !p.plain && i < 3)) return null;
  const residual = params.find((p) => RESIDUAL_PARAM.test(p.name));
  const bias = params.find((p) => BIAS_PARAM.test(p.name) && p !== residual);
  const x = params.find((p) => p !== residual && p !== bias && p.name !== 'self');
  if (!residual || !x || x.index > residual.index) return null;
  const probe = new Interpreter(interp.module, { globals: interp.globals });
  const streams = new Map<string, Value>();
  for (const p of [x, residual, ...(bias ? [bias] : [])]) streams.set(p.name, { k: 'stream', id: freshId() });
  let result: Value;
  try {
    probe.functionStack.push(fn);
    result = firstOf(invoke(probe, fn, null, { positional: [], keywords: streams }));
  } catch {
    return null;
  }
  if (result.k !== 'add') return null;
  const has = (name: string): boolean => result.k === 'add' && result.terms.some((t) => sameKey(t, streams.get(name)!));
  const others = result.terms.filter((t) => ![...streams.values()].some((s) => sameKey(t, s)));
  if (!has(x.name) || !has(residual.name) || others.length > 0) return null;
  const shape: FusedShape = { x, residual };
  shapes.set(fn, shape);
  return shape;
}
