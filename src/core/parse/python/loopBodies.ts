// Blocks written as the body of a layer loop, with no block class of their own (Haiku's
// `for _ in range(self.num_layers):` building attention and MLP inline and adding each to `h`, Flax's
// `nn.compact` stacks, functional JAX): the loop is the stack, its body one block, and a norm applied
// to the loop's result after it is the final norm, not a norm on the last block's sum.

import type { Frame } from './interpreter';
import { Interpreter } from './interpreter';
import { iterate } from './loops';
import type { ModuleInfo, Node } from './syntax';
import { named } from './syntax';
import type { Instance, Value } from './values';
import { numberOf, sameKey } from './values';

/** A body reads like a block when one variable takes this many residual adds (attention, then MLP). */
const RESIDUAL_ADDS = 2;

export interface LayerLoop {
  loop: Node;
  /** The variables the body adds to twice or more: the stream the loop carries from layer to layer. */
  carried: string[];
}

/**
 * The layer loop of a forward or function: a `for` loop (not inside a nested definition) whose body
 * adds to one variable at least twice (`h = h + h_attn`, `x += y`, `x = ln(x + y)`), or null. A loop that only calls
 * blocks (`for block in self.blocks: x = block(x)`) is a stack of blocks, not a block, and has no adds.
 */
export function layerLoopOf(fn: Node): LayerLoop | null {
  const body = fn.childForFieldName('body');
  if (!body) return null;
  for (const loop of loopsIn(body, 0)) {
    const counts = new Map<string, number>();
    for (const name of residualUpdates(loop.childForFieldName('body'), 0)) counts.set(name, (counts.get(name) ?? 0) + 1);
    const carried = [...counts].filter(([, n]) => n >= RESIDUAL_ADDS).map(([name]) => name);
    if (carried.length > 0) return { loop, carried };
  }
  return null;
}

/**
 * Where a model's layers end, for decompose: a norm written after the loops (`after`), or a norm of
 * the value the layer loop's stream held when the loop ended, wherever the norm itself is written (a
 * module-level helper `_layer_norm(h)` applied to the loop's result is the final norm). Call before
 * the forward runs: it asks the interpreter to keep the loop's variables at its end.
 */
export function layerLoopEnd(interp: Interpreter, fn: Node, after?: (node: Node) => boolean): (node: Node, arg: Value) => boolean {
  const layer = layerLoopOf(fn);
  if (layer) interp.loopExits.set(layer.loop, null);
  const written = after ?? ((node: Node) => layer !== null && node.startIndex >= layer.loop.endIndex && node.endIndex <= fn.endIndex);
  return (node, arg) => {
    if (written(node)) return true;
    const exit = layer ? interp.loopExits.get(layer.loop) : null;
    if (!layer || !exit) return false;
    return layer.carried.some((name) => {
      const value = exit.get(name);
      return value !== undefined && sameKey(value, arg);
    });
  };
}

/** `for` loops of a function body, outermost first, not looking into nested functions or classes. */
function loopsIn(node: Node, depth: number): Node[] {
  if (depth > 12) return [];
  const out: Node[] = [];
  for (const child of named(node)) {
    if (child.type === 'function_definition' || child.type === 'class_definition' || child.type === 'decorated_definition') continue;
    if (child.type === 'for_statement') out.push(child);
    out.push(...loopsIn(child, depth + 1));
  }
  return out;
}

/** The variables a block of statements updates with a residual add: `v = v + …`, `v = … + v`, `v += …`, `v = N(v + …)`. */
function residualUpdates(block: Node | null, depth: number): string[] {
  if (!block || depth > 12) return [];
  const out: string[] = [];
  for (const child of named(block)) {
    if (child.type === 'function_definition' || child.type === 'class_definition' || child.type === 'decorated_definition') continue;
    if (child.type === 'assignment') {
      const left = child.childForFieldName('left');
      const right = child.childForFieldName('right');
      if (left?.type === 'identifier' && right && addsTo(right, left.text)) out.push(left.text);
      continue;
    }
    if (child.type === 'augmented_assignment') {
      const left = child.childForFieldName('left');
      if (left?.type === 'identifier' && child.childForFieldName('operator')?.text === '+=') out.push(left.text);
      continue;
    }
    out.push(...residualUpdates(child, depth + 1));
  }
  return out;
}

/** `v + …`, `… + v`, or a norm of such a sum (`ln(v + y)`, Post-LN). */
function addsTo(right: Node, name: string): boolean {
  const isName = (o: Node): boolean => o.type === 'identifier' && o.text === name;
  const operands = addOperands(right, 0);
  if (operands.length > 1) return operands.some(isName);
  if (right.type !== 'call') return false;
  const args = named(right.childForFieldName('arguments') ?? right).filter((a) => a.type !== 'keyword_argument');
  return args.length === 1 && addOperands(args[0], 0).length > 1 && addOperands(args[0], 0).some(isName);
}

/** The operands of a chain of `+` (`a + b + c`), through parentheses. */
function addOperands(node: Node, depth: number): Node[] {
  if (depth > 16) return [node];
  if (node.type === 'parenthesized_expression' && node.namedChildCount === 1) return addOperands(node.namedChild(0)!, depth + 1);
  if (node.type === 'binary_operator' && node.childForFieldName('operator')?.text === '+') {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    return [...(left ? addOperands(left, depth + 1) : []), ...(right ? addOperands(right, depth + 1) : [])];
  }
  return [node];
}

/**
 * The layer loop's trip count where the file fixes it (`range(6)`, `range(self.num_layers)` with a
 * default, `range(n_layers)` with a default parameter), read on the instance the block ran on.
 */
export function layerLoopDepth(module: ModuleInfo, globals: Map<string, Value>, fn: Node, { loop }: LayerLoop, instance: Instance | null): number | null {
  const left = loop.childForFieldName('left');
  const right = loop.childForFieldName('right');
  if (!left || !right) return null;
  try {
    const interp = new Interpreter(module, { globals });
    const frame: Frame = { env: new Map(), returned: null };
    if (instance) frame.env.set('self', instance);
    for (const param of named(fn.childForFieldName('parameters') ?? fn)) {
      const name = param.childForFieldName('name')?.text;
      const value = param.childForFieldName('value');
      if (name && value && (param.type === 'default_parameter' || param.type === 'typed_default_parameter')) frame.env.set(name, interp.eval(value, frame));
    }
    const count = numberOf(iterate(interp, right, left, frame).count ?? undefined);
    return count !== null && Number.isInteger(count) && count > 0 ? count : null;
  } catch {
    return null;
  }
}
