// Finds the transformer blocks of a file (classes stacked by a model, or top-level residual classes),
// classifies each from its forward's dataflow, explores flags (conditional) and block-index choices
// (Mix-LN), and reads depth, width, heads and the final norm off the model that stacks them.

import type { Placement } from '../../ir/model';
import { construct, invoke } from './calls';
import { mainOutput } from './dictOutputs';
import { withFlagModules } from './flagConstruction';
import { isConfigClass } from './configs';
import type { Decomposition, DecomposeResult } from './decompose';
import { decompose } from './decompose';
import { callOfAttribute, endOfBlockLoops, finalNormIn, normCalledAfter } from './finalNorms';
import { functionBlocks, surveyBuiltinFunctions } from './functionBlocks';
import { readAroundError } from './syntaxRecovery';
import { readWrapped, wrappedStackFacts, wrapperClassesAround } from './residualWrappers';
import { importedFrom } from './imports';
import type { Construction, FlagSeen } from './interpreter';
import { Interpreter } from './interpreter';
import { customNormKind } from './norms';
import { lookalikeClasses, partNames, unknownReading } from './lookalikes';
import { layerLoopDepth, layerLoopEnd, layerLoopOf } from './loopBodies';
import { readOtherStreams } from './streamArguments';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { forwardOf } from './syntax';
import type { SurveyBuild } from './surveyBuilds';
import { closeWatch, openWatch, snapshotModels } from './surveyBuilds';
import type { Instance, Value } from './values';
import { childrenOf, freshId, numberOf, sameKey } from './values';

export interface BlockRun {
  result: DecomposeResult;
  instance: Instance;
  flags: Map<string, FlagSeen>;
  stacking: Construction | null;
}

export interface FoundBlock {
  cls: ClassInfo;
  run: BlockRun;
  /** Runs the block again with some flags forced, to see what each value does. */
  rerun: (flagValues: Map<string, boolean>) => BlockRun;
  model: ClassInfo | null;
  layers: number | null;
  finalNorm: boolean | null;
  modelInstance: Instance | null;
}

export interface FileScan {
  blocks: FoundBlock[];
  /** Library modules constructed anywhere (the torch built-in transformer layers are among them). */
  builtins: Value[];
  /** Norms over batch or channels (BatchNorm, GroupNorm) seen anywhere: what a non-transformer has. */
  batchNorms: string[];
}

