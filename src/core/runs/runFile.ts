// Reads NormScope run files (docs/run-format.md, version 1) incrementally: text is pushed as it is
// appended (the caller decodes UTF-8 in streaming mode, so a character split across appends is whole), each complete line is checked once (./runLines.ts), and the runs grow column by column, so
// the cost of an append is proportional to the appended text. A last line without its '\n' is being
// written: it waits, and is never an error. Never throws; every problem is a diagnostic with its line.

import type { Divergence, ProbeMetrics } from '../probe/types';
import { RUN_FORMAT_VERSION, STEP_ARRAYS, checkHeader, checkStep, describe, lineKind, nonFiniteTarget } from './runLines';
import type { RecordedStep, RunHeader } from './runLines';

export interface RunDiagnostic {
  /** 1-based line of the run file. */
  line: number;
  severity: 'error' | 'warning';
  message: string;
}

/** One run of a file: its header and the columns recorded so far, in ProbeMetrics' layout. */
export interface RecordedRun {
  header: RunHeader;
  headerLine: number;
  /** Null cells: not recorded. NaN cells: recorded as non-finite (named in the line's nonFinite). */
  metrics: ProbeMetrics;
  diverged: Divergence | null;
  /** The line of the close event, once written. */
  closedAt: number | null;
}

export interface RunFileState {
  runs: readonly RecordedRun[];
  diagnostics: readonly RunDiagnostic[];
  /** Complete lines read so far. */
  lines: number;
  /** True when the file turned out not to be a run file (or of another version): nothing more is read. */
  stopped: boolean;
}

/** After this many errors only a count is kept: a foreign file must not produce one message per line. */
const MAX_DIAGNOSTICS = 50;

export class RunFileReader {
  private lineNumber = 0;
  private pending: string[] = [];
  private readonly runs: RecordedRun[] = [];
  private readonly diagnostics: RunDiagnostic[] = [];
  private dropped = 0;
  private stopped = false;

  /** Appended text; complete lines are read now, a trailing partial line waits for its '\n'. */
  push(text: string): void {
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      let line = text.slice(start, newline);
      if (this.pending.length > 0) {
        line = this.pending.join('') + line;
        this.pending = [];
      }
      this.readLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    if (start < text.length) this.pending.push(text.slice(start));
  }

  /** What has been read so far (the runs share the reader's arrays, which keep growing). */
  get state(): RunFileState {
    const diagnostics = this.dropped > 0
      ? [...this.diagnostics, { line: this.lineNumber, severity: 'warning' as const, message: `${this.dropped} more problems not listed` }]
      : this.diagnostics;
    return { runs: this.runs, diagnostics, lines: this.lineNumber, stopped: this.stopped };
  }

  /** The line being written, if any (text after the last '\n'). */
  get partialLine(): string {
    return this.pending.join('');
  }

  /**
   * The file is complete (the CLI, or a closed run): a last line without '\n' is read if it parses, else
   * reported as incomplete; an empty file or a header without steps is said so.
   */
  finish(): RunFileState {
    const tail = this.partialLine;
    this.pending = [];
    if (tail.trim() !== '') {
      if (parseJson(tail).ok) this.readLine(tail);
      else this.warn(this.lineNumber + 1, 'the last line is incomplete (the file ends in the middle of it; still being written?) and was ignored');
    }
    if (this.runs.length === 0 && !this.stopped && this.diagnostics.length === 0) {
      this.error(1, `the file is empty: a run file starts with its header line {"format": "normscope-run", "version": ${RUN_FORMAT_VERSION}, "run": {…}}`);
    }
    for (const run of this.runs) {
      if (run.metrics.steps.length === 0) this.warn(run.headerLine, `the header of run "${run.header.name}" is not followed by any recorded step yet`);
    }
    return this.state;
  }

