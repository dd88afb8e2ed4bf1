// The fast backend's matmul worker: runs row ranges of the SIMD kernels on the shared wasm memory,
// woken through the control block of probe/workerProtocol.ts (no event loop turn per job).
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { instantiate } from '../core/probe/backends/wasm/runtime';
import type { KernelMessage, WorkerStart } from './probe/workerProtocol';
import { A_PTR, B_PTR, COMMAND, C_PTR, DONE, FAILED, KERNEL, ROW_END, ROW_START, RUN_MATMUL, SEQ, STOP } from './probe/workerProtocol';

type Kernel = (aPtr: number, bPtr: number, cPtr: number, rowStart: number, rowEnd: number) => void;

const { memory, control, port } = workerData as WorkerStart;
const slots = new Int32Array(control);
const kernels = new Map<number, Kernel>();

function kernel(id: number): Kernel {
  for (;;) {
    const known = kernels.get(id);
    if (known) return known;
    const received = receiveMessageOnPort(port);
    if (!received) throw new Error(`probe worker: kernel ${id} was never sent`);
    const { id: newId, module } = received.message as KernelMessage;
    kernels.set(newId, instantiate(module, memory).matmul as Kernel);
  }
}

let seen = 0;
for (;;) {
  Atomics.wait(slots, SEQ, seen);
  seen = Atomics.load(slots, SEQ);
  const command = Atomics.load(slots, COMMAND);
  if (command === STOP) break;
  if (command === RUN_MATMUL) {
    try {
      kernel(slots[KERNEL])(slots[A_PTR], slots[B_PTR], slots[C_PTR], slots[ROW_START], slots[ROW_END]);
    } catch {
      Atomics.store(slots, FAILED, 1);
    }
  }
  Atomics.store(slots, DONE, seen);
  Atomics.notify(slots, DONE);
}
port.close();
