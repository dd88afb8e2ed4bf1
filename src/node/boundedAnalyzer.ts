// analyzeFile with a hard time limit: each file runs in a worker thread (analyze.worker.ts) that is
// terminated when it overruns, and the next file gets a fresh worker. analyzeFile's own budget only
// cancels parsing and reports overruns; a loop in the analyzer's dataflow needs this to be stopped.

import { Worker } from 'node:worker_threads';
import type { FileReport } from '../core/ir/model';
import { DEFAULT_TIME_BUDGET_MS } from '../core/parse/analyze';
import type { AnalyzeOptions } from '../core/parse/analyze';

export interface AnalyzeRequest {
  id: number;
  file: string;
  bytes: Uint8Array;
  options: Omit<AnalyzeOptions, 'now'>;
}

export interface AnalyzeResponse {
  id: number;
  report: FileReport;
}

/** The hard limit is this multiple of the per-file budget: the budget is a target, the limit a stop. */
export const HARD_LIMIT_FACTOR = 3;

function languageOf(file: string): FileReport['language'] {
  return /\.pyi?$/i.test(file) ? 'python' : /\.json$/i.test(file) ? 'json' : 'unknown';
}

export class BoundedAnalyzer {
  private worker: Worker | undefined;
  private nextId = 0;

  /** `workerFile` is the built analyze.worker.js (beside the CLI bundle in dist/). */
  constructor(private readonly workerFile: string) {}

  analyze(file: string, bytes: Uint8Array, options: Omit<AnalyzeOptions, 'now'> = {}): Promise<FileReport> {
    const budget = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
    const limit = budget * HARD_LIMIT_FACTOR;
    const worker = (this.worker ??= new Worker(this.workerFile));
    const id = this.nextId++;
    return new Promise((resolve) => {
      const failed = (code: string, message: string): FileReport => ({ file, language: languageOf(file), blocks: [], diagnostics: [{ severity: 'error', line: 0, code, message }] });
      const finish = (report: FileReport): void => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        resolve(report);
      };
      const retire = (): void => {
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
      };
      const onMessage = (response: AnalyzeResponse): void => {
        if (response.id === id) finish(response.report);
      };
      const onError = (error: Error): void => {
        retire();
        finish(failed('internal-error', `NormScope's analysis worker failed on this file (${error.message})`));
      };
      const onExit = (code: number): void => {
        retire();
        finish(failed('internal-error', `NormScope's analysis worker stopped (exit code ${code}) before reporting on this file`));
      };
      const timer = setTimeout(() => {
        retire();
        finish(failed('time-budget', `analysis did not finish within ${limit} ms (${HARD_LIMIT_FACTOR}× the ${budget} ms budget per file) and was stopped; the file may trigger an analyzer bug — please report it`));
      }, limit);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      const request: AnalyzeRequest = { id, file, bytes, options };
      worker.postMessage(request);
    });
  }

  /** Ends the worker, so the process can exit. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
