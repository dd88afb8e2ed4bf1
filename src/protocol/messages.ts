// The one message protocol between the extension host and the panel webview. Both sides import these
// types; every inbound message is checked with the guards below before it is used. Mirrors GitLens
// `ipc.ts` (typed messages with `is…` guards): direction is in the name, snapshots are whole, never deltas.

import type { BlockIR } from '../core/ir/model';
import { PLACEMENTS } from '../core/ir/model';
import type { SweepResult } from '../core/probe/sweep';
import { isProbePlacement } from '../core/probe/types';
import type { ProbeConfig, ProbeSnapshot, RecordedRunInfo, RunSnapshot } from '../core/probe/types';

/** The model the panel shows: one block of one file, with where it came from so clicks can reveal it. */
export interface PanelModel {
  uri: string;
  fileName: string;
  blockIndex: number;
  block: BlockIR;
}

/** One probe run as the panel and the host both keep it: the last whole snapshot received. */
export interface RunView {
  runId: string;
  /** What the run stands for in the comparison (`Pre-LN`, `Post-LN`). */
  label: string;
  /** A probe's snapshot, or a recorded training's (read from a run file, growing while it trains). */
  snapshot: RunSnapshot | null;
  /** Which backend ran and why (`gpujs: WebGL2 on ANGLE (NVIDIA …)`, `cpu: no WebGL2`). */
  backendNote: string | null;
  error: string | null;
}

/** What the webview persists with setState so the panel survives hiding and VS Code restarting. */
export interface PanelState {
  model: PanelModel | null;
  runs: RunView[];
  /** The last depth sweep ("NormScope: Sweep Depth…"), when one was run. */
  sweep?: SweepResult | null;
}

export type ProbeMode = 'auto' | 'gpu' | 'cpu';

// ---- host → webview ----

/** The model under the cursor changed (null: no transformer block in the active editor). */
export interface SetModelMessage { type: 'setModel'; model: PanelModel | null }
/** Replace every run the panel shows (a new probe or comparison starts; or a restore). */
export interface SetRunsMessage { type: 'setRuns'; runs: RunView[] }
/** Run this probe in the webview (gpu.js on WebGL2, or its CPU fallback under `auto`). */
/**
 * hostFallback: the host can run a CPU probe itself (on its wasm-SIMD backend, faster than any CPU path the
 * panel's CSP allows); when the panel's backend choice lands on the CPU it says so and leaves the run to the host.
 */
export interface StartProbeMessage { type: 'startProbe'; runId: string; label: string; config: ProbeConfig; mode: ProbeMode; hostFallback?: boolean }
export interface CancelProbeMessage { type: 'cancelProbe'; runId: string }
/** A whole snapshot of a run the host is computing (backend = cpu). */
export interface HostSnapshotMessage { type: 'snapshot'; runId: string; snapshot: RunSnapshot }

/** A finished (or stopped) depth sweep, whole; null clears it. */
export interface SetSweepMessage { type: 'setSweep'; sweep: SweepResult | null }

/**
 * A recorded run the panel shows grew: keep its first `from` columns and append the snapshot's (which holds
 * only those columns; the rest of its result is whole). src/protocol/runPatch.ts builds and applies it.
 */
export interface ExtendRunMessage { type: 'extendRun'; runId: string; from: number; snapshot: RunSnapshot }

export type HostToWebview =
  | SetModelMessage | SetRunsMessage | StartProbeMessage | CancelProbeMessage | HostSnapshotMessage | SetSweepMessage | ExtendRunMessage;

// ---- webview → host ----

export interface ReadyMessage { type: 'ready' }
/** The user clicked a diagram element: reveal this 1-based line (and 0-based column) of the source. */
export interface RevealMessage { type: 'reveal'; uri: string; line: number; column: number }
/** A whole snapshot of a run the webview is computing. */
export interface WebviewSnapshotMessage { type: 'snapshot'; runId: string; snapshot: ProbeSnapshot }
/** Which backend the webview chose for a run, and why. */
export interface BackendChosenMessage { type: 'backendChosen'; runId: string; backend: 'gpujs' | 'cpu'; reason: string }
export interface ProbeErrorMessage { type: 'probeError'; runId: string; message: string }
/** A toolbar button in the panel asks for one of the palette commands. */
export interface RunCommandMessage { type: 'runCommand'; command: PanelCommand }

export type PanelCommand = 'probe' | 'compare' | 'cancel' | 'exportHtml' | 'exportJson' | 'openRun';
export const PANEL_COMMANDS: readonly PanelCommand[] = ['probe', 'compare', 'cancel', 'exportHtml', 'exportJson', 'openRun'];

