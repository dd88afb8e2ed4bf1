// The survey constructs every class once; a model's final-norm reading used to construct the model
// again, step for step the same. This keeps what the survey's construction of a class left (a copy of
// its objects, the steps it took, the flags it met) so that reading can start from a copy instead.
//
// The copy is the same computation only when the construction depended on nothing that differs later:
// it applied no module (applying reads the block classes and the per-file opaque-class memo), filled
// no config cache (a later construction finds it filled and takes other steps), stayed within the
// budget, had no forward run on it, and could reach no object another computation changes (no
// module-level or config value holds an instance, a library module or a list). Otherwise the model is
// constructed again.

import { filledConfigFields } from './configs';
import type { FlagSeen, Interpreter } from './interpreter';
import type { ClassInfo, ModuleInfo } from './syntax';
import type { Instance, Value } from './values';
import { freshId } from './values';

/** What the survey's construction of one class left, as a constructor run on its own would leave it. */
export interface SurveyBuild {
  instance: Instance;
  steps: number;
  flags: Map<string, FlagSeen>;
}

interface Watch { steps: number; applications: number; configFills: number }

/** Starts watching one construction: flags are collected afresh (the survey's own are never read). */
export function openWatch(survey: Interpreter): Watch {
  survey.flagsSeen.clear();
  return { steps: survey.module.steps.taken, applications: survey.instanceApplications, configFills: survey.configFills };
}

/** The construction's record, or null when it depended on something a later run could see differently. */
export function closeWatch(survey: Interpreter, watch: Watch, instance: Instance): SurveyBuild | null {
  if (survey.exhausted || survey.instanceApplications !== watch.applications || survey.configFills !== watch.configFills) return null;
  return { instance, steps: survey.module.steps.taken - watch.steps, flags: new Map(survey.flagsSeen) };
}

/**
 * Copies the survey's instances of `models` before any block's forward runs on them (forwards change
 * attributes and names). Module-level and config values stay shared, as a fresh construction shares
 * them; when one of them holds something changeable, nothing is copied.
 */
export function snapshotModels(module: ModuleInfo, models: Iterable<ClassInfo>, builds: Map<ClassInfo, SurveyBuild>, globals: Map<string, Value>): Map<ClassInfo, SurveyBuild> {
  const out = new Map<ClassInfo, SurveyBuild>();
  const shared = new Map<object, unknown>();
  for (const value of globals.values()) if (!share(value, shared)) return out;
  for (const fields of filledConfigFields(module)) for (const value of fields.values()) if (!share(value, shared)) return out;
  for (const model of models) {
    const build = builds.get(model);
    if (!build || out.has(model)) continue;
    const memo = new Map(shared);
    const copy = cloneValue(build.instance, memo);
    if (copy && copy.k === 'instance') out.set(model, { ...build, instance: copy });
  }
  return out;
}

/** Marks a shared value and everything in it as shared; false if it holds something changeable. */
function share(value: Value, shared: Map<object, unknown>): boolean {
  if (shared.has(value)) return true;
  if (value.k === 'instance' || value.k === 'builtin' || value.k === 'list') return false;
  shared.set(value, value);
  if (value.k === 'config') for (const field of value.fields.values()) if (!share(field, shared)) return false;
  for (const part of partsOf(value)) if (!share(part, shared)) return false;
  return true;
}

/** The values a value holds, besides config fields (which are shared when the config class is known). */
function partsOf(value: Value): Value[] {
  switch (value.k) {
    case 'opaque': return value.deps;
    case 'add': return value.terms;
    case 'scale': return [value.factor, value.value];
    case 'norm': return [value.norm, value.arg];
    case 'apply': return value.module.k === 'block' ? value.args : [value.module, ...value.args];
    case 'tuple': case 'seq': return value.items;
    case 'list': return value.repeat ? [...value.items, value.repeat.count] : value.items;
    case 'dict': return [...value.entries.values()];
    case 'instance': return [...value.attrs.values()];
    case 'builtin': return [...value.args, ...value.kwargs.values()];
    default: return [];
  }
}

