// The fast CPU probe backend for Node: the wasm-SIMD backend of the core (matmul, attention and GELU
// on WebAssembly f32x4 kernels), with large matmuls split by rows with a worker thread so both cores
// work. Same ProbeBackend interface and results to float32 accumulation order
// (test/probe/backends.test.ts). Op calls stay synchronous: the worker is woken with Atomics, not
// messages, and the main thread computes its own rows meanwhile.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { ProbeBackend } from '../core/probe/backend';
import { SimdBackend } from '../core/probe/backends/simd';
import type { MatmulJob, WasmOps } from '../core/probe/backends/wasm/ops';
import type { MatmulKernel } from '../core/probe/backends/wasm/matmulKernel';
import { ROW_BLOCK, shapeKey } from '../core/probe/backends/wasm/matmulKernel';
import type { WasmMemory, WasmModule } from '../core/probe/backends/wasm/runtime';
import type { KernelMessage, WorkerStart } from './probe/workerProtocol';
import {
  A_PTR, B_PTR, COMMAND, CONTROL_SLOTS, C_PTR, DONE, FAILED, KERNEL, ROW_END, ROW_START, RUN_MATMUL, SEQ, STOP,
} from './probe/workerProtocol';

export interface ThreadedBackendOptions {
  /** 1: everything on the calling thread; 2: one worker shares the matmuls. Default 2. */
  threads?: number;
  /** Multiply-adds below which a matmul is not worth waking the worker for. */
  splitThreshold?: number;
  /** Where dist/probe.worker.js is; found next to the bundle or under ./dist when omitted. */
  workerFile?: string;
  /** How long to wait for the worker before declaring it dead (ms). */
  workerTimeoutMs?: number;
}

/** Waking a worker costs tens of microseconds: only matmuls of ≥ 2^17 multiply-adds (~0.1 ms) split. */
const DEFAULT_SPLIT_THRESHOLD = 1 << 17;

/** Looks for a bundle (a worker file) beside this bundle, in the folders above it, then under ./dist. */
export function findBundledFile(name: string): string | null {
  const candidates: string[] = [];
  let dir = __dirname;
  for (let depth = 0; depth < 5; depth++) {
    candidates.push(join(dir, name), join(dir, 'dist', name));
    dir = dirname(dir);
  }
  candidates.push(join(process.cwd(), 'dist', name));
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** Looks for the matmul worker bundle (probe.worker.js). */
export function findWorkerFile(): string | null {
  return findBundledFile('probe.worker.js');
}

class MatmulWorker {
  private readonly worker: Worker;
  private readonly slots: Int32Array;
  private readonly port: MessageChannel['port1'];
  private readonly ids = new Map<string, number>();
  private seq = 0;
  failure: Error | null = null;

  constructor(file: string, memory: WasmMemory, private readonly timeoutMs: number) {
    const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
    this.slots = new Int32Array(control);
    const channel = new MessageChannel();
    this.port = channel.port1;
    const start: WorkerStart = { memory, control, port: channel.port2 };
    this.worker = new Worker(file, { workerData: start, transferList: [channel.port2] });
    // A worker that fails to load or crashes reports here (between op calls, when the event loop runs);
    // the next split matmul then throws with its reason instead of waiting for the timeout.
    this.worker.on('error', (error: Error) => { this.failure = error; });
    // A worker parked in Atomics.wait must not keep the process alive.
    this.worker.unref();
    this.port.unref();
  }

  /** Starts rows [rowStart, rowEnd) of the job on the worker; returns at once. */
  start(job: MatmulJob, module: WasmModule, rowStart: number, rowEnd: number): void {
    if (this.failure) throw new Error(`probe worker failed: ${this.failure.message}`);
    const key = shapeKey(job.shape);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(key, id);
      const message: KernelMessage = { id, module };
      this.port.postMessage(message);
    }
    const s = this.slots;
    s[COMMAND] = RUN_MATMUL;
    s[KERNEL] = id;
    s[A_PTR] = job.aPtr;
    s[B_PTR] = job.bPtr;
    s[C_PTR] = job.cPtr;
    s[ROW_START] = rowStart;
    s[ROW_END] = rowEnd;
    this.seq++;
    Atomics.store(s, SEQ, this.seq);
    Atomics.notify(s, SEQ);
  }

  /** Blocks until the worker has finished the last job. */
  finish(): void {
    const s = this.slots;
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const done = Atomics.load(s, DONE);
      if (done === this.seq) break;
      if (Date.now() > deadline) throw new Error(`probe worker did not answer within ${this.timeoutMs} ms`);
      Atomics.wait(s, DONE, done, 50);
    }
    if (Atomics.exchange(s, FAILED, 0) !== 0) throw new Error('probe worker: a matmul kernel failed');
  }

  dispose(): void {
    this.slots[COMMAND] = STOP;
    Atomics.add(this.slots, SEQ, 1);
    Atomics.notify(this.slots, SEQ);
    void this.worker.terminate();
    this.port.close();
  }
}

/** Runs a matmul's row blocks here, or half of them on the worker when the product is large enough. */
function runJob(job: MatmulJob, kernel: MatmulKernel, module: WasmModule, worker: MatmulWorker | null, threshold: number): void {
  if (!worker || job.work < threshold || job.rows < 2 * ROW_BLOCK) {
    kernel(job.aPtr, job.bPtr, job.cPtr, 0, job.rows);
    return;
  }
  // The worker takes the first half of the row blocks, this thread the second.
  const split = Math.floor(job.rows / ROW_BLOCK / 2) * ROW_BLOCK;
  worker.start(job, module, 0, split);
  kernel(job.aPtr, job.bPtr, job.cPtr, split, job.rows);
  worker.finish();
}

export class ThreadedBackend extends SimdBackend implements ProbeBackend {
  /** How many threads actually run matmuls, and why fewer than asked if so. */
  readonly threads: number;
  readonly threadNote: string | undefined;
  private readonly worker: MatmulWorker | null;

  constructor(options: ThreadedBackendOptions = {}) {
    const wanted = options.threads ?? 2;
    const threshold = options.splitThreshold ?? DEFAULT_SPLIT_THRESHOLD;
    const file = wanted > 1 ? options.workerFile ?? findWorkerFile() : null;
    // The splitter is handed to the kernels before the worker exists (it needs their memory).
    const late: { worker: MatmulWorker | null; ops: WasmOps | null } = { worker: null, ops: null };
    super({
      // Always shared: the run's buffers then live in the kernels' memory (no copies), and a worker can join.
      shared: true,
      split: (job, kernel) => runJob(job, kernel, late.ops!.kernels.module(job.shape), late.worker, threshold),
    });
    late.ops = this.ops;
    if (wanted > 1 && !file) this.threadNote = 'probe.worker.js not found next to the bundle or in ./dist: one thread';
    if (file) late.worker = new MatmulWorker(file, this.ops.memory, options.workerTimeoutMs ?? 30_000);
    this.worker = late.worker;
    this.threads = this.worker ? 2 : 1;
  }

  /** Why the worker failed (it failed to load or crashed), once the event loop has heard of it. */
  get workerError(): string | null {
    return this.worker?.failure?.message ?? null;
  }

  override dispose(): void {
    this.worker?.dispose();
  }
}
