// Reads a block's output expression as residual steps x ← [N](s·x + Σ branches) and names each
// sublayer's placement from where its norms sit (DESIGN.md's table), or says why it cannot.

import type { Node } from './syntax';
import { mainOutput } from './dictOutputs';
import { unitLearnedGain } from './residualGains';
import { readBranches } from './earlierBranches';
import { attributeSaysNorm } from './inferredNorms';
import type { Placement, SublayerKind } from '../../ir/model';
import type { NormModule, Value } from './values';
import { firstOf, isTensorOfStream, sameKey } from './values';
import { agreeingSide, isConditionMerge } from './branchChoice';
import { agreeingWay } from './agreeingMerges';

export interface NormApplication { norm: NormModule; node: Node }

export interface BranchOp {
  /** The attribute or class name as written. */
  name: string;
  className: string;
  node: Node;
  /** The attribute the caller called when the op sits in an inlined helper (`self_attention`). */
  site?: string;
}

export interface Sublayer {
  kind: SublayerKind;
  name: string;
  placement: Placement;
  node: Node;
  inputNorms: NormApplication[];
  outputNorms: NormApplication[];
  sumNorm: NormApplication | null;
  reason: string;
}

export interface Decomposition {
  sublayers: Sublayer[];
  /** DeepNorm's residual scale as written, when a step scales the stream inside a norm. */
  streamScale: string | null;
  /** A norm applied after the stacked layers, when the caller said where the layers end. */
  finalNorm: NormApplication | null;
}

export type DecomposeResult = { ok: true; value: Decomposition } | { ok: false; reason: string };

const ATTENTION = /attn|attention|mha|multihead|self_?att|mixer|SelfAttention|MultiHead/i;
const MLP = /mlp|ffn|feed_?forward|feedforward|intermediate|fc|moe|expert|dense|linear|swiglu|geglu|ff\b|^ff_?|mlp/i;

