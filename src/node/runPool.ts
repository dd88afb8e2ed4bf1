// Runs many probe configs at once, one per worker thread (dist/probeRun.worker.js), as many workers as the
// machine has cores: the depth sweep's runs, and any caller that has several independent runs. Each run
// reports light progress; cancelling stops the running ones between two steps (their partial results come
// back marked cancelled) and starts no more. Without the worker bundle it runs them here, one at a time.

import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { runProbe } from '../core/probe/engine';
import type { ProbeConfig, ProbeResult } from '../core/probe/types';
import { ThreadedBackend } from './threadedBackend';
import type { RunReply, RunRequest, RunWorkerStart } from './pool/runProtocol';

export interface RunProgressEvent {
  /** Index of the config in the list given to runPool. */
  index: number;
  step: number;
  totalSteps: number;
  loss: number | null;
}

export type RunOutcome =
  | { ok: true; result: ProbeResult; seconds: number }
  /** A run that failed with an error, or that never started because the pool was cancelled first. */
  | { ok: false; error: string; started: boolean; seconds: number };

export interface RunPoolOptions {
  /** Runs at once; default the machine's available parallelism, never more than the runs. */
  concurrency?: number;
  /** Checked between steps of every run; `abort` stops them all. */
  signal?: AbortSignal;
  onProgress?: (event: RunProgressEvent) => void;
  /** Called as each run ends, in the order they end. */
  onDone?: (index: number, outcome: RunOutcome) => void;
  /** Where probeRun.worker.js is; found beside the bundle, above it, or under ./dist when omitted. */
  workerFile?: string | null;
}

export interface RunPoolResult {
  outcomes: RunOutcome[];
  concurrency: number;
  /** Why the runs did not go to worker threads, when they did not. */
  note: string | null;
}

/** The machine's cores as Node counts them (os.availableParallelism). */
export function defaultConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/** Looks for a bundled worker beside this bundle, in the folders above it, then under ./dist. */
export function findBundledWorker(name: string): string | null {
  const candidates: string[] = [];
  let dir = __dirname;
  for (let depth = 0; depth < 5; depth++) {
    candidates.push(join(dir, name), join(dir, 'dist', name));
    dir = dirname(dir);
  }
  candidates.push(join(process.cwd(), 'dist', name));
  return candidates.find((path) => existsSync(path)) ?? null;
}

export async function runPool(configs: readonly ProbeConfig[], options: RunPoolOptions = {}): Promise<RunPoolResult> {
  const outcomes: RunOutcome[] = new Array(configs.length);
  if (configs.length === 0) return { outcomes, concurrency: 0, note: null };
  const workerFile = options.workerFile === undefined ? findBundledWorker('probeRun.worker.js') : options.workerFile;
  if (!workerFile) {
    await runHere(configs, outcomes, options);
    return { outcomes, concurrency: 1, note: 'probeRun.worker.js not found beside the bundle or in ./dist: the runs ran one at a time on this thread' };
  }
  const concurrency = Math.max(1, Math.min(options.concurrency ?? defaultConcurrency(), configs.length));
  const cancel = new SharedArrayBuffer(4);
  const cancelled = new Int32Array(cancel);
  const onAbort = (): void => { Atomics.store(cancelled, 0, 1); };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort);
  let next = 0;
  const settle = (index: number, outcome: RunOutcome): void => {
    outcomes[index] = outcome;
    options.onDone?.(index, outcome);
  };
  const lane = (): Promise<void> => new Promise((resolve) => {
    const start: RunWorkerStart = { cancel };
    const worker = new Worker(workerFile, { workerData: start });
    let current: { index: number; started: number } | null = null;
    const finish = (): void => {
      worker.removeAllListeners();
      void worker.terminate();
      resolve();
    };
    const takeNext = (): void => {
      if (next >= configs.length || Atomics.load(cancelled, 0) !== 0) {
        current = null;
        finish();
        return;
      }
      const index = next++;
      current = { index, started: Date.now() };
      const request: RunRequest = { type: 'run', id: index, config: configs[index] };
      worker.postMessage(request);
    };
    worker.on('message', (reply: RunReply) => {
      if (!current || reply.id !== current.index) return;
      const seconds = (Date.now() - current.started) / 1000;
      if (reply.type === 'progress') {
        options.onProgress?.({ index: reply.id, step: reply.step, totalSteps: reply.totalSteps, loss: reply.loss });
        return;
      }
      settle(reply.id, reply.type === 'done'
        ? { ok: true, result: reply.result, seconds }
        : { ok: false, error: reply.message, started: true, seconds });
      takeNext();
    });
    worker.on('error', (error: Error) => {
      if (current) settle(current.index, { ok: false, error: `the run's worker failed: ${error.message}`, started: true, seconds: (Date.now() - current.started) / 1000 });
      current = null;
      finish();
    });
    worker.on('exit', (code) => {
      if (current) settle(current.index, { ok: false, error: `the run's worker stopped (exit code ${code})`, started: true, seconds: (Date.now() - current.started) / 1000 });
      current = null;
      resolve();
    });
    takeNext();
  });
  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  for (let i = 0; i < configs.length; i++) {
    outcomes[i] ??= { ok: false, error: 'not started: the sweep was cancelled', started: false, seconds: 0 };
  }
  return { outcomes, concurrency, note: null };
}

/** The fallback: one run after another on this thread, on the threaded backend `probe` uses. */
async function runHere(configs: readonly ProbeConfig[], outcomes: RunOutcome[], options: RunPoolOptions): Promise<void> {
  const signal = { get aborted(): boolean { return options.signal?.aborted ?? false; } };
  for (let index = 0; index < configs.length; index++) {
    if (signal.aborted) {
      outcomes[index] = { ok: false, error: 'not started: the sweep was cancelled', started: false, seconds: 0 };
      continue;
    }
    const started = Date.now();
    const backend = new ThreadedBackend();
    try {
      let result: ProbeResult | null = null;
      for await (const snapshot of runProbe(configs[index], { backend, signal, pause: () => new Promise((resolve) => setImmediate(resolve)) })) {
        result = snapshot.result;
        options.onProgress?.({ index, step: snapshot.step, totalSteps: snapshot.totalSteps, loss: result.metrics.loss.at(-1) ?? null });
      }
      outcomes[index] = { ok: true, result: result!, seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      outcomes[index] = { ok: false, error: error instanceof Error ? error.message : String(error), started: true, seconds: (Date.now() - started) / 1000 };
    } finally {
      backend.dispose();
    }
    options.onDone?.(index, outcomes[index]);
  }
}
