// Which ProbeBackend a Node process (the CLI, the extension host) trains on for `--backend
// auto|cpu|gpujs`: one place that knows the fast CPU backend beats gpu.js where there is no WebGL.

import type { ProbeBackend } from '../core/probe/backend';
import { GpujsBackend } from '../core/probe/backends/gpujs';
import { ThreadedBackend } from './threadedBackend';

export type NodeBackendRequest = 'auto' | 'cpu' | 'gpujs';

export interface NodeBackendChoice {
  backend: ProbeBackend;
  /** Why this backend, when that is not obvious from the request. */
  note?: string;
}

/**
 * `cpu` and `auto` give the wasm-SIMD backend (`threads` 2: matmuls split with a worker when
 * dist/probe.worker.js is found; probeRuns.ts asks for 2 only where that pays);
 * `gpujs` gives gpu.js in webasm mode, since Node has no WebGL — correct, and held to the same op
 * suite, but ~20× slower than `cpu` (npm run bench:probe).
 */
export function createNodeBackend(requested: NodeBackendRequest, threads = 2): NodeBackendChoice {
  if (requested === 'gpujs') {
    return { backend: new GpujsBackend({ mode: 'webasm' }), note: 'gpu.js runs in webasm mode here (no WebGL in Node): about 20× slower than --backend cpu' };
  }
  const backend = new ThreadedBackend({ threads });
  const notes: string[] = [];
  if (requested === 'auto') notes.push('auto chose the wasm-SIMD CPU backend (gpu.js has no WebGL in Node)');
  if (backend.threadNote) notes.push(backend.threadNote);
  return { backend, note: notes.length > 0 ? notes.join('; ') : undefined };
}
