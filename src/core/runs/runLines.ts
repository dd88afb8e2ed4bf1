// Checks one line of a NormScope run file (docs/run-format.md, version 1): the header, a recorded step,
// or the close event. Each check returns the value or a sentence saying what was expected; line numbers
// and files are added by the reader (./runFile.ts), which owns the order of lines.

import type { ProbeNorm, ProbePlacement, RecordedRunInfo } from '../probe/types';

export const RUN_FORMAT = 'normscope-run';
export const RUN_FORMAT_VERSION = 1;

/**
 * The header line's `run` object, checked: the facts a RecordedRunInfo carries (less what the reader adds:
 * the file, whether it was closed, notes), the format version and the free-form config.
 */
export type RunHeader = Omit<RecordedRunInfo, 'file' | 'closed' | 'notes'> & {
  version: number;
  /** Free-form; the exported probe writes its whole ProbeConfig here. */
  config: Record<string, unknown> | null;
};

/** One recorded step, arrays as ProbeMetrics lays them out (row 0 of residualNorm is x0). */
export interface RecordedStep {
  step: number;
  loss: number | null;
  lr: number | null;
  residualNorm: (number | null)[];
  sumNorm: (number | null)[];
  contribution: (number | null)[];
  cosine: (number | null)[];
  gradNorm: (number | null)[];
  gradNormAttnOut: (number | null)[];
  gradNormMlpOut: (number | null)[];
  /** The cells written as null because they were NaN or ±∞ (`residualNorm[7]`, `loss`). */
  nonFinite: string[];
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const PLACEMENTS: readonly ProbePlacement[] = ['pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none', 'mixed'];
/** The per-layer arrays of a step line and their lengths, from L. */
export const STEP_ARRAYS = [
  ['residualNorm', 1], ['sumNorm', 1], ['contribution', 0], ['cosine', 0], ['gradNorm', 0], ['gradNormAttnOut', 0], ['gradNormMlpOut', 0],
] as const;
export type StepArray = (typeof STEP_ARRAYS)[number][0];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown, min = 1): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const fail = <T>(message: string): Checked<T> => ({ ok: false, message });

/** What a line holds, by its keys: the reader decides what to do with each kind. */
export function lineKind(value: unknown): 'header' | 'step' | 'close' | 'foreign' {
  if (!isObject(value)) return 'foreign';
  if ('format' in value) return 'header';
  if (value.event === 'close') return 'close';
  if ('step' in value && 'residualNorm' in value) return 'step';
  return 'foreign';
}

/** A short description of a JSON value for messages: `an array`, `an object with keys a, b, c`. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isObject(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}`;
  }
  return value === null ? 'null' : `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

function optionalString(run: Json, key: string): Checked<string | null> {
  const v = run[key];
  if (v === undefined || v === null) return { ok: true, value: null };
  return typeof v === 'string' ? { ok: true, value: v } : fail(`run.${key} should be a string or null, found ${describe(v)}`);
}

function optionalCount(run: Json, key: string): Checked<number | null> {
  const v = run[key];
  if (v === undefined || v === null) return { ok: true, value: null };
  return isCount(v) ? { ok: true, value: v } : fail(`run.${key} should be a positive integer or null, found ${describe(v)}`);
}

/** The header: format and version first (a foreign or newer file says so), then the run's fields. */
export function checkHeader(value: unknown): Checked<RunHeader> {
  if (!isObject(value) || value.format !== RUN_FORMAT) {
    return fail(`expected the header of a NormScope run file ({"format": "${RUN_FORMAT}", "version": ${RUN_FORMAT_VERSION}, "run": {…}}), found ${describe(value)}`);
  }
  if (!isCount(value.version)) return fail(`the header's version should be a positive integer, found ${describe(value.version)}`);
  if (value.version !== RUN_FORMAT_VERSION) {
    return fail(`run file version ${value.version} is not one this NormScope reads (version ${RUN_FORMAT_VERSION}); update NormScope or write version ${RUN_FORMAT_VERSION}`);
  }
  const run = value.run;
  if (!isObject(run)) return fail(`the header's "run" should be an object, found ${describe(run)}`);
  if (!isCount(run.layers)) return fail(`run.layers should be the number of blocks (a positive integer), found ${describe(run.layers)}`);
  if (run.source !== 'monitor' && run.source !== 'probe-export') return fail(`run.source should be "monitor" or "probe-export", found ${describe(run.source)}`);
  if (run.placement !== undefined && run.placement !== null && !PLACEMENTS.includes(run.placement as ProbePlacement)) {
    return fail(`run.placement should be one of ${PLACEMENTS.join(', ')} or null, found ${describe(run.placement)}`);
  }
  if (run.norm !== undefined && run.norm !== null && run.norm !== 'layernorm' && run.norm !== 'rmsnorm') {
    return fail(`run.norm should be "layernorm", "rmsnorm" or null, found ${describe(run.norm)}`);
  }
  const strings = ['name', 'started', 'model', 'blockClass'].map((key) => optionalString(run, key));
  const counts = ['dModel', 'heads', 'worldSize', 'every'].map((key) => optionalCount(run, key));
  const bad = [...strings, ...counts].find((c) => !c.ok);
  if (bad && !bad.ok) return fail(bad.message);
  const [name, started, model, blockClass] = strings.map((c) => (c.ok ? c.value : null)) as (string | null)[];
  const [dModel, heads, worldSize, every] = counts.map((c) => (c.ok ? c.value : null)) as (number | null)[];
  let gradParams: RunHeader['gradParams'] = null;
  if (isObject(run.gradParams)) {
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    gradParams = { attnOut: text(run.gradParams.attnOut), mlpOut: text(run.gradParams.mlpOut) };
  }
  return {
    ok: true,
    value: {
      version: value.version, name: name ?? 'run', started, source: run.source, model, blockClass, layers: run.layers, dModel, heads,
      placement: (run.placement as ProbePlacement | null | undefined) ?? null, norm: (run.norm as ProbeNorm | null | undefined) ?? null,
      worldSize: worldSize ?? 1, every: every ?? 1, gradParams, config: isObject(run.config) ? run.config : null,
    },
  };
}

