// Finds the transformer blocks of a file (classes stacked by a model, or top-level residual classes),
// classifies each from its forward's dataflow, explores flags (conditional) and block-index choices
// (Mix-LN), and reads depth, width, heads and the final norm off the model that stacks them.

import type { Placement } from '../../ir/model';
import { construct, invoke, isConfigClass } from './calls';
import type { Decomposition, DecomposeResult } from './decompose';
import { decompose } from './decompose';
import type { Construction, FlagSeen } from './interpreter';
import { Interpreter } from './interpreter';
import { customNormKind } from './norms';
import type { ClassInfo, ModuleInfo, Node } from './syntax';
import { forwardOf } from './syntax';
import type { Instance, Value } from './values';
import { freshId, numberOf } from './values';

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
  const modelClasses = [...module.classes.values()].filter((c) => !isConfigClass(c) && !customNormKind(c));
  const surveyed = new Set<ClassInfo>();
  for (const cls of modelClasses) {
    if (survey.exhausted) break;
    const instance = construct(survey, cls, { positional: [], keywords: new Map() }, cls.node);
    const forward = forwardOf(cls);
    if (instance.k !== 'instance' || !forward) continue;
    const stream: Value = { k: 'stream', id: freshId() };
    const result = decompose(invoke(survey, forward, instance, { positional: [stream], keywords: new Map() }, forward), stream);
    if (result.ok && result.value.sublayers.some((s) => s.kind !== 'other')) surveyed.add(cls);
  }
  const stacked = new Map<ClassInfo, Construction>();
  const owners = new Map<ClassInfo, Set<ClassInfo>>();
  for (const c of survey.constructions) {
    if (c.owner && c.owner !== c.cls) {
      if (!owners.has(c.cls)) owners.set(c.cls, new Set());
      owners.get(c.cls)!.add(c.owner);
    }
    if (c.repeat && c.owner && !stacked.has(c.cls)) stacked.set(c.cls, c);
  }
  const blockClasses = new Set(stacked.keys());
  // Classes that hold the stacked blocks (models, their wrappers) are never blocks themselves.
  const containers = new Set([...blockClasses].flatMap((b) => ancestors(b, owners)));
  // A residual helper used inside another block (BERT's add-and-norm, a Residual wrapper) is part of that block.
  const candidates = [...surveyed].filter((c) => !blockClasses.has(c) && !containers.has(c));
  const chosen = modelClasses.filter((c) => forwardOf(c) && (blockClasses.has(c)
    || (candidates.includes(c) && !ancestors(c, owners).some((a) => candidates.includes(a) || blockClasses.has(a)))));

  const runFor = (cls: ClassInfo) => (flagValues: Map<string, boolean>): BlockRun => runBlock(module, cls, blockClasses, stacked.get(cls) ?? null, flagValues);
  const blocks: FoundBlock[] = [];
  for (const cls of chosen) {
    const rerun = runFor(cls);
    const run = rerun(new Map());
    const hasSublayers = run.result.ok && run.result.value.sublayers.some((s) => s.kind !== 'other');
    if (blockClasses.has(cls)) {
      if (hasSublayers || looksLikeBlock(run.instance)) blocks.push({ cls, run, rerun, ...modelFacts(module, blockClasses, stacked.get(cls)!) });
    } else if (hasSublayers) {
      blocks.push({ cls, run, rerun, model: null, layers: null, finalNorm: null, modelInstance: null });
    }
  }
  const batchNorms = [...new Set(collectBatchNorms(survey))];
  return { blocks, builtins: survey.builtins, batchNorms };
}

export function runForward(interp: Interpreter, instance: Instance, forward: Node): Value {
  const stream: Value = { k: 'stream', id: freshId() };
  return invoke(interp, forward, instance, { positional: [stream], keywords: new Map() }, forward);
}

