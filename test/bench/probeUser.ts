// The probe benchmark's user paths: what a person runs, timed whole, beside PyTorch in the same rounds.
//   - `normscope probe` as a process (start-up, analysis, 200 steps, output) on a 12-layer Pre-LN file;
//   - the extension host's CPU runner (runHostProbe, the function src/extension.ts hands the panel);
//   - --compare's runs concurrently (src/node/probeRuns.ts) against the same runs one after another;
//   - widths d = 64…512 in child processes, steps/s and peak resident memory, against PyTorch.
// Each round runs every side once, so a shared machine's load falls on all of them alike; figures are
// medians over rounds and ratios are medians of per-round ratios.
import { execFileSync } from 'node:child_process';
import { counterparts } from '../../src/core/probe/probeConfig';
import type { ProbeConfig } from '../../src/core/probe/types';
import { cpuBackend, matmulThreads, runHostProbe } from '../../src/node/cpuProbe';
import { runProbes } from '../../src/node/probeRuns';
import { SimdBackend } from '../../src/core/probe/backends/simd';
import { createTrainer } from '../probe/backendAgreement';

/** The model file the CLI is timed on, probed at 12 layers: d 512 → 64 and 8 heads after clamping. */
export const CLI_FILE = 'examples/gpt_pre_ln.py';
export const CLI_LAYERS = 12;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** PyTorch runs with OpenBLAS's own core detection: the env's OPENBLAS_CORETYPE pin slows it. */
export function torchEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

export interface TorchRun {
  stepsPerSecond: Record<string, number>;
  maxRssMB: number;
}

/** One PyTorch process timing the named probes (NAME=L,D,HEADS), one thread. */
export function torchRun(python: string, probes: string[], steps: number): TorchRun {
  const output = execFileSync(python, [
    'test/bench/probe_reference.py', '--json', '--steps', String(steps), '--repeats', '1', ...probes.flatMap((p) => ['--probe', p]),
  ], { encoding: 'utf8', env: torchEnv() });
  return JSON.parse(output.trim().split('\n').pop()!) as TorchRun;
}

function cliConfig(overrides: Partial<ProbeConfig>): ProbeConfig {
  return {
    placement: 'pre', norm: 'layernorm', layers: CLI_LAYERS, dModel: 64, heads: 8, seq: 32, batch: 8, vocab: 64,
    steps: 200, recordEvery: 10, lr: 1e-3, warmup: 0, seed: 1, backend: 'cpu', ...overrides,
  };
}

