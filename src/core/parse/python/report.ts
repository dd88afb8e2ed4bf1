// Turns a classified block into the IR's BlockIR: one placement (or conditional / mixed, with the
// flag and each value's reading), sublayers, norms with their spans, depth, width and heads.

import type { BlockIR, FlagIR, NormDefinition, NormType, NormUse, Placement, SublayerIR } from '../../ir/model';
import type { BlockRun, FoundBlock } from './blocks';
import { blockPlacement } from './blocks';
import type { Decomposition, NormApplication } from './decompose';
import type { FlagSeen } from './interpreter';
import { optionalSublayerFlag } from './optionalSublayers';
import { lineOf, spanOf } from './syntax';
import type { Instance, Value } from './values';
import { numberOf } from './values';

const MAX_FLAGS = 8;

export function blockReport(found: FoundBlock): BlockIR {
  const { cls, run } = found;
  const base: BlockIR = {
    name: cls.name, line: lineOf(cls.node), span: spanOf(cls.node), placement: 'unknown', reason: '', sublayers: [], norm: null,
    finalNorm: found.finalNorm, layers: found.layers, dModel: null, heads: null, flag: null, deepnormAlpha: null, mixed: null,
    model: found.model ? { name: found.model.name, span: spanOf(found.model.node) } : null, normDefinitions: [], normUses: [],
  };
  if (!run.result.ok) {
    base.reason = run.result.reason;
    base.dModel = widthOf(run.instance, found.modelInstance);
    base.heads = headsOf(run.instance, found.modelInstance);
    return base;
  }
  const decomposition = run.result.value;
  fillFromDecomposition(base, decomposition, run.instance, found.modelInstance);
  const unread: string[] = [];
  const [branching, ...others] = findBranchingFlags(found, run, unread);
  if (branching) applyBranching(base, branching, found);
  else if (unread.length > 0) base.reason = `${base.reason}; ${unread.join('; ')}`;
  if (branching && !branching.flag.index && others.length > 0) {
    // Every flag that moves a norm, each with its default and both readings (the others at their defaults).
    base.flags = [branching, ...others].filter((b) => !b.flag.index).map(flagIR);
    base.reason = `${base.reason}; also on ${others.map((b) => describeFlag(flagIR(b), b.flag.line)).join('; ')}`;
  }
  return base;
}

function fillFromDecomposition(block: BlockIR, decomposition: Decomposition, instance: Instance, model: Instance | null): void {
  const { placement, reason } = blockPlacement(decomposition);
  block.placement = placement;
  block.reason = reason;
  if (placement === 'deepnorm') block.deepnormAlpha = decomposition.streamScale;
  const applications: Array<{ app: NormApplication; role: NormUse['role'] }> = [];
  block.sublayers = decomposition.sublayers.map((s): SublayerIR => {
    const norms = [...s.inputNorms, ...s.outputNorms, ...(s.sumNorm ? [s.sumNorm] : [])];
    applications.push(...s.inputNorms.map((app) => ({ app, role: 'sublayer-input' as const })));
    applications.push(...s.outputNorms.map((app) => ({ app, role: 'sublayer-output' as const })));
    if (s.sumNorm) applications.push({ app: s.sumNorm, role: 'residual-sum' });
    return { kind: s.kind, name: s.name, placement: s.placement, line: lineOf(s.node), span: spanOf(s.node), norms: [...new Set(norms.map((n) => n.norm.name))], reason: s.reason };
  });
  if (decomposition.finalNorm) applications.push({ app: decomposition.finalNorm, role: 'final' });
  const seenUses = new Set<number>();
  const seenDefs = new Set<number>();
  const definitions: NormDefinition[] = [];
  for (const { app, role } of applications) {
    if (!seenUses.has(app.node.startIndex)) {
      seenUses.add(app.node.startIndex);
      block.normUses.push({ name: app.norm.name, role, span: spanOf(app.node) });
    }
    if (!seenDefs.has(app.norm.node.startIndex)) {
      seenDefs.add(app.norm.node.startIndex);
      definitions.push({ name: app.norm.name, type: app.norm.type, className: app.norm.className, span: spanOf(app.norm.node) });
    }
  }
  // Norms the block defines but the residual path does not use (QK-norm, unused) still get a definition.
  for (const value of instance.attrs.values()) {
    if (value.k === 'normModule' && !value.batch && !seenDefs.has(value.node.startIndex)) {
      seenDefs.add(value.node.startIndex);
      definitions.push({ name: value.name, type: value.type, className: value.className, span: spanOf(value.node) });
    }
  }
  const inferred = [...new Set(applications.flatMap((a) => (a.app.norm.inferred ? [a.app.norm.inferred] : [])))];
  if (inferred.length > 0) {
    block.confidence = 'low';
    block.reason = `${block.reason}; lower confidence: ${inferred.join('; ')}`;
  }
  block.normDefinitions = definitions.sort((a, b) => a.span.offset - b.span.offset);
  block.normUses.sort((a, b) => a.span.offset - b.span.offset);
  const types = new Set<NormType>(applications.map((a) => a.app.norm.type));
  block.norm = types.size === 0 ? null : types.size === 1 ? [...types][0] : 'other';
  const undecided = [...new Set(applications.flatMap((a) => (a.app.norm.undecided ? [a.app.norm.undecided] : [])))];
  if (undecided.length > 0) {
    block.norm = null;
    block.reason = `${block.reason}; norm type not decided: ${undecided.join('; ')}`;
  }
  const widths = applications.map((a) => a.app.norm.width).filter((w): w is number => typeof w === 'number');
  block.dModel = widths[0] ?? widthOf(instance, model);
  block.heads = headsOf(instance, model);
}

