// The fast CPU probe backend for Node: matmul, attention and GELU on WebAssembly SIMD kernels
// (src/node/probe), the other ops from the reference backend, and large matmuls split by rows with a worker thread so
// both cores work. Same ProbeBackend interface and results to float32 accumulation order
// (test/probe/backends.test.ts). Op calls stay synchronous: the worker is woken with Atomics, not
// messages, and the main thread computes its own rows meanwhile.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { ProbeBackend } from '../core/probe/backend';
import { ReferenceBackend } from '../core/probe/backends/reference';
import type { MatmulJob } from './probe/wasmOps';
import { WasmOps } from './probe/wasmOps';
import { WasmAttention } from './probe/wasmAttention';
import type { MatmulKernel } from './probe/simdMatmul';
import { ROW_BLOCK, shapeKey } from './probe/simdMatmul';
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

/** Looks for the worker bundle beside this bundle, in the folders above it, then under ./dist. */
export function findWorkerFile(): string | null {
  const candidates: string[] = [];
  let dir = __dirname;
  for (let depth = 0; depth < 5; depth++) {
    candidates.push(join(dir, 'probe.worker.js'), join(dir, 'dist', 'probe.worker.js'));
    dir = dirname(dir);
  }
  candidates.push(join(process.cwd(), 'dist', 'probe.worker.js'));
  return candidates.find((path) => existsSync(path)) ?? null;
}

class MatmulWorker {
  private readonly worker: Worker;
  private readonly slots: Int32Array;
  private readonly port: MessageChannel['port1'];
  private readonly ids = new Map<string, number>();
  private seq = 0;

  constructor(file: string, memory: WebAssembly.Memory, private readonly timeoutMs: number) {
    const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
    this.slots = new Int32Array(control);
    const channel = new MessageChannel();
    this.port = channel.port1;
    const start: WorkerStart = { memory, control, port: channel.port2 };
    this.worker = new Worker(file, { workerData: start, transferList: [channel.port2] });
    // A worker parked in Atomics.wait must not keep the process alive.
    this.worker.unref();
    this.port.unref();
  }

  /** Starts rows [rowStart, rowEnd) of the job on the worker; returns at once. */
  start(job: MatmulJob, module: WebAssembly.Module, rowStart: number, rowEnd: number): void {
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

export class ThreadedBackend extends ReferenceBackend implements ProbeBackend {
  override readonly name = 'cpu';
  /** How many threads actually run matmuls, and why fewer than asked if so. */
  readonly threads: number;
  readonly threadNote: string | undefined;
  private readonly ops: WasmOps;
  private readonly attention: WasmAttention;
  private readonly worker: MatmulWorker | null;

  constructor(options: ThreadedBackendOptions = {}) {
    super();
    const wanted = options.threads ?? 2;
    const threshold = options.splitThreshold ?? DEFAULT_SPLIT_THRESHOLD;
    const file = wanted > 1 ? options.workerFile ?? findWorkerFile() : null;
    if (wanted > 1 && !file) this.threadNote = 'probe.worker.js not found next to the bundle or in ./dist: one thread';
    let worker: MatmulWorker | null = null;
    this.ops = new WasmOps(file !== null, (job, kernel) => this.runJob(job, kernel, worker, threshold));
    this.attention = new WasmAttention(this.ops);
    if (file) worker = new MatmulWorker(file, this.ops.memory, options.workerTimeoutMs ?? 30_000);
    this.worker = worker;
    this.threads = worker ? 2 : 1;
  }

  private runJob(job: MatmulJob, kernel: MatmulKernel, worker: MatmulWorker | null, threshold: number): void {
    if (!worker || job.work < threshold || job.rows < 2 * ROW_BLOCK) {
      kernel(job.aPtr, job.bPtr, job.cPtr, 0, job.rows);
      return;
    }
    // The worker takes the first half of the row blocks, this thread the second.
    const split = Math.floor(job.rows / ROW_BLOCK / 2) * ROW_BLOCK;
    worker.start(job, this.ops.kernels.module(job.shape), 0, split);
    kernel(job.aPtr, job.bPtr, job.cPtr, split, job.rows);
    worker.finish();
  }

  override matmul(
    out: Float32Array, a: Float32Array, b: Float32Array,
    m: number, k: number, n: number,
    options?: { transA?: boolean; transB?: boolean; accumulate?: boolean },
  ): void {
    this.ops.matmul(out, a, b, m, k, n, options);
  }

  override geluForward(y: Float32Array, x: Float32Array, length: number): void {
    this.ops.geluForward(y, x, length);
  }

  override geluBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, length: number, accumulate = false): void {
    this.ops.geluBackward(dx, dy, x, length, accumulate);
  }

  override attentionForward(out: Float32Array, att: Float32Array, qkv: Float32Array, b: number, t: number, c: number, h: number): void {
    if (!this.attention.forward(out, att, qkv, b, t, c, h)) super.attentionForward(out, att, qkv, b, t, c, h);
  }

  override attentionBackward(
    dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, att: Float32Array,
    b: number, t: number, c: number, h: number, accumulate = false,
  ): void {
    if (!this.attention.backward(dqkv, dout, qkv, att, b, t, c, h, accumulate)) super.attentionBackward(dqkv, dout, qkv, att, b, t, c, h, accumulate);
  }

  override dispose(): void {
    this.worker?.dispose();
  }
}
