// The depth-use figures of issue 11 for one probe run, shared by the claims test and the bench that
// prints the table: layer importance by thirds (after training) or its magnitude (at initialisation,
// where the model predicts noise and removing a block moves the loss either way), and the stream's norm
// across depth. The probe size is the notes' (L = 24, d = 32, 4 heads, T = 16, B = 8, V = 16).
import type { ProbeBackend } from '../../src/core/probe/backend';
import { runProbeToEnd } from '../../src/core/probe/engine';
import { defaultProbeConfig } from '../../src/core/probe/probeConfig';
import type { ProbeConfig, ProbeResult } from '../../src/core/probe/types';

export interface DepthCase {
  label: string;
  config: Partial<ProbeConfig> & Pick<ProbeConfig, 'placement'>;
}

export const DEPTH_CASES: DepthCase[] = [
  { label: 'pre', config: { placement: 'pre' } },
  { label: 'post', config: { placement: 'post' } },
  { label: 'layernorm-scaling', config: { placement: 'layernorm-scaling' } },
  { label: 'attention-residuals (full)', config: { placement: 'attention-residuals' } },
  { label: 'attention-residuals (N=8)', config: { placement: 'attention-residuals', attnResGroups: 8 } },
  { label: 'denseformer', config: { placement: 'denseformer' } },
  { label: 'hyper-connections (n=4)', config: { placement: 'hyper-connections', hyperStreams: 4 } },
  { label: 'hyper-connections (n=4, dynamic)', config: { placement: 'hyper-connections', hyperStreams: 4, hyperDynamic: true } },
  { label: 'residual', config: { placement: 'residual' } },
  { label: 'admin', config: { placement: 'admin' } },
  { label: 'ngpt', config: { placement: 'ngpt' } },
];

export const DEPTH_PROBE = { layers: 24, dModel: 32, heads: 4, seq: 16, batch: 8, vocab: 16, lr: 1e-3 };

export interface DepthFigures {
  label: string;
  seed: number;
  steps: number;
  heldOutLoss: number;
  /** Mean importance of the last third of the blocks over the first third (signed; after training). */
  lastOverFirst: number;
  /** The same with |importance| (at initialisation). */
  lastOverFirstMagnitude: number;
  /** residualNorm at init/after: the stream entering block 1, at L/2 and after block L, and its largest value. */
  stream: { first: number; middle: number; last: number; largest: number };
  result: ProbeResult;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

export function thirdsRatio(values: number[]): number {
  const third = Math.floor(values.length / 3);
  return mean(values.slice(-third)) / mean(values.slice(0, third));
}

export async function measureDepthUse(depthCase: DepthCase, seed: number, steps: number, backend?: ProbeBackend): Promise<DepthFigures> {
  const config = defaultProbeConfig({
    ...DEPTH_PROBE, ...depthCase.config, steps, recordEvery: Math.max(1, steps), warmup: steps > 0 ? 50 : 0, seed,
  });
  const result = await runProbeToEnd(config, { backend });
  const importance = result.layerImportance ?? [];
  const column = result.metrics.residualNorm.map((row) => row.at(-1)!);
  return {
    label: depthCase.label, seed, steps,
    heldOutLoss: result.heldOutLoss ?? Number.NaN,
    lastOverFirst: thirdsRatio(importance),
    lastOverFirstMagnitude: thirdsRatio(importance.map(Math.abs)),
    stream: { first: column[0], middle: column[Math.floor(column.length / 2)], last: column.at(-1)!, largest: Math.max(...column) },
    result,
  };
}