/** First pass: construct every class once to learn who stacks whom; second: classify the blocks. */
export function scanBlocks(module: ModuleInfo): FileScan {
  const survey = new Interpreter(module);
  survey.runModule();
  surveyBuiltinFunctions(survey, module);
  // Classes merged in from imported files are read when this file uses them, never reported themselves.
  const modelClasses = [...module.classes.values()].filter((c) => !importedFrom(c) && !isConfigClass(c) && !customNormKind(c));
  const globals = new Map(survey.globals);
  const surveyed = new Set<ClassInfo>();
  const standalone = new Map<ClassInfo, Instance>();
  const builds = new Map<ClassInfo, SurveyBuild>();
  for (const cls of modelClasses) {
    if (survey.exhausted) break;
    try {
      const watch = openWatch(survey);
      const instance = construct(survey, cls, { positional: [], keywords: new Map() }, cls.node);
      if (instance.k === 'instance') standalone.set(cls, instance);
      const build = instance.k === 'instance' ? closeWatch(survey, watch, instance) : null;
      if (build) builds.set(cls, build);
    } catch {
      // A class the interpreter cannot construct is left out of the survey; the others still count.
      survey.callStack.length = 0;
      survey.loopStack.length = 0;
    }
  }
  let { stacked, owners } = stackingOf(survey.constructions);
  // Read the forward of every class that could be a block: not the parts of a stacked block, not the
  // models that stack them (both would only repeat work). Flax models stack in __call__, so this can
  // discover more stacking, which the second stackingOf picks up.
  const constructedContainers = new Set([...stacked.keys()].flatMap((b) => ancestors(b, owners)));
  for (const cls of modelClasses) {
    const instance = standalone.get(cls);
    const forward = forwardOf(cls);
    if (!instance || !forward || survey.exhausted || constructedContainers.has(cls)) continue;
    if (ancestors(cls, owners).some((a) => stacked.has(a))) continue;
    // Its forward changes the instance: the survey's construction no longer stands for a fresh one.
    builds.delete(cls);
    try {
      const stream: Value = { k: 'stream', id: freshId() };
      const output = invoke(survey, forward, instance, { positional: [stream], keywords: new Map() });
      const read = decompose(output, stream);
      const result = forward.hasError ? readAroundError(forward, survey.lastFrame, stream, read) : read;
      if (result.ok && result.value.sublayers.some((s) => s.kind !== 'other')) surveyed.add(cls);
      // Not understood, but it adds something to its input and holds attention and MLP parts: report it as unknown.
      else if (!result.ok && looksLikeBlock(instance) && addsToInput(mainOutput(output), stream)) surveyed.add(cls);
      // F(N(x)) alone, made residual by a wrapper the file puts around it (`Residual(Block(...))`).
      else if (!result.ok && readsAsSublayers(readWrapped({ module, globals: survey.globals, blockClasses: new Set(), flagValues: new Map() }, cls, instance, result.reason)?.result)) surveyed.add(cls);
    } catch {
      survey.callStack.length = 0;
      survey.loopStack.length = 0;
    }
  }
  ({ stacked, owners } = stackingOf(survey.constructions));
  const blockClasses = new Set(stacked.keys());
  // Classes that hold the stacked blocks (models, their wrappers) are never blocks themselves.
  const containers = new Set([...blockClasses].flatMap((b) => ancestors(b, owners)));
  // A residual helper used inside another block (BERT's add-and-norm, a Residual wrapper) is part of that block.
  const candidates = [...surveyed].filter((c) => !blockClasses.has(c) && !containers.has(c));
  const chosen = modelClasses.filter((c) => forwardOf(c) && (blockClasses.has(c)
    || (candidates.includes(c) && !ancestors(c, owners).some((a) => candidates.includes(a) || blockClasses.has(a)))));

  // Each block runs on the instance the survey built (inside its model, so config values and the block
  // index reached it); flag reruns only re-run the forward.
  // A flag the constructor also branches on (Falcon's new_decoder_architecture builds ln_attn, ln_mlp)
  // is read on an instance built afresh with the flag forced, not on the survey's.
  const runFor = (cls: ClassInfo, loopBody = false) => (flagValues: Map<string, boolean>): BlockRun =>
    runBlock({ module, globals, blockClasses, flagValues }, cls, buildsOnFlag(cls, flagValues) ? null : stacked.get(cls)?.instance ?? standalone.get(cls) ?? null, stacked.get(cls) ?? null, loopBody);
  const blocks: FoundBlock[] = [];
  // Copied before any block's forward runs on (and changes) the survey's instances.
  const prebuilt = snapshotModels(module, [...stacked.values()].flatMap((c) => (c.owner ? [c.owner] : [])), builds, globals);
  const modelCache = new Map<ClassInfo, ReturnType<typeof modelFacts>>();
  for (const cls of chosen) {
    // A class with no block of its own whose forward's layer loop is the block (Haiku, Flax stacks).
    const layerLoop = blockClasses.has(cls) ? null : layerLoopOf(forwardOf(cls)!);
    const rerun = runFor(cls, layerLoop !== null);
    const run = rerun(new Map());
    const hasSublayers = run.result.ok && run.result.value.sublayers.some((s) => s.kind !== 'other');
    if (blockClasses.has(cls)) {
      if (hasSublayers || looksLikeBlock(run.instance)) blocks.push({ cls, run, rerun, ...modelFacts(module, globals, blockClasses, stacked.get(cls)!, modelCache, prebuilt, owners) });
    } else if (layerLoop && hasSublayers) {
      const layers = layerLoopDepth(module, globals, forwardOf(cls)!, layerLoop, run.instance);
      const finalNorm = (run.result.ok && run.result.value.finalNorm !== null) || ownerNormalises(module, globals, blockClasses, cls, owners);
      blocks.push({ cls, run, rerun, model: cls, layers, finalNorm, modelInstance: run.instance });
    } else if (hasSublayers || (!run.result.ok && looksLikeBlock(run.instance))) {
      blocks.push({ cls, run, rerun, model: null, ...wrappedStackFacts(module, cls), modelInstance: null });
    }
  }
  // A wrapper around a block (`Residual(PreNorm(dim, Block(...)))`) is part of that block's reading, not a block.
  const wrappers = wrapperClassesAround(module, blocks.map((b) => b.cls));
  if (wrappers.size > 0) blocks.splice(0, blocks.length, ...blocks.filter((b) => !wrappers.has(b.cls)));
  // Models whose loop body is the block (`for attn, ff in self.layers: x = attn(x); x = ff(x)`): the
  // stacked items are wrappers, not blocks, so the model's own forward is read as one layer.
  const models = new Set([...stacked.values()].map((c) => c.owner).filter((o): o is ClassInfo => o !== null));
  for (const model of models) {
    if (blocks.some((b) => b.model === model) || !forwardOf(model)) continue;
    const stackedHere = [...stacked.entries()].filter(([, c]) => c.owner === model);
    const inner = new Set(stackedHere.map(([cls]) => cls));
    const outerBlocks = new Set([...blockClasses].filter((c) => !inner.has(c)));
    const rerun = (flagValues: Map<string, boolean>): BlockRun =>
      runBlock({ module, globals, blockClasses: outerBlocks, flagValues }, model, standalone.get(model) ?? null, null, true);
    const run = rerun(new Map());
    if (!run.result.ok || !run.result.value.sublayers.some((s) => s.kind !== 'other')) continue;
    const layers = countOf(stackedHere[0]?.[1].repeat?.count);
    const finalNorm = run.result.value.finalNorm !== null || ownerNormalises(module, globals, outerBlocks, model, owners);
    blocks.push({ cls: model, run, rerun, model, layers, finalNorm, modelInstance: run.instance });
  }
  blocks.push(...functionBlocks(module, globals, new Set(blocks.map((b) => b.cls.name))));
  // Nothing read as a block: report the block-like classes as unknown, with the construct not followed.
  if (blocks.length === 0) {
    const holds = (outer: ClassInfo, inner: ClassInfo) => ancestors(inner, owners).includes(outer);
    for (const cls of lookalikeClasses(modelClasses.filter((c) => forwardOf(c)), (c) => standalone.get(c) ?? null, holds)) {
      const rerun = (flagValues: Map<string, boolean>): BlockRun => {
        const run = runFor(cls)(flagValues);
        return { ...run, result: unknownReading(cls, run.result) };
      };
      blocks.push({ cls, run: rerun(new Map()), rerun, model: null, layers: null, finalNorm: null, modelInstance: null });
    }
  }
  const batchNorms = [...new Set(collectBatchNorms(survey))];
  return { blocks, builtins: survey.builtins, batchNorms };
}