/** Decomposes `output` (a block's result) in terms of `input` (its stream argument). */
export function decompose(output: Value, input: Value, afterLayers?: (node: Node, arg: Value) => boolean): DecomposeResult {
  const sublayers: Sublayer[] = [];
  let streamScale: string | null = null;
  let finalNorm: NormApplication | null = null;
  const isInput = (v: Value): boolean => sameKey(v, input);

  // Walks from the output back to the input, collecting steps in reverse.
  const steps: Array<{ sumNorm: NormApplication | null; scale: string | null; gain: string | null; stream: Value; branches: Value[]; node: Node }> = [];
  let current = firstOf(mainOutput(output));
  // A model whose loop body is the block (`for attn, ff in self.layers`) may normalise after the loop.
  if (current.k === 'norm' && afterLayers?.(current.node, current.arg)) {
    finalNorm = { norm: current.norm, node: current.node };
    current = current.arg;
  }
  // BLOOM's `residual = layernorm_output`: x ← N(x) + F(N(x)). The norm the block applies to its own
  // input is the next block's norm of this block's last sum: Post-LN, read on the normalised stream.
  let carried: NormApplication | null = null;
  for (let guard = 0; guard < 64; guard++) {
    if (isInput(current)) break;
    // The rest of the block computed two ways under a runtime condition, both reading the same.
    const agreed = agreeingWay(current, (side) => decompose(side, input, afterLayers));
    if (agreed) current = agreed;
    if (current.k === 'norm' && isInput(current.arg) && steps.length > 0 && !steps[steps.length - 1].sumNorm && !carried) {
      carried = { norm: current.norm, node: current.node };
      steps[steps.length - 1].sumNorm = carried;
      current = current.arg;
      continue;
    }
    // A constant rescale of the block output (`(x + F(x)) / rescale_factor`) moves no norm.
    if (current.k === 'scale' && (current.value.k === 'add' || current.value.k === 'norm')) current = current.value;
    let sumNorm: NormApplication | null = null;
    let sum = current;
    if (current.k === 'norm') {
      sumNorm = { norm: current.norm, node: current.node };
      sum = current.arg;
      if (sum.k !== 'add') {
        return { ok: false, reason: `the norm ${current.norm.name} at line ${current.node.startPosition.row + 1} is applied to the stream without a residual add` };
      }
    }
    if (sum.k !== 'add') return { ok: false, reason: describeNonSum(sum) };
    const streamTerms = sum.terms.filter((t) => onStream(t, isInput));
    if (streamTerms.length !== 1) {
      return { ok: false, reason: streamTerms.length === 0
        ? `no term of the sum at line ${line(sum.node)} carries the block input unchanged`
        : `several terms of the sum at line ${line(sum.node)} carry the block input` };
    }
    const streamTerm = streamTerms[0];
    // A learned gain of ones on the stream (NormFormer) moves no norm; under a norm on the sum it is Admin's ω.
    const gain = sumNorm ? null : unitLearnedGain(streamTerm);
    const scale = streamTerm.k === 'scale' && !gain ? streamTerm.text : null;
    const stream = streamTerm.k === 'scale' ? streamTerm.value : streamTerm;
    const branches = sum.terms.filter((t) => t !== streamTerm && isTensorOfStream(t));
    steps.unshift({ sumNorm, scale, gain, stream, branches, node: sum.node });
    current = stream;
  }
  if (!isInput(current)) return { ok: false, reason: 'the residual chain is too long to follow' };

  for (const [at, step] of steps.entries()) {
    // A branch may read the stream from before an earlier step (an MoE beside a sequential dense path).
    const reads = readBranches(step.branches, step.stream, steps.slice(0, at).map((s) => s.stream).reverse());
    if (!reads.ok) return reads;
    const stepParallel = reads.value.filter((r) => !r.earlier).length > 1;
    const stepSublayers: Sublayer[] = [];
    for (const read of reads.value) {
      const { ops, inputNorms, outputNorms, scale, unresolved } = read;
      const parallel = stepParallel && !read.earlier;
      // A call the analyzer could not resolve on an un-normalised branch may be the missing norm.
      if (unresolved && !step.sumNorm && inputNorms.length === 0) {
        return { ok: false, reason: `a residual branch goes through \`${unresolved}\`, which the analyzer could not resolve (it may be a norm)` };
      }
      // An inlined helper that adds the residual itself (BLOOM's `self.self_attention(h, residual)`) is
      // named by the call that reached it when its own modules (`dense`, `query_key_value`) do not say attention.
      const called = kindOf(ops) !== 'attention' ? ops.find((o) => o.site && ATTENTION.test(o.site)) : undefined;
      const kind = called ? 'attention' : kindOf(ops);
      // The innermost matching op names the sublayer (`intermediate`, not BERT's output `dense`).
      const pattern = kind === 'attention' ? ATTENTION : MLP;
      const inner = [...ops].reverse();
      const main = called ? { ...called, name: called.site! } : inner.find((o) => pattern.test(o.name)) ?? inner.find((o) => pattern.test(o.className)) ?? ops[ops.length - 1];
      const where = placementOf(step.sumNorm, step.scale, inputNorms, outputNorms, scale, parallel);
      const placement = where.placement;
      const reason = step.sumNorm && step.sumNorm === carried && placement === 'post'
        ? `${carried.norm.name} normalises the block input and the stream carries the normalised value (x ← N(x) + F(N(x))): the next block's ${carried.norm.name} normalises this residual sum`
        : where.reason;
      if (step.scale && step.sumNorm) streamScale = step.scale;
      // An injected module (`self.fn` in a PreNorm wrapper) is better named by its class.
      const name = ATTENTION.test(main.name) || MLP.test(main.name) || !(ATTENTION.test(main.className) || MLP.test(main.className)) ? main.name : main.className;
      stepSublayers.push({ kind, name, placement, node: main.node, inputNorms, outputNorms, sumNorm: step.sumNorm, reason });
      if (read.earlier) stepSublayers[stepSublayers.length - 1].reason += ' (it reads the stream from before an earlier step and is added here)';
      if (step.gain) stepSublayers[stepSublayers.length - 1].reason += `; the stream is multiplied by the learned gain ${step.gain} (ones at initialisation) before the add`;
    }
    // Branches of one sum in source order (`mlp_out + attn_out + x` still lists attention first).
    sublayers.push(...stepSublayers.sort((a, b) => a.node.startIndex - b.node.startIndex));
  }
  if (sublayers.length === 0) return { ok: false, reason: 'no sublayer is added to the stream' };
  return { ok: true, value: { sublayers, streamScale, finalNorm } };
}

/** A term that is the stream itself (possibly scaled, as in DeepNorm's α·x) after earlier steps. */
function onStream(term: Value, isInput: (v: Value) => boolean): boolean {
  let t = term.k === 'scale' ? term.value : term;
  for (let guard = 0; guard < 64; guard++) {
    if (isInput(t)) return true;
    if (t.k === 'norm' && (t.arg.k === 'add' || isInput(t.arg))) t = t.arg;
    if (isInput(t)) return true;
    if (t.k !== 'add') return false;
    const inner = t.terms.find((x) => onStream(x, isInput));
    if (!inner) return false;
    t = inner.k === 'scale' ? inner.value : inner;
  }
  return false;
}