interface Branching { flag: FlagSeen; whenTrue: BlockRun; whenFalse: BlockRun }

/**
 * The flags whose two values give the block different placements, those named like a placement
 * switch (`pre_norm`, `sandwich_norm`, `normalize_before`) tried first: a configurable file branches
 * on many flags, most of which (bias, dropout, rotary) move no norm.
 */
function findBranchingFlags(found: FoundBlock, run: BlockRun, unread: string[]): Branching[] {
  const out: Branching[] = [];
  let tried = 0;
  // Call-time switches (`return_attention`, `use_cache`) change what is returned, not the architecture.
  const flags = [...run.flags.values()].filter((f) => !RUNTIME_FLAG.test(f.name));
  const ordered = [...flags.filter((f) => PLACEMENT_SWITCH.test(f.name)), ...flags.filter((f) => !PLACEMENT_SWITCH.test(f.name))];
  for (const flag of ordered) {
    if (tried++ >= MAX_FLAGS) break;
    const whenTrue = found.rerun(new Map([[flag.name, true]]));
    const whenFalse = found.rerun(new Map([[flag.name, false]]));
    if (signature(whenTrue) === signature(whenFalse)) continue;
    // One value the analyzer cannot follow (rotary embeddings under `rope`): no placement depends on
    // the flag that it can show, so the block keeps the reading it has and says what it could not read.
    const failed = !whenTrue.result.ok ? whenTrue : !whenFalse.result.ok ? whenFalse : null;
    const other = failed === whenTrue ? whenFalse : whenTrue;
    if (failed && !failed.result.ok && other.result.ok && run.result.ok && signature(other) === signature(run)) {
      unread.push(`with ${flag.name} ${failed === whenTrue ? 'true' : 'false'} the forward could not be followed (${failed.result.reason})`);
      continue;
    }
    // A flag that only switches an optional sublayer (cross-attention) on or off is no placement switch.
    const optional = flag.index ? null : optionalSublayerFlag(found, flag, whenTrue, whenFalse);
    if (optional?.kind === 'same') { unread.push(optional.note); continue; }
    out.push({ flag, whenTrue, whenFalse });
    // A block-index choice (Mix-LN) is read alone.
    if (flag.index) break;
  }
  return out;
}

const PLACEMENT_SWITCH = /norm|pre_?ln|post_?ln|before|after|first|sandwich|parallel|residual|ln/i;
const RUNTIME_FLAG = /^(return_\w+|output_\w+|use_cache|need_weights|training|is_causal|layer_past|past_key_values?)$/;

function signature(run: BlockRun): string {
  if (!run.result.ok) return `unknown:${run.result.reason}`;
  return run.result.value.sublayers.map((s) => `${s.kind}:${s.placement}`).join(',');
}

function placementOfRun(run: BlockRun): Placement {
  return run.result.ok ? blockPlacement(run.result.value).placement : 'unknown';
}

function applyBranching(block: BlockIR, branching: Branching, found: FoundBlock): void {
  const { flag, whenTrue, whenFalse } = branching;
  const onTrue = placementOfRun(whenTrue);
  const onFalse = placementOfRun(whenFalse);
  const trueSubs = whenTrue.result.ok ? whenTrue.result.value.sublayers : [];
  const falseSubs = whenFalse.result.ok ? whenFalse.result.value.sublayers : [];
  const mark: Placement = flag.index ? 'mixed' : 'conditional';
  block.sublayers = block.sublayers.map((s, i) => {
    const a = trueSubs[i]?.placement;
    const b = falseSubs[i]?.placement;
    return a && b && a !== b ? { ...s, placement: mark, reason: `${a} when ${flag.text} holds, ${b} otherwise` } : s;
  });
  block.placement = mark;
  if (flag.index) {
    const postBlocks = countPostBlocks(flag.index, found.layers, onTrue, onFalse);
    block.mixed = { postBlocks, expression: flag.index.k === 'indexCmp' ? flag.index.text : flag.text };
    block.reason = `per block index: ${onTrue} where ${flag.text} holds, ${onFalse} elsewhere${postBlocks !== null ? ` (${postBlocks} post-norm blocks of ${found.layers})` : ''}`;
  } else {
    block.flag = flagIR(branching);
    block.reason = `depends on ${describeFlag(block.flag, flag.line)}`;
    // One value the analyzer cannot read: no confident conditional, the block is unknown and says why.
    if (onTrue === 'unknown' || onFalse === 'unknown') block.placement = 'unknown';
  }
}