/** Whether the class's constructor mentions a forced flag by name (`if config.new_decoder_architecture:`). */
function buildsOnFlag(cls: ClassInfo, flagValues: Map<string, boolean>): boolean {
  const init = cls.methods.get('__init__')?.text ?? '';
  return [...flagValues.keys()].some((name) => {
    const key = name.replace(/^self\./, '').split('.').pop() ?? name;
    return /^\w+$/.test(key) && new RegExp(`\\bif\\b[^\\n]*\\b${key}\\b`).test(init);
  });
}

export function runForward(interp: Interpreter, instance: Instance, forward: Node): Value {
  const stream: Value = { k: 'stream', id: freshId() };
  return invoke(interp, forward, instance, { positional: [stream], keywords: new Map() });
}

interface RunContext {
  module: ModuleInfo;
  globals: Map<string, Value>;
  blockClasses: Set<ClassInfo>;
  flagValues: Map<string, boolean>;
}

/** Classifies one block class; a failure inside the interpreter makes this block unknown, not the file. */
function runBlock(context: RunContext, cls: ClassInfo, built: Instance | null, stacking: Construction | null, loopBody: boolean): BlockRun {
  try {
    return runBlockUnguarded(context, cls, built, stacking, loopBody);
  } catch (error) {
    const instance: Instance = built ?? { k: 'instance', cls, name: cls.name, attrs: new Map(), node: cls.node, id: freshId() };
    const reason = `the analyzer failed while reading ${cls.name}.forward (${error instanceof Error ? error.message : String(error)})`;
    return { result: { ok: false, reason }, instance, flags: new Map(), stacking };
  }
}

