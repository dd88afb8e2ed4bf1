// The panel's probe runner: the core engine on the gpu.js backend when the backend choice says GPU and
// the build has one, else on the reference CPU backend, saying which ran and why.

import type { ProbeBackend } from '../../src/core/probe/backend';
import { runProbe } from '../../src/core/probe/engine';
import type { WebviewProbeRunner } from './panelApp';

/** `makeGpuBackend` builds the gpu.js backend on this page's WebGL2; null where the build has none. */
export function createWebviewRunner(makeGpuBackend: (() => ProbeBackend) | null): WebviewProbeRunner {
  return async function* (config, decision, signal) {
    if (decision.backend === 'gpujs' && makeGpuBackend) {
      const backend = makeGpuBackend();
      try {
        yield* runProbe({ ...config, backend: 'gpujs' }, { backend, signal });
      } finally {
        backend.dispose();
      }
      return;
    }
    const why = decision.backend === 'gpujs' ? `the gpu.js backend is not in this build (${decision.reason})` : decision.reason;
    for await (const snapshot of runProbe({ ...config, backend: 'cpu' }, { signal })) {
      yield { ...snapshot, result: { ...snapshot.result, backendNote: `cpu: ${why}` } };
    }
  };
}