export interface BranchRead { ops: BranchOp[]; inputNorms: NormApplication[]; outputNorms: NormApplication[]; scale: string | null; node: Node; unresolved: string | null }

/** Follows a branch from its output back to the stream: output norms, the sublayer, input norms. */
export function readBranch(branch: Value, stream: Value): { ok: true; value: BranchRead } | { ok: false; reason: string } {
  const sequence: Array<{ norm: NormApplication } | { op: BranchOp }> = [];
  let scale: string | null = null;
  let unresolved: string | null = null;
  let inputScale: { text: string; at: number } | null = null;
  let current = branch;
  let node: Node | null = null;
  for (let guard = 0; guard < 64; guard++) {
    if (sameKey(current, stream)) break;
    if (current.k === 'norm') {
      sequence.push({ norm: { norm: current.norm, node: current.node } });
      current = current.arg;
    } else if (current.k === 'scale') {
      // A scale between a norm and its sublayer (`attn(norm(x) * s)`) changes what the norm delivers.
      // A scale between two ops is inside the sublayer (`q * self.scale` in attention): it moves no norm.
      if (sequence.some((s) => 'op' in s)) inputScale = { text: current.text, at: sequence.length };
      else scale = current.text;
      current = current.value;
    } else if (current.k === 'tuple' && current.items.length > 0) {
      current = current.items[0];
    } else if (current.k === 'add' && (current.terms.filter((t) => dependsOnValue(t, stream)).length === 1 || sequence.some((s) => 'op' in s)) && current.terms.some((t) => dependsOnValue(t, stream))) {
      // A shift or bias added inside the branch (adaLN's `norm(x) * (1 + scale) + shift`), or a sum
      // inside a sublayer (attention scores plus a bias computed from q): follow the first reader.
      current = current.terms.find((t) => dependsOnValue(t, stream))!;
    } else if (current.k === 'apply') {
      const module = current.module;
      const name = module.name;
      const className = module.k === 'instance' ? module.cls.name : module.k === 'block' ? module.cls.name : module.className;
      const site = current.site ?? current.node;
      const callee = current.site?.childForFieldName('function');
      const siteName = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
      sequence.push({ op: { name, className, node: site, ...(siteName && siteName !== name ? { site: siteName } : {}) } });
      // A module the analyzer cannot see, not named as a sublayer, may be a norm (`self.prepare(x)`).
      // A name that says norm (`norm_attn`, `ln_mlp`) is one even where it also names the sublayer.
      if (module.k === 'builtin' && module.unresolved && ((!ATTENTION.test(name) && !MLP.test(name)) || attributeSaysNorm(name))) unresolved ??= `${name}(…)`;
      node ??= site;
      const readers = current.args.filter((a) => dependsOnValue(a, stream));
      if (readers.length === 0) return { ok: false, reason: `the sublayer ${name} at line ${line(current.node)} does not read the stream` };
      // Keys are an equivalence: the readers are one path exactly when each has the first one's key.
      // Inside a sublayer (rotary embeddings on q and k) the first reader is followed; the sublayer itself must read one path.
      if (readers.some((r) => !sameKey(r, readers[0])) && sequence.filter((s) => 'op' in s).length < 2) return { ok: false, reason: `the sublayer ${name} at line ${line(current.node)} reads the stream through different paths` };
      current = readers[0];
    } else if (isConditionMerge(current) && !sequence.some((s) => 'op' in s)) {
      // Two ways to compute the branch under an undecided condition: follow one if both share their norms.
      const side = agreeingSide(current, stream, (v) => readBranch(v, stream));
      if (!side) return { ok: false, reason: `a residual branch goes through \`${current.text}\`, whose two sides the analyzer cannot show to agree` };
      current = side;
    } else if (current.k === 'opaque' && sequence.some((s) => 'op' in s) && current.deps.some((d) => dependsOnValue(d, stream))) {
      // Inside a sublayer (`sdpa(q, k, v)` with q, k, v split from one projection): follow the first input.
      if (current.unresolved) unresolved ??= current.text;
      current = current.deps.find((d) => dependsOnValue(d, stream))!;
    } else {
      return { ok: false, reason: current.k === 'opaque' ? `a residual branch goes through \`${current.text}\`, which the analyzer does not follow` : `a residual branch ends in something the analyzer does not follow (${current.k})` };
    }
  }
  if (!sameKey(current, stream)) return { ok: false, reason: 'a residual branch is too deep to follow' };
  const firstOp = sequence.findIndex((s) => 'op' in s);
  if (firstOp < 0) return { ok: false, reason: 'a residual branch adds a normalised copy of the stream with no sublayer' };
  let lastOp = firstOp;
  sequence.forEach((s, i) => { if ('op' in s) lastOp = i; });
  const outputNorms = sequence.slice(0, firstOp).map((s) => (s as { norm: NormApplication }).norm);
  const inputNorms = sequence.slice(lastOp + 1).map((s) => (s as { norm: NormApplication }).norm);
  const ops = sequence.slice(firstOp, lastOp + 1).filter((s): s is { op: BranchOp } => 'op' in s).map((s) => s.op);
  // A call the analyzer could not resolve between the stream and the sublayer may be the missing norm.
  if (inputScale && inputScale.at > lastOp && inputNorms.length > 0 && !/^-?[\d.]+$/.test(inputScale.text)) {
    return { ok: false, reason: `the normalised input of ${ops[ops.length - 1].name} is scaled by \`${inputScale.text}\` (LayerNorm scaling?), which plain placements do not describe` };
  }
  return { ok: true, value: { ops, inputNorms, outputNorms, scale, node: node ?? ops[0].node, unresolved } };
}