export type WebviewToHost =
  | ReadyMessage | RevealMessage | WebviewSnapshotMessage | BackendChosenMessage | ProbeErrorMessage | RunCommandMessage;

// ---- guards: structural checks of everything that crosses the boundary ----

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isString(value: unknown): value is string {
  return typeof value === 'string';
}
function isInt(value: unknown, min = 0): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}
/** Metrics may hold NaN or Infinity after a divergence (they arrive as null through JSON), so null counts. */
function isNumberLike(value: unknown): boolean {
  return typeof value === 'number' || value === null;
}
function isNumberArray(value: unknown): boolean {
  return Array.isArray(value) && value.every(isNumberLike);
}
function isMatrix(value: unknown): boolean {
  return Array.isArray(value) && value.every(isNumberArray);
}

const PLACEMENT_NAMES: ReadonlySet<string> = new Set<string>(PLACEMENTS);

function isSpan(value: unknown): boolean {
  return isObject(value) && isInt(value.line) && isInt(value.column) && isInt(value.endLine) && isInt(value.endColumn)
    && isInt(value.offset) && isInt(value.endOffset);
}

/** Checks the fields the panel reads from a block; the analyzer's output is trusted only this far. */
export function isBlockIR(value: unknown): value is BlockIR {
  return isObject(value) && isString(value.name) && isInt(value.line) && isSpan(value.span)
    && isString(value.placement) && PLACEMENT_NAMES.has(value.placement) && isString(value.reason)
    && Array.isArray(value.sublayers) && value.sublayers.every((s) => isObject(s) && isString(s.name) && isString(s.kind) && isSpan(s.span))
    && (value.layers === null || isInt(value.layers)) && (value.dModel === null || isInt(value.dModel))
    && Array.isArray(value.normDefinitions) && value.normDefinitions.every((n) => isObject(n) && isString(n.name) && isSpan(n.span))
    && Array.isArray(value.normUses) && value.normUses.every((n) => isObject(n) && isString(n.name) && isSpan(n.span));
}

export function isPanelModel(value: unknown): value is PanelModel {
  return isObject(value) && isString(value.uri) && isString(value.fileName) && isInt(value.blockIndex) && isBlockIR(value.block);
}

export function isProbeConfig(value: unknown): value is ProbeConfig {
  if (!isObject(value)) return false;
  const ints = ['layers', 'dModel', 'heads', 'seq', 'batch', 'vocab', 'steps', 'recordEvery', 'warmup', 'seed'];
  return isString(value.placement) && isProbePlacement(value.placement)
    && (value.norm === 'layernorm' || value.norm === 'rmsnorm')
    && ints.every((key) => isInt(value[key]))
    && typeof value.lr === 'number' && Number.isFinite(value.lr)
    && (value.backend === 'cpu' || value.backend === 'gpujs');
}

const RECORDED_SOURCES = new Set(['monitor', 'probe-export']);
const isNullable = <T>(check: (v: unknown) => v is T) => (value: unknown): boolean => value === null || check(value);

/** The header facts of a recorded run (RecordedRunInfo), checked as far as the views and hovers read them. */
export function isRecordedRunInfo(value: unknown): value is RecordedRunInfo {
  return isObject(value) && isString(value.name) && isString(value.file) && isString(value.source) && RECORDED_SOURCES.has(value.source)
    && isNullable(isString)(value.started) && isNullable(isString)(value.model) && isNullable(isString)(value.blockClass)
    && isInt(value.layers, 1) && isNullable(isInt)(value.dModel) && isNullable(isInt)(value.heads)
    && (value.placement === null || (isString(value.placement) && PLACEMENT_NAMES.has(value.placement) && value.placement !== 'conditional' && value.placement !== 'unknown'))
    && (value.norm === null || value.norm === 'layernorm' || value.norm === 'rmsnorm')
    && isInt(value.worldSize, 1) && isInt(value.every, 1) && typeof value.closed === 'boolean'
    && Array.isArray(value.notes) && value.notes.every(isString);
}

/** A probe's snapshot: what the webview computes and posts back. */
export function isProbeSnapshot(value: unknown): value is ProbeSnapshot {
  return isRunSnapshot(value) && value.result.recorded === undefined;
}

/** A probe's snapshot (with its config) or a recorded run's (with its header facts); the same metrics either way. */
export function isRunSnapshot(value: unknown): value is RunSnapshot {
  if (!isObject(value) || !isInt(value.step) || !isInt(value.totalSteps) || typeof value.done !== 'boolean') return false;
  const result = value.result;
  if (!isObject(result) || !Array.isArray(result.clamped)) return false;
  if (result.recorded === undefined ? !isProbeConfig(result.config) : !(isRecordedRunInfo(result.recorded) && result.config === undefined)) return false;
  if (!(result.diverged === null || (isObject(result.diverged) && isInt(result.diverged.step) && isString(result.diverged.what)))) return false;
  const m = result.metrics;
  return isObject(m) && isNumberArray(m.steps) && isNumberArray(m.loss) && isNumberArray(m.lr)
    && ['residualNorm', 'sumNorm', 'contribution', 'gradNorm', 'gradNormAttnOut', 'gradNormMlpOut', 'cosine'].every((key) => isMatrix(m[key]));
}

