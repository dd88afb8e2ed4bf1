// Blocks written as functions (TensorFlow / JAX: `def block(x, scope, *, hparams)` adding `attn(norm(x))`
// and `mlp(norm(x))` to x): each top-level function is run once on a stream, and one whose output is a
// residual sum with an attention or MLP sublayer is reported like a block class.

import type { BlockRun, FoundBlock } from './blocks';
import { invoke } from './calls';
import { markBlockFunctions } from './functions';
import { importedFrom } from './imports';
import type { DecomposeResult } from './decompose';
import { decompose } from './decompose';
import { Interpreter } from './interpreter';
import { layerLoopDepth, layerLoopEnd, layerLoopOf } from './loopBodies';
import { readOtherStreams } from './streamArguments';
import { functionNormKind } from './norms';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { named } from './syntax';
import type { Instance, Value } from './values';
import { firstOf, freshId, numberOf } from './values';

const SUBLAYER_CALL = /(attn|attention|mlp|ffn|feed_?forward|mixer|moe|expert|block|layer)\w*\s*\(/i;

/** At most this many functions are tried per file (each is one run of its body). */
const MAX_FUNCTIONS = 40;

export function functionBlocks(module: ModuleInfo, globals: Map<string, Value>, taken: ReadonlySet<string>): FoundBlock[] {
  const out: FoundBlock[] = [];
  let tried = 0;
  for (const [name, fn] of module.functions) {
    if (tried >= MAX_FUNCTIONS || module.steps.taken > module.steps.limit) break;
    if (taken.has(name) || importedFrom(fn) || !mayBeBlock(fn)) continue;
    tried++;
    const cls: ClassInfo = { name, node: fn, bases: [], methods: new Map([['forward', fn]]), fields: [], decorators: [], parents: [] };
    const rerun = (flagValues: Map<string, boolean>): BlockRun => runFunction(module, globals, cls, fn, flagValues);
    const run = rerun(new Map());
    if (!run.result.ok || !run.result.value.sublayers.some((s) => s.kind !== 'other')) continue;
    out.push({ cls, run, rerun, model: null, layers: null, finalNorm: null, modelInstance: null });
  }
  for (const found of out) {
    const layer = layerLoopOf(found.cls.node);
    // A function whose layer loop is the block (functional JAX) is its own stack: depth and final norm are its own.
    if (layer) Object.assign(found, { layers: layerLoopDepth(module, globals, found.cls.node, layer, null), finalNorm: found.run.result.ok ? found.run.result.value.finalNorm !== null : null });
    else Object.assign(found, stackingFunction(module, globals, found.cls));
  }
  return out;
}

/**
 * The function that calls a block function in a loop (`for layer in range(cfg.n_layers): h = block(h, …)`):
 * run once with the block marked, it gives the depth and whether a norm follows the loop.
 */
function stackingFunction(module: ModuleInfo, globals: Map<string, Value>, block: ClassInfo): Pick<FoundBlock, 'layers' | 'finalNorm'> {
  const call = new RegExp(`\\b${block.name}\\s*\\(`);
  for (const [name, fn] of module.functions) {
    if (fn === block.node || !fn.text.includes('for ') || !call.test(fn.text) || module.steps.taken > module.steps.limit) continue;
    const interp = new Interpreter(module, { globals });
    const marked = markBlockFunctions(interp, new Map([[block.node, block]]));
    try {
      interp.functionStack.push(fn);
      invoke(interp, fn, null, { positional: [], keywords: new Map() });
    } catch {
      continue;
    }
    if (marked.counts.length === 0) continue;
    const count = numberOf(marked.counts[0]);
    const finalNorm = interp.normApplications.some((n) => n.k === 'norm' && firstOf(n.arg).k === 'apply' && (firstOf(n.arg) as { module: { k: string } }).module.k === 'block');
    void name;
    return { layers: count !== null && Number.isInteger(count) && count > 0 ? count : null, finalNorm };
  }
  return { layers: null, finalNorm: null };
}

/** A function that takes a tensor first and adds something: not a norm, not a method, not a helper without a sum. */
function mayBeBlock(fn: Node): boolean {
  const params = named(fn.childForFieldName('parameters') ?? fn);
  const first = params[0];
  if (!first || first.text === 'self' || first.text === 'cls') return false;
  if (functionNormKind(fn)) return false;
  const text = fn.text;
  // A block calls its sublayers by name; rotary helpers and masks (`q * cos + rotate_half(q) * sin`) do not.
  return text.length < 20_000 && (text.includes('+') || text.includes('add')) && SUBLAYER_CALL.test(text);
}

function runFunction(module: ModuleInfo, globals: Map<string, Value>, cls: ClassInfo, fn: Node, flagValues: Map<string, boolean>): BlockRun {
  const interp = new Interpreter(module, { globals, flagValues });
  const instance: Instance = { k: 'instance', cls, name: cls.name, attrs: new Map(), node: fn, id: freshId() };
  const stream: Value = { k: 'stream', id: freshId() };
  let result: DecomposeResult;
  try {
    interp.functionStack.push(fn);
    const afterLayers = layerLoopOf(fn) ? layerLoopEnd(interp, fn) : undefined;
    const output = invoke(interp, fn, null, { positional: [stream], keywords: new Map() });
    result = interp.exhausted ? { ok: false, reason: 'the analysis budget ran out before the function was understood' } : decompose(output, stream, afterLayers);
    // A functional stack may take its parameters first (`def transformer(params, x)`): the stream is the argument its layer loop adds to.
    if (!result.ok && afterLayers && !interp.exhausted) result = readOtherStreams(fn, (positional) => invoke(interp, fn, null, { positional, keywords: new Map() }), afterLayers) ?? result;
  } catch (error) {
    result = { ok: false, reason: `the analyzer failed while reading ${cls.name} (${error instanceof Error ? error.message : String(error)})` };
  }
  return { result, instance, flags: interp.flagsSeen, stacking: null };
}

const BUILTIN_LAYER = /Transformer(Encoder|Decoder)Layer\s*\(|\bnn\.Transformer\s*\(/;

/**
 * Runs, once, each top-level function that builds one of PyTorch's transformer layers
 * (`def make_encoder(): layer = nn.TransformerEncoderLayer(…)`), so those layers are reported
 * like the ones built at module level or in a constructor.
 */
export function surveyBuiltinFunctions(survey: Interpreter, module: ModuleInfo): void {
  for (const fn of module.functions.values()) {
    if (survey.exhausted) return;
    if (!BUILTIN_LAYER.test(fn.text)) continue;
    try {
      invoke(survey, fn, null, { positional: [], keywords: new Map() });
    } catch {
      // A function the interpreter cannot run leaves what it built so far; the others still count.
    }
  }
}
