// A probe-run worker: trains whole runs on the wasm-SIMD backend (one thread, its own wasm memory) so
// that a --compare's runs use every core at once; see probeRuns.ts.
import { parentPort } from 'node:worker_threads';
import type { FromRunWorker, ToRunWorker } from './probe/runMessages';
import { runInProcess } from './cpuProbe';

const port = parentPort!;
const signal = { aborted: false };
const post = (message: FromRunWorker): void => port.postMessage(message);

port.on('message', (message: ToRunWorker) => {
  if (message.type === 'cancel') {
    signal.aborted = true;
    return;
  }
  const { index, config } = message;
  runInProcess(config, { signal, threads: 1, onSnapshot: (snapshot) => post({ type: 'snapshot', index, snapshot }) })
    .then((result) => post({ type: 'done', index, result }))
    .catch((error: unknown) => post({ type: 'error', index, message: error instanceof Error ? error.message : String(error) }));
});