export function dependsOnValue(value: Value, target: Value, depth = 0): boolean {
  if (sameKey(value, target)) return true;
  if (depth > 60) return false;
  switch (value.k) {
    case 'opaque': return value.deps.some((d) => dependsOnValue(d, target, depth + 1));
    case 'add': return value.terms.some((d) => dependsOnValue(d, target, depth + 1));
    case 'scale': return dependsOnValue(value.value, target, depth + 1);
    case 'norm': return dependsOnValue(value.arg, target, depth + 1);
    case 'apply': return value.args.some((d) => dependsOnValue(d, target, depth + 1));
    case 'tuple': return value.items.some((d) => dependsOnValue(d, target, depth + 1));
    default: return false;
  }
}

/** Attention if any op in the branch is attention, an MLP if any is a feed-forward, else other. */
export function kindOf(ops: BranchOp[]): SublayerKind {
  if (ops.some((o) => ATTENTION.test(o.name) || ATTENTION.test(o.className))) return 'attention';
  if (ops.some((o) => MLP.test(o.name) || MLP.test(o.className))) return 'mlp';
  return 'other';
}

function placementOf(sumNorm: NormApplication | null, streamScale: string | null, inputNorms: NormApplication[], outputNorms: NormApplication[], branchScale: string | null, parallel: boolean): { placement: Placement; reason: string } {
  const names = (norms: NormApplication[]): string => norms.map((n) => n.norm.name).join(', ');
  if (sumNorm) {
    if (inputNorms.length > 0 || outputNorms.length > 0) {
      return { placement: 'unknown', reason: `norms both inside the branch (${names([...inputNorms, ...outputNorms])}) and on the sum (${sumNorm.norm.name}): not a placement NormScope knows` };
    }
    if (streamScale) return { placement: 'deepnorm', reason: `${sumNorm.norm.name} normalises ${streamScale} · x + F(x)` };
    return { placement: 'post', reason: `${sumNorm.norm.name} normalises the residual sum x + F(x)` };
  }
  if (streamScale) return { placement: 'unknown', reason: `the stream is scaled by ${streamScale} with no norm on the sum` };
  if (inputNorms.length > 0 && outputNorms.length > 0) {
    return { placement: 'sandwich', reason: `${names(inputNorms)} normalises the sublayer input and ${names(outputNorms)} its output before the add` };
  }
  if (inputNorms.length > 0) {
    return parallel
      ? { placement: 'parallel-pre', reason: `${names(inputNorms)} normalises the input of sublayers added to the stream in one sum` }
      : { placement: 'pre', reason: `${names(inputNorms)} normalises the sublayer input; the stream itself is never normalised` };
  }
  if (outputNorms.length > 0) return { placement: 'post-sublayer', reason: `${names(outputNorms)} normalises the sublayer output before the add` };
  if (branchScale) {
    const zero = /zeros|\[\s*0\.?0*\s*\]|\(\s*0\.?0*\s*\)|=\s*0\.?0*\b/.test(branchScale);
    return { placement: 'none', reason: `no norm; the branch is scaled by ${branchScale}${zero ? ', zero at initialisation (ReZero)' : ''}` };
  }
  return { placement: 'none', reason: 'no norm on the residual path of this sublayer' };
}

function describeNonSum(value: Value): string {
  if (value.k === 'opaque') return `the block output goes through \`${value.text}\`, which the analyzer does not follow`;
  if (value.k === 'apply') return `the block output is the result of ${value.module.name} at line ${line(value.node)}, not a residual sum`;
  return `the block output is not a residual sum of its input (${value.k})`;
}

function line(node: Node): number {
  return node.startPosition.row + 1;
}
