// A probe-run worker of runPool.ts: trains whole probe runs one after another, each on a single-threaded
// wasm-SIMD backend (the pool's parallelism is one run per core, not one run across cores).
import { parentPort, workerData } from 'node:worker_threads';
import { runProbe } from '../core/probe/engine';
import { SimdBackend } from '../core/probe/backends/simd';
import type { ProbeResult } from '../core/probe/types';
import type { RunReply, RunRequest, RunWorkerStart } from './pool/runProtocol';

const { cancel } = workerData as RunWorkerStart;
const cancelled = new Int32Array(cancel);
const signal = { get aborted(): boolean { return Atomics.load(cancelled, 0) !== 0; } };

function reply(message: RunReply): void {
  parentPort!.postMessage(message);
}

async function run(request: RunRequest): Promise<void> {
  const backend = new SimdBackend();
  try {
    let result: ProbeResult | null = null;
    for await (const snapshot of runProbe(request.config, { backend, signal, pause: () => Promise.resolve() })) {
      result = snapshot.result;
      reply({ type: 'progress', id: request.id, step: snapshot.step, totalSteps: snapshot.totalSteps, loss: result.metrics.loss.at(-1) ?? null });
    }
    reply({ type: 'done', id: request.id, result: result! });
  } catch (error) {
    reply({ type: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) });
  } finally {
    backend.dispose();
  }
}

// Requests arrive one at a time (the pool sends the next when this one is done); chain them anyway.
let queue = Promise.resolve();
parentPort!.on('message', (request: RunRequest) => {
  queue = queue.then(() => run(request));
});
