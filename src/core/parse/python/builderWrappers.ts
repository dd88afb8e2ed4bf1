// Library wrappers that build a module from a class and its keyword arguments (nanotron's
// `PipelineBlock(module_builder=Block, module_kwargs={...})`): the wrapper stands for the module it
// builds, so a loop of them stacks the block and the model's forward applies it.

import type { Arguments } from './calls';
import { callValue } from './calls';
import type { Interpreter } from './interpreter';
import type { Node } from './syntax';
import type { Value } from './values';

/** Keyword names that hold the arguments for the built module. */
const KWARGS = /(^|_)kwargs$/;

/**
 * The module a wrapper builds when one of its arguments is a class (a same-file class or an imported
 * name) and a keyword holds that class's keyword arguments as a dict; null for any other call.
 */
export function builtByWrapper(interp: Interpreter, args: Arguments, node: Node): Value | null {
  if (args.keywords.size === 0) return null;
  const kwargs = [...args.keywords].filter(([name, v]) => KWARGS.test(name) && v.k === 'dict');
  if (kwargs.length !== 1) return null;
  const classes = [...args.positional, ...args.keywords.values()].filter((v) => v.k === 'classref' || (v.k === 'ref' && /^[A-Z]/.test(v.name.split('.').pop() ?? '')));
  if (classes.length !== 1) return null;
  const entries = (kwargs[0][1] as Extract<Value, { k: 'dict' }>).entries;
  return callValue(interp, classes[0], { positional: [], keywords: new Map(entries) }, node);
}