/** Classifies one block class: its forward on a built instance, in a fresh interpreter (flags forced as given). */
function runBlockUnguarded(context: RunContext, cls: ClassInfo, built: Instance | null, stacking: Construction | null, loopBody: boolean): BlockRun {
  const interp = new Interpreter(context.module, context);
  let instance = built;
  if (!instance) {
    const made = construct(interp, cls, { positional: [], keywords: new Map() }, cls.node);
    instance = made.k === 'instance' ? made : { k: 'instance', cls, name: cls.name, attrs: new Map(), node: cls.node, id: freshId() };
  }
  // A forced flag the constructor branches on builds other modules (Falcon's ln_attn / ln_mlp).
  if (built) instance = withFlagModules(interp, cls, built, context.flagValues);
  const forward = forwardOf(cls)!;
  // Flags met while constructing are not explored; only the forward's branches are.
  interp.flagsSeen.clear();
  interp.decideStrings = true;
  const stream: Value = { k: 'stream', id: freshId() };
  const afterLayers = loopBody ? layerLoopEnd(interp, forward, afterLoops(forward)) : undefined;
  const output = invoke(interp, forward, instance, { positional: [stream], keywords: new Map() });
  let result = interp.exhausted ? { ok: false as const, reason: 'the analysis budget ran out before the forward was understood' } : decompose(output, stream, afterLayers);
  if (forward.hasError && !interp.exhausted) result = readAroundError(forward, interp.lastFrame, stream, result);
  // A stacked block's stream may be a later argument (`forward(self, x, x_cls)` adding to and returning
  // `x_cls`); a class nobody stacks that adds to a later argument is more often a read-out head.
  const ran = instance;
  if (!result.ok && stacking && !loopBody && !interp.exhausted) result = readOtherStreams(forward, (positional) => invoke(interp, forward, ran, { positional, keywords: new Map() })) ?? result;
  if (!result.ok && !interp.exhausted) {
    const wrapped = readWrapped(context, cls, instance, result.reason);
    if (wrapped) return { result: wrapped.result, instance, flags: wrapped.flags, stacking };
  }
  return { result, instance, flags: interp.flagsSeen, stacking };
}

/**
 * Sublayer classes built in a loop are parts of one block (parallel attentions, MoE experts), not a
 * stack of blocks: the class that builds them stays a candidate block, not a model.
 */
const SUBLAYER_PART = /^(?!.*(Block|Layer|Stage))\w*(Attention|Attn|Mlp|MLP|FeedForward|FFN|Ffn|Expert|Experts|Head)$/;

/** Which classes are built in a loop (stacked), by whom, and who builds whom. */
function stackingOf(constructions: Construction[]): { stacked: Map<ClassInfo, Construction>; owners: Map<ClassInfo, Set<ClassInfo>> } {
  const stacked = new Map<ClassInfo, Construction>();
  const owners = new Map<ClassInfo, Set<ClassInfo>>();
  for (const c of constructions) {
    if (c.owner && c.owner !== c.cls) {
      if (!owners.has(c.cls)) owners.set(c.cls, new Set());
      owners.get(c.cls)!.add(c.owner);
    }
    if (c.repeat && c.owner && !stacked.has(c.cls) && !SUBLAYER_PART.test(c.cls.name)) stacked.set(c.cls, c);
  }
  return { stacked, owners };
}