/** Classifies one block class in a fresh interpreter (flags forced as given). */
function runBlock(module: ModuleInfo, cls: ClassInfo, blockClasses: Set<ClassInfo>, stacking: Construction | null, flagValues: Map<string, boolean>): BlockRun {
  const interp = new Interpreter(module, { blockClasses, flagValues });
  interp.runModule();
  let instance: Instance | null = null;
  let stackedHere: Construction | null = null;
  if (stacking?.owner) {
    // Build the block the way its model does, so config values and the block index reach it.
    const owner = construct(interp, stacking.owner, { positional: [], keywords: new Map() }, stacking.owner.node);
    let match = interp.constructions.find((c) => c.cls === cls && c.repeat);
    const ownerForward = forwardOf(stacking.owner);
    if (!match && owner.k === 'instance' && ownerForward) {
      runForward(interp, owner, ownerForward);
      match = interp.constructions.find((c) => c.cls === cls && c.repeat);
    }
    if (match) { instance = match.instance; stackedHere = match; }
  }
  if (!instance) {
    const built = construct(interp, cls, { positional: [], keywords: new Map() }, cls.node);
    instance = built.k === 'instance' ? built : { k: 'instance', cls, name: cls.name, attrs: new Map(), node: cls.node, id: freshId() };
  }
  const forward = forwardOf(cls)!;
  const stream: Value = { k: 'stream', id: freshId() };
  const output = invoke(interp, forward, instance, { positional: [stream], keywords: new Map() }, forward);
  const result = interp.exhausted ? { ok: false as const, reason: 'the analysis budget ran out before the forward was understood' } : decompose(output, stream);
  return { result, instance, flags: interp.flagsSeen, stacking: stackedHere ?? stacking };
}

/** A stacked class with both an attention-like and an MLP-like module is a block even when we cannot classify it. */
function looksLikeBlock(instance: Instance): boolean {
  const names = [...instance.attrs.entries()].filter(([, v]) => v.k === 'instance' || v.k === 'builtin' || v.k === 'seq')
    .map(([k, v]) => `${k} ${v.k === 'instance' ? v.cls.name : v.k === 'builtin' ? v.className : ''}`).join(' ');
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
function modelFacts(module: ModuleInfo, blockClasses: Set<ClassInfo>, stacking: Construction): Pick<FoundBlock, 'model' | 'layers' | 'finalNorm' | 'modelInstance'> {
  const model = stacking.owner;
  const layers = countOf(stacking.repeat?.count);
  if (!model) return { model: null, layers, finalNorm: null, modelInstance: null };
  const first = finalNormRun(module, blockClasses, model, new Map());
  let finalNorm = first.finalNorm;
  // A final norm that only exists under a flag with no default here (fairseq's normalize_before) is unknown.
  for (const flag of [...first.flags.values()].slice(0, 6)) {
    const a = finalNormRun(module, blockClasses, model, new Map([[flag.name, true]])).finalNorm;
    const b = finalNormRun(module, blockClasses, model, new Map([[flag.name, false]])).finalNorm;
    if (a !== b && flag.default === null) finalNorm = null;
  }
  return { model, layers, finalNorm, modelInstance: first.instance };
}

function finalNormRun(module: ModuleInfo, blockClasses: Set<ClassInfo>, model: ClassInfo, flagValues: Map<string, boolean>): { finalNorm: boolean | null; instance: Instance | null; flags: Map<string, FlagSeen> } {
  const interp = new Interpreter(module, { blockClasses, flagValues });
  interp.runModule();
  const instance = construct(interp, model, { positional: [], keywords: new Map() }, model.node);
  const forward = forwardOf(model);
  if (instance.k !== 'instance' || !forward) return { finalNorm: null, instance: instance.k === 'instance' ? instance : null, flags: interp.flagsSeen };
  const before = interp.normApplications.length;
  runForward(interp, instance, forward);
  const applied = interp.normApplications.slice(before);
  return { finalNorm: applied.some((n) => n.k === 'norm' && readsBlockOutput(n.arg)), instance, flags: interp.flagsSeen };
}

function countOf(value: Value | undefined): number | null {
  const n = numberOf(value);
  return n !== null && Number.isInteger(n) && n > 0 ? n : null;
}

/** Whether a tensor is a stacked block's output, through layout-only steps. */
function readsBlockOutput(value: Value): boolean {
  for (let v = value, guard = 0; guard < 16; guard++) {
    if (v.k === 'apply' && v.module.k === 'block') return true;
    if (v.k === 'tuple' && v.items.length > 0) v = v.items[0];
    else if (v.k === 'opaque' && v.deps.length === 1) v = v.deps[0];
    else return false;
  }
  return false;
}

function collectBatchNorms(interp: Interpreter): string[] {
  const out: string[] = [];
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