export function isRunView(value: unknown): value is RunView {
  return isObject(value) && isString(value.runId) && isString(value.label)
    && (value.snapshot === null || isRunSnapshot(value.snapshot))
    && (value.backendNote === null || isString(value.backendNote))
    && (value.error === null || isString(value.error));
}

export function isPanelState(value: unknown): value is PanelState {
  return isObject(value) && (value.model === null || isPanelModel(value.model))
    && Array.isArray(value.runs) && value.runs.every(isRunView)
    && (value.sweep === undefined || value.sweep === null || isSweepResult(value.sweep));
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}

/** A sweep point's numbers may be null (not measured, or non-finite through JSON). */
function isSweepPoint(value: unknown): boolean {
  return isObject(value) && isString(value.placement) && isProbePlacement(value.placement) && isInt(value.layers, 1)
    && ['finalLoss', 'lastContributionInit', 'lastContributionFinal', 'lastThirdShare', 'lastImportance'].every((key) => isNumberLike(value[key]))
    && (value.layerImportance === null || isNumberArray(value.layerImportance))
    && (value.diverged === null || (isObject(value.diverged) && isInt(value.diverged.step) && isString(value.diverged.what)))
    && (value.stalled === undefined || value.stalled === null
      || (isObject(value.stalled) && ['loss', 'plateau', 'optimum', 'threshold'].every((key) => typeof (value.stalled as Record<string, unknown>)[key] === 'number')))
    && typeof value.cancelled === 'boolean' && isInt(value.steps) && isInt(value.totalSteps) && typeof value.seconds === 'number';
}

export function isSweepResult(value: unknown): value is SweepResult {
  if (!isObject(value) || !isObject(value.base)) return false;
  const source = value.source;
  return (source === null || (isObject(source) && isString(source.file) && isString(source.block) && isInt(source.line) && isString(source.placement) && PLACEMENT_NAMES.has(source.placement)))
    && isInt(value.base.steps) && isInt(value.base.dModel) && (value.base.norm === 'layernorm' || value.base.norm === 'rmsnorm')
    && isStringArray(value.placements) && Array.isArray(value.layers) && value.layers.every((L) => isInt(L, 1))
    && Array.isArray(value.points) && value.points.every(isSweepPoint)
    && Array.isArray(value.skipped) && value.skipped.every((s) => isObject(s) && isString(s.placement) && isString(s.reason))
    && Array.isArray(value.failed) && value.failed.every((f) => isObject(f) && isString(f.placement) && isInt(f.layers) && isString(f.message))
    && typeof value.cancelled === 'boolean' && isNumberLike(value.optimalLoss) && isInt(value.concurrency)
    && typeof value.seconds === 'number' && isStringArray(value.notes);
}

/** Validates a message the webview received from the host. */
export function isHostToWebview(value: unknown): value is HostToWebview {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'setModel': return value.model === null || isPanelModel(value.model);
    case 'setRuns': return Array.isArray(value.runs) && value.runs.every(isRunView);
    case 'startProbe':
      return isString(value.runId) && isString(value.label) && isProbeConfig(value.config)
        && (value.mode === 'auto' || value.mode === 'gpu' || value.mode === 'cpu')
        && (value.hostFallback === undefined || typeof value.hostFallback === 'boolean');
    case 'cancelProbe': return isString(value.runId);
    case 'snapshot': return isString(value.runId) && isRunSnapshot(value.snapshot);
    case 'setSweep': return value.sweep === null || isSweepResult(value.sweep);
    case 'extendRun': return isString(value.runId) && isInt(value.from, 1) && isRunSnapshot(value.snapshot);
    default: return false;
  }
}

/** Validates a message the host received from the webview. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'ready': return true;
    case 'reveal': return isString(value.uri) && isInt(value.line, 1) && isInt(value.column);
    case 'snapshot': return isString(value.runId) && isProbeSnapshot(value.snapshot);
    case 'backendChosen': return isString(value.runId) && (value.backend === 'gpujs' || value.backend === 'cpu') && isString(value.reason);
    case 'probeError': return isString(value.runId) && isString(value.message);
    case 'runCommand': return isString(value.command) && (PANEL_COMMANDS as readonly string[]).includes(value.command);
    default: return false;
  }
}