  private readLine(text: string): void {
    this.lineNumber += 1;
    const line = this.lineNumber;
    if (this.stopped || text.trim() === '') return;
    const parsed = parseJson(text);
    const current = this.runs.at(-1);
    if (!parsed.ok) {
      if (current) this.error(line, `not JSON (${parsed.message}); the line was skipped`);
      else this.stop(line, `not JSON (${parsed.message}): this is not a NormScope run file, whose first line is its header`);
      return;
    }
    const kind = lineKind(parsed.value);
    if (kind === 'header') {
      this.readHeader(line, parsed.value);
      return;
    }
    if (!current) {
      const what = kind === 'step' ? 'a recorded step, but the header is missing' : describe(parsed.value);
      this.stop(line, `expected the header {"format": "normscope-run", "version": ${RUN_FORMAT_VERSION}, "run": {…}}, found ${what}: this is not a NormScope run file (or its first lines were cut off)`);
      return;
    }
    if (current.closedAt !== null) {
      this.error(line, `a line after the run was closed on line ${current.closedAt}; it was skipped`);
      return;
    }
    if (kind === 'close') {
      current.closedAt = line;
      return;
    }
    if (kind === 'foreign') {
      this.error(line, `expected a recorded step {"step": …, "residualNorm": [L+1], …} or the close event, found ${describe(parsed.value)}; the line was skipped`);
      return;
    }
    const step = checkStep(parsed.value as Record<string, unknown>, current.header.layers);
    if (!step.ok) {
      this.error(line, `${step.message}; the step was skipped`);
      return;
    }
    const previous = current.metrics.steps.at(-1);
    if (previous !== undefined && step.value.step <= previous) {
      this.error(line, `step ${step.value.step} comes after step ${previous}: steps must increase (two trainings writing one file?); the line was skipped`);
      return;
    }
    this.append(current, step.value, line);
  }

  private readHeader(line: number, value: unknown): void {
    const header = checkHeader(value);
    const first = this.runs[0];
    if (!header.ok) {
      const version = (value as { version?: unknown }).version;
      if (first && version !== first.header.version) {
        this.stop(line, `this header says version ${typeof version === 'number' ? version : describe(version)} but line ${first.headerLine} says version ${first.header.version}: the file mixes run-file versions; lines from here on are not read`);
      } else if (first) {
        this.stop(line, `a second header that is not valid (${header.message}); lines from here on are not read`);
      } else {
        this.stop(line, header.message);
      }
      return;
    }
    if (first) {
      this.warn(line, `a second header: run "${header.value.name}" starts here in the same file (one file per run is the contract); it is shown as a run of its own`);
    }
    this.runs.push({ header: header.value, headerLine: line, metrics: emptyMetrics(header.value.layers), diverged: null, closedAt: null });
  }

  /** Adds one column to every series; non-finite cells named by the line become NaN. */
  private append(run: RecordedRun, step: RecordedStep, line: number): void {
    const m = run.metrics;
    const column = m.steps.length;
    m.steps.push(step.step);
    m.loss.push(step.loss as number);
    m.lr.push(step.lr as number);
    for (const [key] of STEP_ARRAYS) {
      const rows = m[key] as (number | null)[][];
      const values = step[key];
      for (let l = 0; l < rows.length; l++) rows[l].push(values[l]);
    }
    for (const name of step.nonFinite) {
      const target = nonFiniteTarget(name, run.header.layers);
      if (!target) {
        this.warn(line, `nonFinite names "${name}", which is not a cell of this step (expected names like "residualNorm[3]" or "loss"); ignored`);
        continue;
      }
      if ('index' in target) (m[target.key] as (number | null)[][])[target.index][column] = Number.NaN;
      else m[target.key][column] = Number.NaN;
      run.diverged ??= { step: step.step, what: name };
    }
  }

  private stop(line: number, message: string): void {
    this.error(line, message);
    this.stopped = true;
  }

  private error(line: number, message: string): void {
    this.add({ line, severity: 'error', message });
  }

  private warn(line: number, message: string): void {
    this.add({ line, severity: 'warning', message });
  }

  private add(diagnostic: RunDiagnostic): void {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) this.dropped += 1;
    else this.diagnostics.push(diagnostic);
  }
}

function emptyMetrics(layers: number): ProbeMetrics {
  const rows = (n: number) => Array.from({ length: n }, () => [] as number[]);
  return {
    steps: [], loss: [], lr: [],
    residualNorm: rows(layers + 1), sumNorm: rows(layers + 1), contribution: rows(layers), cosine: rows(layers),
    gradNorm: rows(layers), gradNormAttnOut: rows(layers), gradNormMlpOut: rows(layers),
  };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Reads a whole file's text at once (the CLI): the same as pushing it in any chunks, then finish(). */
export function readRunFile(text: string): RunFileState {
  const reader = new RunFileReader();
  reader.push(text);
  return reader.finish();
}

/** `runs/a.normscope.jsonl:7: error: …`, the form editors and terminals link. */
export function formatRunDiagnostic(file: string, diagnostic: RunDiagnostic): string {
  return `${file}:${diagnostic.line}: ${diagnostic.severity}: ${diagnostic.message}`;
}