function flagIR(branching: Branching): FlagIR {
  const { flag, whenTrue, whenFalse } = branching;
  return { name: flag.name, default: flag.default, placements: { True: placementOfRun(whenTrue), False: placementOfRun(whenFalse) } };
}

function describeFlag(flag: FlagIR, line: number): string {
  const defaultText = flag.default === null ? 'no default in this file' : `default ${String(flag.default)}`;
  return `${flag.name} (line ${line}, ${defaultText}): ${flag.placements.True} when true, ${flag.placements.False} when false`;
}

/** Mix-LN: how many blocks take the post-norm reading, counting indices 0..L-1 against the bound. */
function countPostBlocks(index: Value, layers: number | null, onTrue: Placement, onFalse: Placement): number | null {
  if (index.k !== 'indexCmp' || index.bound === null || layers === null) return null;
  const holds = (i: number): boolean => {
    const [a, b] = index.indexOnLeft ? [i, index.bound!] : [index.bound!, i];
    switch (index.op) {
      case '<': return a < b;
      case '<=': return a <= b;
      case '>': return a > b;
      case '>=': return a >= b;
      case '==': return a === b;
      default: return a !== b;
    }
  };
  let count = 0;
  for (let i = 0; i < layers; i++) if ((holds(i) ? onTrue : onFalse) === 'post') count++;
  return count;
}

// Exact names, as sets: the search below asks of every attribute of a model and its parts.
const WIDTH_NAMES: ReadonlySet<string> = new Set(['n_embd', 'd_model', 'hidden_size', 'hidden_dim', 'dim', 'embed_dim', 'emb_dim', 'n_embed', 'd_embed', 'width', 'embedding_dim', 'model_dim', 'd']);
const HEAD_NAMES: ReadonlySet<string> = new Set(['n_head', 'n_heads', 'num_heads', 'num_attention_heads', 'nhead', 'nheads', 'heads', 'n_attn_heads', 'attention_heads']);

function widthOf(instance: Instance, model: Instance | null): number | null {
  for (const value of instance.attrs.values()) {
    if (value.k === 'builtin' && /MultiheadAttention$/.test(value.className)) {
      const width = numberOf(value.kwargs.get('embed_dim') ?? value.args[0]);
      if (width !== null) return width;
    }
  }
  return findNumber(instance, WIDTH_NAMES, 0) ?? (model ? findNumber(model, WIDTH_NAMES, 0) : null);
}

function headsOf(instance: Instance, model: Instance | null): number | null {
  for (const value of instance.attrs.values()) {
    if (value.k === 'builtin' && /MultiheadAttention|MultiHeadDotProductAttention|SelfAttention/.test(value.className)) {
      const heads = numberOf(value.kwargs.get('num_heads') ?? value.kwargs.get('nhead') ?? value.args[1]);
      if (heads !== null) return heads;
    }
  }
  return findNumber(instance, HEAD_NAMES, 0) ?? (model ? findNumber(model, HEAD_NAMES, 0) : null);
}

/** A numeric attribute with one of the given names, in the instance, its config objects and submodules. */
function findNumber(instance: Instance, names: ReadonlySet<string>, depth: number): number | null {
  if (depth > 3) return null;
  for (const [name, value] of instance.attrs) {
    if (!names.has(name)) continue;
    if (numberOf(value) !== null) return numberOf(value);
    // `self.heads = nn.ModuleList([Head(size) for _ in range(num_heads)])`: as many as the loop makes.
    if (value.k === 'list' && value.repeat && numberOf(value.repeat.count) !== null) return numberOf(value.repeat.count);
  }
  for (const value of instance.attrs.values()) {
    if (value.k === 'config') for (const [name, field] of value.fields) if (names.has(name) && numberOf(field) !== null) return numberOf(field);
  }
  for (const value of instance.attrs.values()) {
    const children = value.k === 'instance' ? [value] : value.k === 'list' || value.k === 'seq' ? value.items.flatMap((i) => (i.k === 'list' ? i.items : [i])) : [];
    for (const child of children) {
      if (child.k !== 'instance') continue;
      const found = findNumber(child, names, depth + 1);
      if (found !== null) return found;
    }
  }
  return null;
}