/** Whole-process steps/s of `normscope probe FILE --layers 12 --steps N` (start-up included). */
function timeCli(steps: number): number {
  const start = performance.now();
  const output = execFileSync(process.execPath, ['dist/cli.js', 'probe', CLI_FILE, '--layers', String(CLI_LAYERS), '--steps', String(steps), '--json'], { encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  const run = JSON.parse(output) as { config: ProbeConfig };
  if (run.config.dModel !== 64 || run.config.heads !== 8 || run.config.layers !== CLI_LAYERS) {
    throw new Error(`the CLI probed d=${run.config.dModel} heads=${run.config.heads} L=${run.config.layers}, not the benchmarked shape`);
  }
  return steps / seconds;
}

/** Steps/s of the host's runner, consumed as the panel's session consumes it. */
async function timeHost(steps: number): Promise<number> {
  const start = performance.now();
  let last = -1;
  for await (const snapshot of runHostProbe(cliConfig({ steps }))) last = snapshot.step;
  if (last !== steps) throw new Error(`host run ended at step ${last}`);
  return steps / ((performance.now() - start) / 1000);
}

/** Seconds for --compare's runs (pre and its counterparts) at `concurrency` (1: one after another). */
async function timeCompare(steps: number, concurrency?: number): Promise<{ seconds: number; runs: number; concurrency: number }> {
  const configs = ['pre' as const, ...counterparts('pre')].map((placement) => cliConfig({ placement, steps }));
  const abort = new AbortController();
  const start = performance.now();
  const outcome = await runProbes(configs, { request: 'cpu', signal: abort.signal, concurrency });
  if (outcome.results.length !== configs.length) throw new Error('a compare run is missing');
  return { seconds: (performance.now() - start) / 1000, runs: configs.length, concurrency: outcome.concurrency };
}

export interface UserPathRound {
  torch: number;
  cli: number;
  host: number;
  sequentialSeconds: number;
  concurrentSeconds: number;
}

/** One round of every user path and PyTorch on the CLI's shape. */
export async function userPathRound(python: string | null, steps: { cli: number; compare: number }): Promise<UserPathRound & { runs: number; concurrency: number }> {
  const torch = python ? torchRun(python, [`cli=${CLI_LAYERS},64,8`], 20).stepsPerSecond.cli : Number.NaN;
  const cli = timeCli(steps.cli);
  const host = await timeHost(steps.cli);
  const sequential = await timeCompare(steps.compare, 1);
  const concurrent = await timeCompare(steps.compare);
  return { torch, cli, host, sequentialSeconds: sequential.seconds, concurrentSeconds: concurrent.seconds, runs: concurrent.runs, concurrency: concurrent.concurrency };
}

export const WIDTHS = [64, 128, 256, 512];

/** Steps timed per width: a step at d = 512 costs ~60× one at d = 64. */
export function widthSteps(d: number, quick: boolean): number {
  const steps = d <= 64 ? 20 : d <= 128 ? 8 : d <= 256 ? 3 : 1;
  return quick ? Math.max(1, Math.floor(steps / 2)) : steps;
}

/**
 * The child side of the width benchmark (`probe.bench.js --width-child D --steps N`): trains the CLI's
 * shape at width D on the backend the CLI would pick, prints steps/s and the process's peak memory.
 */
export function widthChild(d: number, steps: number): void {
  const config = cliConfig({ dModel: d });
  const threads = matmulThreads(config);
  const backend = cpuBackend(threads);
  const trainer = createTrainer(backend, config);
  trainer.step(); // kernel compilation
  const start = performance.now();
  for (let s = 0; s < steps; s++) trainer.step();
  const rate = steps / ((performance.now() - start) / 1000);
  backend.dispose();
  process.stdout.write(`${JSON.stringify({ rate, threads, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

export interface WidthSample {
  rate: number;
  threads: number;
  maxRssMB: number;
}

export function widthRound(script: string, python: string | null, d: number, steps: number): { ours: WidthSample; torch: TorchRun | null } {
  const torch = python ? torchRun(python, [`w=${CLI_LAYERS},${d},8`], steps) : null;
  const output = execFileSync(process.execPath, [script, '--width-child', String(d), '--steps', String(steps)], { encoding: 'utf8' });
  return { ours: JSON.parse(output.trim().split('\n').pop()!) as WidthSample, torch };
}

/**
 * Attention against matmul, kernel alone, in place on arena buffers, interleaved in rounds: the fused
 * attention forward + backward at the CLI's shape (B=8, T=32, C=64, H=8) against a 256×64×256 matmul.
 * Attention FLOPs are dense-equivalent (4·B·T²·C forward, twice that backward), as stepFlops counts them.
 */
export function kernelRates(rounds: number): { attention: number; matmul: number; ratios: number[] } {
  const backend = new SimdBackend({ shared: true });
  const [b, t, c, h] = [8, 32, 64, 8];
  const n = b * t;
  const fill = (length: number): Float32Array => {
    const array = backend.allocate(length);
    for (let i = 0; i < length; i++) array[i] = Math.sin(i * 0.37);
    return array;
  };
  const qkv = fill(n * 3 * c), out = fill(n * c), att = fill(b * h * t * t), dout = fill(n * c), dqkv = fill(n * 3 * c);
  const a = fill(n * c), w = fill(c * 4 * c), y = fill(n * 4 * c);
  const attentionFlops = 3 * 4 * b * t * t * c;
  const matmulFlops = 2 * n * c * 4 * c;
  const time = (run: () => void, reps: number): number => {
    const start = performance.now();
    for (let r = 0; r < reps; r++) run();
    return (performance.now() - start) / 1000 / reps;
  };
  const attention = (): void => {
    backend.attentionForward(out, att, qkv, b, t, c, h);
    backend.attentionBackward(dqkv, dout, qkv, att, b, t, c, h);
  };
  const matmul = (): void => backend.matmul(y, a, w, n, c, 4 * c);
  time(attention, 20);
  time(matmul, 20);
  const attentionRates: number[] = [];
  const matmulRates: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const attentionRate = attentionFlops / time(attention, 100) / 1e9;
    const matmulRate = matmulFlops / time(matmul, 100) / 1e9;
    attentionRates.push(attentionRate);
    matmulRates.push(matmulRate);
    ratios.push(matmulRate / attentionRate);
  }
  backend.dispose();
  return { attention: median(attentionRates), matmul: median(matmulRates), ratios };
}
