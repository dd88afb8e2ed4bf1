// Messages between runPool.ts and its probe-run workers (probeRun.worker.ts): a run goes in, light progress
// and one whole result come back. Cancellation does not travel as a message: the pool sets slot 0 of the
// shared `cancel` word, which the engine reads between steps without waiting for an event-loop turn.

import type { ProbeConfig, ProbeResult } from '../../core/probe/types';

/** workerData of a run worker. */
export interface RunWorkerStart {
  /** Int32Array slot 0: 1 once the pool is cancelled. */
  cancel: SharedArrayBuffer;
}

export interface RunRequest { type: 'run'; id: number; config: ProbeConfig }

/** After each recorded step: enough for a progress line, not the whole metrics. */
export interface RunProgress { type: 'progress'; id: number; step: number; totalSteps: number; loss: number | null }
export interface RunDone { type: 'done'; id: number; result: ProbeResult }
export interface RunFailed { type: 'failed'; id: number; message: string }

export type RunReply = RunProgress | RunDone | RunFailed;
