// Messages between a Node process and its probe-run workers (probeRun.worker.ts): the main thread
// hands a worker one whole run at a time and hears its snapshots, its end, or its failure.

import type { ProbeConfig, ProbeResult, ProbeSnapshot } from '../../core/probe/types';

export type ToRunWorker =
  | { type: 'run'; index: number; config: ProbeConfig }
  | { type: 'cancel' };

export type FromRunWorker =
  | { type: 'snapshot'; index: number; snapshot: ProbeSnapshot }
  | { type: 'done'; index: number; result: ProbeResult }
  | { type: 'error'; index: number; message: string };