function numberOrNull(v: unknown): v is number | null {
  return v === null || (typeof v === 'number' && Number.isFinite(v));
}

/** A step line against the header's depth L: every array at its length, every entry a number or null. */
export function checkStep(value: Json, layers: number): Checked<RecordedStep> {
  if (!isCount(value.step, 0)) return fail(`"step" should be a non-negative integer, found ${describe(value.step)}`);
  for (const key of ['loss', 'lr'] as const) {
    if (value[key] !== undefined && !numberOrNull(value[key])) return fail(`"${key}" should be a number or null, found ${describe(value[key])}`);
  }
  const arrays = {} as Record<StepArray, (number | null)[]>;
  for (const [key, extra] of STEP_ARRAYS) {
    const expected = layers + extra;
    const array = value[key];
    if (array === undefined && key !== 'residualNorm') {
      // A recorder that has no such measure may leave the key out: every layer is "not recorded".
      arrays[key] = new Array<null>(expected).fill(null);
      continue;
    }
    if (!Array.isArray(array)) return fail(`"${key}" should be an array of ${expected} numbers, found ${describe(array)}`);
    if (array.length !== expected) {
      const rows = extra === 1 ? `L+1 = ${expected} (x0 and each block's output)` : `L = ${expected} (one per block)`;
      return fail(`"${key}" has ${array.length} entries; the header says ${layers} layers, so it should have ${rows}`);
    }
    const bad = array.findIndex((v) => !numberOrNull(v));
    if (bad >= 0) return fail(`${key}[${bad}] should be a number or null, found ${describe(array[bad])}`);
    arrays[key] = array as (number | null)[];
  }
  let nonFinite: string[] = [];
  if (value.nonFinite !== undefined) {
    if (!Array.isArray(value.nonFinite) || !value.nonFinite.every((v) => typeof v === 'string')) {
      return fail(`"nonFinite" should be a list of names like "residualNorm[7]", found ${describe(value.nonFinite)}`);
    }
    nonFinite = value.nonFinite as string[];
  }
  return {
    ok: true,
    value: {
      step: value.step, loss: (value.loss as number | null | undefined) ?? null, lr: (value.lr as number | null | undefined) ?? null,
      ...arrays, nonFinite,
    },
  };
}

/** Where a nonFinite name points: `loss`, `lr`, or an array and index; null when it names nothing. */
export function nonFiniteTarget(name: string, layers: number): { key: 'loss' | 'lr' } | { key: StepArray; index: number } | null {
  if (name === 'loss' || name === 'lr') return { key: name };
  const match = /^([A-Za-z]+)\[(\d+)\]$/.exec(name);
  if (!match) return null;
  const entry = STEP_ARRAYS.find(([key]) => key === match[1]);
  const index = Number(match[2]);
  return entry && index < layers + entry[1] ? { key: entry[0], index } : null;
}
