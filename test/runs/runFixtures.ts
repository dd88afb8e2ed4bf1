// Run files written in tests exactly as docs/run-format.md (version 1) lays them out, with values from
// closed formulas of (layer, step) so a test can say which number belongs in which cell.

export interface RunFileOptions {
  layers: number;
  /** The recorded step numbers. */
  steps: number[];
  name?: string;
  placement?: string | null;
  model?: string | null;
  blockClass?: string;
  dModel?: number | null;
  every?: number;
  worldSize?: number;
  source?: 'monitor' | 'probe-export';
  version?: number;
  close?: boolean;
}

export function header(options: RunFileOptions): Record<string, unknown> {
  return {
    format: 'normscope-run',
    version: options.version ?? 1,
    run: {
      name: options.name ?? 'gpt-small', started: '2026-12-04T08:00:00Z', source: options.source ?? 'monitor',
      model: options.model === undefined ? 'model.py' : options.model, blockClass: options.blockClass ?? 'Block',
      layers: options.layers, dModel: options.dModel === undefined ? 768 : options.dModel, heads: 12,
      placement: options.placement === undefined ? 'pre' : options.placement, norm: 'layernorm',
      worldSize: options.worldSize ?? 1, every: options.every ?? 10,
      gradParams: { attnOut: 'attn.c_proj.weight', mlpOut: 'mlp.c_proj.weight' },
    },
  };
}

/** residualNorm of layer l at step s: √(1 + l/2) growing 1 % per 10 steps (a Pre-LN-like stream). */
export const residualAt = (l: number, s: number): number => Math.sqrt(1 + l / 2) * (1 + s / 1000);
export const contributionAt = (l: number, s: number): number => 1 / Math.sqrt(l + 1) + s / 1e5;
export const gradAt = (l: number, s: number): number => 0.5 / (l + 1) + s / 1e4;
export const lossAt = (s: number): number => 4.7 - s / 1000;

export function stepRecord(layers: number, s: number): Record<string, unknown> {
  const blocks = Array.from({ length: layers }, (_, i) => i);
  return {
    step: s, loss: lossAt(s), lr: 1e-3,
    residualNorm: Array.from({ length: layers + 1 }, (_, l) => residualAt(l, s)),
    sumNorm: Array.from({ length: layers + 1 }, () => null),
    contribution: blocks.map((l) => contributionAt(l, s)),
    cosine: blocks.map((l) => 1 - contributionAt(l, s) / 2),
    gradNorm: blocks.map((l) => Math.hypot(gradAt(l, s), 2 * gradAt(l, s))),
    gradNormAttnOut: blocks.map((l) => gradAt(l, s)),
    gradNormMlpOut: blocks.map((l) => 2 * gradAt(l, s)),
  };
}

/** The lines of a whole run file, each with its '\n'. */
export function runFileLines(options: RunFileOptions): string[] {
  const lines = [header(options), ...options.steps.map((s) => stepRecord(options.layers, s))];
  if (options.close) lines.push({ event: 'close', step: options.steps.at(-1) ?? 0 });
  return lines.map((line) => `${JSON.stringify(line)}\n`);
}

export function runFileText(options: RunFileOptions): string {
  return runFileLines(options).join('');
}

/** Recorded steps 0, every, 2·every, … (count of them). */
export function everySteps(count: number, every = 10): number[] {
  return Array.from({ length: count }, (_, i) => i * every);
}