/** A copy with the same sharing inside (memo maps each original to its copy); null if a shared value is changeable. */
function cloneValue(value: Value, memo: Map<object, unknown>): Value | null {
  const done = memo.get(value);
  if (done) return done as Value;
  switch (value.k) {
    case 'instance': {
      const copy: Instance = { ...value, attrs: new Map(), id: freshId() };
      memo.set(value, copy);
      return cloneEntries(value.attrs, copy.attrs, memo) ? copy : null;
    }
    case 'builtin': {
      const copy = { ...value, args: [] as Value[], kwargs: value.kwargs.size === 0 ? value.kwargs : new Map<string, Value>(), id: freshId() };
      memo.set(value, copy);
      const args = cloneAll(value.args, memo);
      if (!args || (value.kwargs.size > 0 && !cloneEntries(value.kwargs, copy.kwargs as Map<string, Value>, memo))) return null;
      copy.args = args;
      return copy;
    }
    case 'list': {
      const copy: Extract<Value, { k: 'list' }> = { ...value, items: [], repeat: null };
      memo.set(value, copy);
      const items = cloneAll(value.items, memo);
      if (!items) return null;
      copy.items = items;
      if (value.repeat) {
        let repeat = memo.get(value.repeat) as typeof value.repeat | undefined;
        if (!repeat) {
          const count = cloneValue(value.repeat.count, memo);
          if (!count) return null;
          memo.set(value.repeat, (repeat = { ...value.repeat, count }));
        }
        copy.repeat = repeat;
      }
      return copy;
    }
    case 'config': {
      // A known config class's fields are the per-file cache every construction shares (its values are
      // in the memo as shared already): keep them.
      if (value.cls) {
        const copy = { ...value };
        memo.set(value, copy);
        return copy;
      }
      const copy = { ...value, fields: new Map<string, Value>() };
      memo.set(value, copy);
      return cloneEntries(value.fields, copy.fields, memo) ? copy : null;
    }
    case 'dict': {
      const copy = { ...value, entries: new Map<string, Value>() };
      memo.set(value, copy);
      return cloneEntries(value.entries, copy.entries, memo) ? copy : null;
    }
    case 'seq': {
      const copy = { ...value, items: [] as Value[], id: freshId() };
      memo.set(value, copy);
      const items = cloneAll(value.items, memo);
      if (!items) return null;
      copy.items = items;
      return copy;
    }
    case 'tuple': case 'opaque': case 'add': case 'scale': case 'norm': case 'apply':
      return cloneComposite(value, memo);
    // A lambda sees the scope it was written in (the survey's modules): no copy stands for a fresh one.
    case 'lambda': return null;
    case 'stream': {
      const copy = { ...value, id: freshId() };
      memo.set(value, copy);
      return copy;
    }
    default: {
      // Leaves (constants, names, norm modules, references): their fields are never changed.
      const copy = { ...value };
      memo.set(value, copy);
      return copy;
    }
  }
}

function cloneAll(values: Value[], memo: Map<object, unknown>): Value[] | null {
  const out: Value[] = [];
  for (const v of values) {
    const c = cloneValue(v, memo);
    if (!c) return null;
    out.push(c);
  }
  return out;
}

function cloneEntries(entries: ReadonlyMap<string, Value>, into: Map<string, Value>, memo: Map<object, unknown>): boolean {
  for (const [k, v] of entries) {
    const c = cloneValue(v, memo);
    if (!c) return false;
    into.set(k, c);
  }
  return true;
}

type Composite = Extract<Value, { k: 'tuple' | 'opaque' | 'add' | 'scale' | 'norm' | 'apply' }>;

/** Tensor expressions: immutable, but copied so identity inside the copy matches a fresh construction's. */
function cloneComposite(value: Composite, memo: Map<object, unknown>): Value | null {
  switch (value.k) {
    case 'tuple': { const items = cloneAll(value.items, memo); return items && remember(value, { ...value, items }, memo); }
    case 'opaque': { const deps = cloneAll(value.deps, memo); return deps && remember(value, { ...value, deps }, memo); }
    case 'add': { const terms = cloneAll(value.terms, memo); return terms && remember(value, { ...value, terms }, memo); }
    case 'scale': {
      const parts = cloneAll([value.factor, value.value], memo);
      return parts && remember(value, { ...value, factor: parts[0], value: parts[1] }, memo);
    }
    case 'norm': {
      const parts = cloneAll([value.norm, value.arg], memo);
      return parts && parts[0].k === 'normModule' ? remember(value, { ...value, norm: parts[0], arg: parts[1] }, memo) : null;
    }
    case 'apply': {
      const args = cloneAll(value.args, memo);
      if (!args) return null;
      const module = value.module.k === 'block' ? cloneBlockRef(value.module, memo) : cloneValue(value.module, memo);
      if (!module || (module.k !== 'instance' && module.k !== 'builtin' && module.k !== 'block')) return null;
      return remember(value, { ...value, module, args }, memo);
    }
  }
}

type BlockRef = Extract<Extract<Value, { k: 'apply' }>['module'], { k: 'block' }>;

function cloneBlockRef(ref: BlockRef, memo: Map<object, unknown>): BlockRef {
  let copy = memo.get(ref) as BlockRef | undefined;
  if (!copy) memo.set(ref, (copy = { ...ref }));
  return copy;
}

/** Records a composite's copy; a cycle through it (none are built) would have met the memo first. */
function remember(original: Value, copy: Value, memo: Map<object, unknown>): Value {
  const earlier = memo.get(original);
  if (earlier) return earlier as Value;
  memo.set(original, copy);
  return copy;
}
