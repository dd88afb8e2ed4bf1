// The shared control block between the fast backend and its matmul worker: slot indices of one
// Int32Array on a SharedArrayBuffer, written with Atomics. The main thread bumps SEQ after filling a
// job; the worker runs rows [ROW_START, ROW_END) of kernel KERNEL and stores SEQ into DONE.

import type { MessagePort } from 'node:worker_threads';
import type { WasmMemory, WasmModule } from '../../core/probe/backends/wasm/runtime';

export const SEQ = 0;
export const DONE = 1;
export const COMMAND = 2;
export const KERNEL = 3;
export const A_PTR = 4;
export const B_PTR = 5;
export const C_PTR = 6;
export const ROW_START = 7;
export const ROW_END = 8;
/** Set by the worker when a job failed; the main thread turns it into an exception. */
export const FAILED = 9;
export const CONTROL_SLOTS = 16;

export const RUN_MATMUL = 1;
export const STOP = 2;

/** What the worker is started with (workerData). */
export interface WorkerStart {
  memory: WasmMemory;
  control: SharedArrayBuffer;
  /** Kernels arrive here as { id, module } messages, read synchronously when a job names a new id. */
  port: MessagePort;
}

export interface KernelMessage {
  id: number;
  module: WasmModule;
}
