// One probe run on the CPU in this thread: the extension host's runner (src/extension.ts), the
// command line's single run and each probe-run worker's job (probeRuns.ts) all come here. Kept apart
// from gpu.js so that the workers' bundle stays small and starts fast. Matmuls are split across two
// threads only where a matmul is long enough to pay for waking the other thread (d ≥ 256); at the
// default d = 64 a split matmul spent more time waking and waiting than computing on a busy machine
// (`normscope probe` under node --cpu-prof: 37% of the main thread in the worker hand-off).

import { availableParallelism } from 'node:os';
import type { ProbeBackend } from '../core/probe/backend';
import { SimdBackend } from '../core/probe/backends/simd';
import { runProbe } from '../core/probe/engine';
import type { ProbeConfig, ProbeResult, ProbeSnapshot } from '../core/probe/types';
import { ThreadedBackend } from './threadedBackend';

/** Width from which one run's matmuls are split over two threads. */
export const SPLIT_FROM_WIDTH = 256;

/** Threads for one run's matmuls: two only for wide models with a core to spare. */
export function matmulThreads(config: Pick<ProbeConfig, 'dModel'>, cores = availableParallelism()): number {
  return config.dModel >= SPLIT_FROM_WIDTH && cores > 1 ? 2 : 1;
}

export interface InProcessOptions {
  signal?: { readonly aborted: boolean };
  /** Matmul threads; matmulThreads(config) when absent. */
  threads?: number;
  /** A backend to train on (kept open); a CPU backend made and disposed here when absent. */
  backend?: ProbeBackend;
  onSnapshot?: (snapshot: ProbeSnapshot) => void;
}

/** The wasm-SIMD backend with its buffers in its own memory; a matmul worker when `threads` > 1. */
export function cpuBackend(threads: number): ProbeBackend {
  return threads > 1 ? new ThreadedBackend({ threads }) : new SimdBackend({ shared: true });
}

/** Yields between recorded steps with setImmediate: I/O and messages run, no timer delay is added. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One run's snapshots, trained in this thread: the extension host's CPU runner (src/extension.ts). */
export async function* runHostProbe(config: ProbeConfig, signal?: { readonly aborted: boolean }, options: InProcessOptions = {}): AsyncGenerator<ProbeSnapshot> {
  const backend = options.backend ?? cpuBackend(options.threads ?? matmulThreads(config));
  try {
    yield* runProbe(config, { backend, signal: signal ?? options.signal, pause: breathe });
  } finally {
    if (!options.backend) backend.dispose();
  }
}

/** One run to its end in this thread. */
export async function runInProcess(config: ProbeConfig, options: InProcessOptions = {}): Promise<ProbeResult> {
  let last: ProbeResult | null = null;
  for await (const snapshot of runHostProbe(config, options.signal, options)) {
    options.onSnapshot?.(snapshot);
    last = snapshot.result;
  }
  if (!last) throw new Error('probe produced no snapshot');
  return last;
}
