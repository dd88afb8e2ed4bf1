// Runs probes in a Node process; the command line and the extension host's CPU path both come here.
// One run trains in this thread on the wasm-SIMD backend; several (a --compare) train at once, one
// worker thread (probeRun.worker.ts) per core, each on its own backend, so N runs on N cores take
// about the time of one. One run's own path (and its thread choice) is cpuProbe.ts.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProbeConfig, ProbeResult, ProbeSnapshot } from '../core/probe/types';
import { runInProcess } from './cpuProbe';
import type { FromRunWorker, ToRunWorker } from './probe/runMessages';
import type { NodeBackendRequest } from './probeBackends';
import { createNodeBackend } from './probeBackends';
import { findBundledFile } from './threadedBackend';

export interface RunProbesOptions {
  request: NodeBackendRequest;
  signal: AbortSignal;
  onSnapshot?: (index: number, snapshot: ProbeSnapshot) => void;
  /** Called as run `index` starts (its worker takes it, or its turn comes here). */
  onStart?: (index: number) => void;
  /** Most runs at once; the machine's cores when absent. 1 runs them one after another here. */
  concurrency?: number;
}

export interface RunProbesOutcome {
  /** In the order of the configs; runs never started (cancelled before their turn) are left out. */
  results: ProbeResult[];
  /** Aligned with the configs: each run's result, undefined for a run that never started. */
  byIndex: (ProbeResult | undefined)[];
  /** Why this backend, when that is not obvious from the request. */
  note?: string;
  /** How many runs trained at once. */
  concurrency: number;
}

function backendNote(request: NodeBackendRequest): string | undefined {
  if (request === 'gpujs') return 'gpu.js runs in webasm mode here (no WebGL in Node): about 20× slower than --backend cpu';
  if (request === 'auto') return 'auto chose the wasm-SIMD CPU backend (gpu.js has no WebGL in Node)';
  return undefined;
}

/** Runs every config: concurrently in worker threads where there are several runs and cores. */
export async function runProbes(configs: ProbeConfig[], options: RunProbesOptions): Promise<RunProbesOutcome> {
  const note = backendNote(options.request);
  const wanted = Math.min(configs.length, options.concurrency ?? availableParallelism());
  const workerFile = options.request === 'gpujs' || wanted < 2 ? null : findBundledFile('probeRun.worker.js');
  if (!workerFile) {
    const byIndex: (ProbeResult | undefined)[] = new Array(configs.length);
    const shared = options.request === 'gpujs' ? createNodeBackend('gpujs').backend : undefined;
    try {
      for (const [index, config] of configs.entries()) {
        if (options.signal.aborted) break;
        options.onStart?.(index);
        byIndex[index] = await runInProcess(config, { signal: options.signal, backend: shared, onSnapshot: (s) => options.onSnapshot?.(index, s) });
      }
    } finally {
      shared?.dispose();
    }
    return { results: settledOnly(byIndex), byIndex, note, concurrency: 1 };
  }
  const byIndex = await runInWorkers(configs, workerFile, wanted, options);
  return { results: settledOnly(byIndex), byIndex, note, concurrency: wanted };
}

function settledOnly(byIndex: (ProbeResult | undefined)[]): ProbeResult[] {
  return byIndex.filter((result): result is ProbeResult => result !== undefined);
}

function runInWorkers(configs: ProbeConfig[], file: string, count: number, options: RunProbesOptions): Promise<(ProbeResult | undefined)[]> {
  const results: (ProbeResult | undefined)[] = new Array(configs.length);
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0;
    let busy = 0;
    let settled = false;
    const cancel = (): void => { for (const worker of workers) worker.postMessage({ type: 'cancel' } satisfies ToRunWorker); };
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', cancel);
      for (const worker of workers) void worker.terminate();
      if (error) reject(error);
      else resolve(results);
    };
    const assign = (worker: Worker): void => {
      if (next < configs.length && !options.signal.aborted) {
        const index = next++;
        busy++;
        options.onStart?.(index);
        worker.postMessage({ type: 'run', index, config: configs[index] } satisfies ToRunWorker);
      } else if (busy === 0) {
        finish();
      }
    };
    if (options.signal.aborted) {
      resolve(results);
      return;
    }
    options.signal.addEventListener('abort', cancel);
    for (let i = 0; i < count; i++) workers.push(new Worker(file));
    for (const worker of workers) {
      worker.on('message', (message: FromRunWorker) => {
        if (message.type === 'snapshot') options.onSnapshot?.(message.index, message.snapshot);
        else if (message.type === 'error') finish(new Error(`probe run ${message.index + 1} failed: ${message.message}`));
        else {
          results[message.index] = message.result;
          busy--;
          assign(worker);
        }
      });
      worker.on('error', (error: Error) => finish(new Error(`probe worker failed: ${error.message}`)));
      assign(worker);
    }
  });
}