function readsAsSublayers(result: DecomposeResult | undefined): boolean {
  return result !== undefined && result.ok && result.value.sublayers.some((s) => s.kind !== 'other');
}

/** Whether some sum in the output adds a term directly to the input (a residual connection). */
function addsToInput(output: Value, input: Value): boolean {
  const seen = new Set<Value>();
  const visit = (v: Value, depth: number): boolean => {
    if (depth > 40 || seen.has(v)) return false;
    seen.add(v);
    if (v.k === 'add' && v.terms.some((t) => sameKey(t, input))) return true;
    return childrenOf(v).some((c) => visit(c, depth + 1));
  };
  return visit(output, 0);
}

/** Whether a node lies after every `for` loop of a forward (where a model's final norm sits). */
function afterLoops(forward: Node): (node: Node) => boolean {
  const loops: Node[] = [];
  const visit = (n: Node): void => {
    if (n.type === 'for_statement') loops.push(n);
    for (const c of n.namedChildren) visit(c);
  };
  visit(forward);
  const end = Math.max(...loops.map((l) => l.endIndex), -1);
  return (node) => end >= 0 && node.startIndex >= end;
}

/** A stacked class with both an attention-like and an MLP-like module is a block even when we cannot classify it. */
function looksLikeBlock(instance: Instance): boolean {
  const names = partNames(instance, false).join(' ');
  return /attn|attention/i.test(names) && /mlp|ffn|feed_?forward|fc|dense|intermediate|linear/i.test(names);
}

function ancestors(cls: ClassInfo, owners: Map<ClassInfo, Set<ClassInfo>>): ClassInfo[] {
  const out: ClassInfo[] = [];
  const queue = [...(owners.get(cls) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (out.includes(next) || next === cls) continue;
    out.push(next);
    queue.push(...(owners.get(next) ?? []));
  }
  return out;
}

/** Depth from the stacking loop, and whether the model normalises the last block's output before the head. */
function modelFacts(module: ModuleInfo, globals: Map<string, Value>, blockClasses: Set<ClassInfo>, stacking: Construction, cache: Map<ClassInfo, Pick<FoundBlock, 'model' | 'layers' | 'finalNorm' | 'modelInstance'>>, prebuilt: Map<ClassInfo, SurveyBuild>, owners: Map<ClassInfo, Set<ClassInfo>>): Pick<FoundBlock, 'model' | 'layers' | 'finalNorm' | 'modelInstance'> {
  const model = stacking.owner;
  const layers = countOf(stacking.repeat?.count);
  if (!model) return { model: null, layers, finalNorm: null, modelInstance: null };
  const cached = cache.get(model);
  if (cached) return { ...cached, layers };
  const facts = computeModelFacts(module, globals, blockClasses, model, prebuilt.get(model) ?? null);
  if (facts.finalNorm === false && ownerNormalises(module, globals, blockClasses, model, owners)) facts.finalNorm = true;
  cache.set(model, facts);
  return { ...facts, layers };
}

/** Whether a class that calls the stacking model normalises its output (HF ViTModel around ViTEncoder, vit-pytorch's mlp_head). */
function ownerNormalises(module: ModuleInfo, globals: Map<string, Value>, blockClasses: Set<ClassInfo>, model: ClassInfo, owners: Map<ClassInfo, Set<ClassInfo>>): boolean {
  return ancestors(model, owners).slice(0, 3).some((owner) => forwardOf(owner) !== null && finalNormRun(module, globals, blockClasses, owner, new Map(), null, new Set([model])).finalNorm === true);
}

function computeModelFacts(module: ModuleInfo, globals: Map<string, Value>, blockClasses: Set<ClassInfo>, model: ClassInfo, prebuilt: SurveyBuild | null): Pick<FoundBlock, 'model' | 'layers' | 'finalNorm' | 'modelInstance'> {
  const layers = null;
  const first = finalNormRun(module, globals, blockClasses, model, new Map(), prebuilt);
  let finalNorm = first.finalNorm;
  // A final norm that only exists under a flag with no default here (fairseq's normalize_before) is unknown.
  for (const flag of [...first.flags.values()].slice(0, 6)) {
    const a = finalNormRun(module, globals, blockClasses, model, new Map([[flag.name, true]])).finalNorm;
    const b = finalNormRun(module, globals, blockClasses, model, new Map([[flag.name, false]])).finalNorm;
    if (a !== b && flag.default === null) finalNorm = null;
  }
  return { model, layers, finalNorm, modelInstance: first.instance };
}

function finalNormRun(module: ModuleInfo, globals: Map<string, Value>, blockClasses: Set<ClassInfo>, model: ClassInfo, flagValues: Map<string, boolean>, prebuilt: SurveyBuild | null = null, stackers: ReadonlySet<ClassInfo> = new Set()): { finalNorm: boolean | null; instance: Instance | null; flags: Map<string, FlagSeen> } {
  const interp = new Interpreter(module, { blockClasses, flagValues, globals });
  let instance: Value;
  // The survey's construction, copied, is this construction when it would run to the end within the
  // budget (taking the same steps and meeting the same flags); with flags forced it is another one.
  if (prebuilt && flagValues.size === 0 && module.steps.taken + prebuilt.steps <= module.steps.limit) {
    module.steps.taken += prebuilt.steps;
    for (const [name, flag] of prebuilt.flags) interp.flagsSeen.set(name, flag);
    instance = prebuilt.instance;
  } else {
    instance = construct(interp, model, { positional: [], keywords: new Map() }, model.node);
  }
  const forward = forwardOf(model);
  if (instance.k !== 'instance' || !forward) return { finalNorm: null, instance: instance.k === 'instance' ? instance : null, flags: interp.flagsSeen };
  const before = interp.normApplications.length;
  runForward(interp, instance, forward);
  const applied = interp.normApplications.slice(before);
  let finalNorm = finalNormIn(applied, forward, stackers);
  if (!finalNorm) {
    // The source after the block loop (or after the call of the stacking model, for its owner).
    const from = stackers.size > 0 ? [...stackers].map((cls) => callOfAttribute(forward, instance.attrs, cls)).find((at) => at !== null) ?? null : endOfBlockLoops(forward);
    finalNorm = from !== null && normCalledAfter(forward, from, instance.attrs, applied.length > 0);
  }
  return { finalNorm, instance, flags: interp.flagsSeen };
}

function countOf(value: Value | undefined): number | null {
  const n = numberOf(value);
  return n !== null && Number.isInteger(n) && n > 0 ? n : null;
}

function collectBatchNorms(interp: Interpreter): string[] {
  const out: string[] = [];
  if (!interp.batchNormsMade) return out;
  const visit = (value: Value, depth: number): void => {
    if (depth > 4) return;
    if (value.k === 'normModule' && value.batch) out.push(value.className);
    if (value.k === 'instance') for (const v of value.attrs.values()) visit(v, depth + 1);
    if (value.k === 'seq' || value.k === 'list') for (const v of value.items) visit(v, depth + 1);
  };
  for (const c of interp.constructions) visit(c.instance, 0);
  return out;
}

/** The placement of a decomposition's block: the sublayers' common placement, or unknown with why. */
export function blockPlacement(decomposition: Decomposition): { placement: Placement; reason: string } {
  const placements = [...new Set(decomposition.sublayers.map((s) => s.placement))];
  if (placements.length === 1) {
    const only = placements[0];
    const reason = only === 'unknown' ? decomposition.sublayers.find((s) => s.placement === 'unknown')!.reason : decomposition.sublayers.map((s) => `${s.kind} ${s.name}: ${s.reason}`).join('; ');
    return { placement: only, reason };
  }
  const unknown = decomposition.sublayers.find((s) => s.placement === 'unknown');
  if (unknown) return { placement: 'unknown', reason: unknown.reason };
  return { placement: 'unknown', reason: `the sublayers sit differently (${decomposition.sublayers.map((s) => `${s.name} ${s.placement}`).join(', ')}): no single placement names this block` };
}
