// The probe benchmark: training steps per second for the default probe (L=12, d=64, 4 heads, T=32, B=8)
// and a deep one (L=48, d=32) on every backend, achieved GFLOP/s, the ratio to the PyTorch anchor
// (test/bench/probe_reference.py, run in the same process tree when python3 can import torch), and
// where the fastest backend spends its step. Figures are medians of several timed runs; the machine
// is shared, so compare ratios taken in one run rather than absolute numbers across runs.
//
//   npm run bench:probe [-- --quick] [-- --rounds N] [-- --no-reference] [-- --no-gpujs] [-- --no-pytorch] [-- --no-user] [-- --no-widths] [-- --kernels]
//
// Besides the engine (the `default` probe at 4 heads, and `cli`, the shape `normscope probe` gives a
// 12-layer file: 8 heads, so a gap between the engine and the CLI shows here), it times the user paths
// of probeUser.ts: the CLI process, the extension host's runner, --compare's concurrency, and widths.
//
// What bounds the fast backend (shared 2-core dev machine, Dec 2026, load average 13-20): the slowest
// kernel in wall time is matmul, ~70% of an in-place step at the CLI's shape. It is bound by the
// f32x4 multiply and add it issues (wasm SIMD has no FMA, and Node 20 ships no relaxed-simd), a 4×8
// register block reaching ~17 GFLOP/s alone here; OpenBLAS's 8-wide FMA is why PyTorch pulls ahead
// from d = 128. Attention is one fused kernel per direction (scores, SIMD-exp softmax, mixing), within
// 2× of the matmul rate (--kernels). On a saturated machine the kernel groups CPU time per session
// (sched_autogroup), so a second thread — the matmul worker, or --compare's concurrent runs — gains
// little here; it pays where a core is free.
import { execFileSync } from 'node:child_process';
import type { ProbeBackend } from '../../src/core/probe/backend';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { GpujsBackend } from '../../src/core/probe/backends/gpujs';
import { SimdBackend } from '../../src/core/probe/backends/simd';
import type { ProbeConfig } from '../../src/core/probe/types';
import { ThreadedBackend } from '../../src/node/threadedBackend';
import { createTrainer } from '../probe/backendAgreement';
import { printGpujsRows } from './gpujsRows';
import type { Trainer } from '../probe/backendAgreement';
import type { UserPathRound, WidthSample } from './probeUser';
import { kernelRates, median, torchEnv, userPathRound, widthChild, widthRound, widthSteps, WIDTHS } from './probeUser';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
/** `--rounds N` overrides the rounds of the engine table (3 with --quick, else 5). */
const roundsFlag = process.argv.indexOf('--rounds');
const ROUNDS = roundsFlag >= 0 ? Number(process.argv[roundsFlag + 1]) : quick ? 3 : 5;

interface Probe {
  name: 'default' | 'cli' | 'deep';
  config: ProbeConfig;
}

function config(layers: number, dModel: number, heads = 4): ProbeConfig {
  return {
    placement: 'pre', norm: 'layernorm', layers, dModel, heads, seq: 32, batch: 8, vocab: 64,
    steps: 0, recordEvery: 1, lr: 1e-3, warmup: 0, seed: 1, backend: 'cpu',
  };
}

const PROBES: Probe[] = [
  { name: 'default', config: config(12, 64) },
  { name: 'cli', config: config(12, 64, 8) },
  { name: 'deep', config: config(48, 32) },
];

/**
 * FLOPs of one training step counted as PyTorch performs them: 2·m·k·n per matmul, dense T×T
 * attention scores and mixing, backward = 2 × forward. Norms, GELU, softmax and Adam are O(N·C) and
 * left out, as in the usual 6·params·tokens estimate.
 */
export function stepFlops(c: ProbeConfig): number {
  const n = c.batch * c.seq;
  const d = c.dModel;
  const perBlock = 2 * n * d * 3 * d + 2 * n * d * d + 2 * 2 * n * d * 4 * d + 2 * 2 * c.batch * c.seq * c.seq * d;
  const forward = c.layers * perBlock + 2 * n * d * c.vocab;
  return 3 * forward;
}

/** Steps/s of `steps` consecutive training steps. */
function timeSteps(trainer: Trainer, steps: number): number {
  const start = performance.now();
  for (let s = 0; s < steps; s++) trainer.step();
  return steps / ((performance.now() - start) / 1000);
}

interface BackendSpec {
  label: string;
  make: () => ProbeBackend;
  /** Steps per timed run: slow backends get fewer. */
  steps: number;
  skip?: boolean;
}

const BACKENDS: BackendSpec[] = [
  { label: 'reference (plain TS)', make: () => new ReferenceBackend(), steps: 1, skip: args.has('--no-reference') },
  // The webview's CPU path: a non-shared memory, so every op copies its operands in and out.
  { label: 'wasm-simd, 1 thread, copies', make: () => new SimdBackend(), steps: quick ? 3 : 10 },
  // The CLI's and the host's: buffers in the kernels' shared memory, ops in place.
  { label: 'wasm-simd, 1 thread', make: () => new SimdBackend({ shared: true }), steps: quick ? 3 : 10 },
  { label: 'wasm-simd, 2 threads', make: () => new ThreadedBackend({ threads: 2 }), steps: quick ? 3 : 10 },
  { label: 'gpujs webasm, op by op', make: () => new GpujsBackend({ mode: 'webasm' }), steps: 1, skip: args.has('--no-gpujs') },
];

/** The first python3 that can import torch, or null. */
function findTorchPython(): string | null {
  if (args.has('--no-pytorch')) return null;
  // Debian's torch lives in /usr/bin/python3's dist-packages; a pyenv python3 on PATH may not see it.
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore', env: torchEnv() });
      return python;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** One timed run of the PyTorch anchor for every probe (steps/s by probe name). */
function pytorchRound(python: string): Record<string, number> {
  const probes = PROBES.map(({ name, config: c }) => `--probe=${name}=${c.layers},${c.dModel},${c.heads}`);
  const output = execFileSync(python, ['test/bench/probe_reference.py', '--json', '--steps', quick ? '5' : '10', '--repeats', '1', ...probes], { encoding: 'utf8', env: torchEnv() });
  return (JSON.parse(output.trim().split('\n').pop()!) as { stepsPerSecond: Record<string, number> }).stepsPerSecond;
}

/** Wall time per op of a few steps on one backend, by wrapping its methods. */
interface Profile {
  /** [op, share of the step's wall time], largest first. */
  shares: [string, number][];
  /** Milliseconds per step in each op. */
  msPerStep: Map<string, number>;
}

function profile(make: () => ProbeBackend, probe: Probe, steps: number): Profile {
  const backend = make();
  const totals = new Map<string, number>();
  const wrapped = new Proxy(backend, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'dispose') return value;
      return (...callArgs: unknown[]) => {
        const start = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(target, callArgs);
        totals.set(String(property), (totals.get(String(property)) ?? 0) + performance.now() - start);
        return result;
      };
    },
  });
  const trainer = createTrainer(wrapped, probe.config);
  trainer.step();
  totals.clear();
  const start = performance.now();
  for (let s = 0; s < steps; s++) trainer.step();
  const total = performance.now() - start;
  backend.dispose();
  const rows: [string, number][] = [...totals.entries()].map(([name, ms]) => [name, ms / total]);
  const opsTime = rows.reduce((sum, [, share]) => sum + share, 0);
  rows.push(['(model glue: residual sums, embeddings, zeroing)', Math.max(0, 1 - opsTime)]);
  const msPerStep = new Map([...totals.entries()].map(([name, ms]) => [name, ms / steps]));
  return { shares: rows.sort((a, b) => b[1] - a[1]), msPerStep };
}

/** FLOPs per step of the attention core alone (dense T×T scores and mixing, forward + backward). */
function attentionFlops(c: ProbeConfig): number {
  return 3 * c.layers * 2 * 2 * c.batch * c.seq * c.seq * c.dModel;
}

async function main(): Promise<void> {
  const rounds = ROUNDS;
  console.log(`probe benchmark on ${process.version}, ${rounds} rounds; each figure is the median over rounds`);
  const python = findTorchPython();
  console.log(python
    ? `pytorch anchor: ${python} test/bench/probe_reference.py (1 thread), run once per round`
    : 'pytorch: no python3 here can import torch (apt-get install python3-torch libopenblas0-pthread); ratios omitted');
  // Rounds interleave every backend and PyTorch, so the load of a shared machine falls on all of them
  // alike; a ratio is the median of per-round ratios.
  const specs = BACKENDS.filter((spec) => !spec.skip);
  const cells = PROBES.map((probe) => specs.map((spec) => {
    const backend = spec.make();
    const trainer = createTrainer(backend, probe.config);
    trainer.step(); // warm-up: kernel compilation, worker start
    return { backend, trainer, rates: [] as number[], ratios: [] as number[] };
  }));
  const torchRates = PROBES.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const torch = python ? pytorchRound(python) : null;
    PROBES.forEach((probe, p) => {
      if (torch) torchRates[p].push(torch[probe.name]);
      specs.forEach((spec, b) => {
        const cell = cells[p][b];
        const rate = timeSteps(cell.trainer, spec.steps);
        cell.rates.push(rate);
        if (torch) cell.ratios.push(rate / torch[probe.name]);
      });
    });
  }
  PROBES.forEach((probe, p) => {
    const { layers, dModel, heads, seq, batch } = probe.config;
    const flops = stepFlops(probe.config);
    console.log(`\n${probe.name} probe: L=${layers} d=${dModel} heads=${heads} T=${seq} B=${batch} (${(flops / 1e9).toFixed(3)} GFLOP per step)`);
    if (python) {
      const rate = median(torchRates[p]);
      console.log(`  ${'pytorch (1 thread)'.padEnd(24)} ${rate.toFixed(2).padStart(7)} steps/s ${(rate * flops / 1e9).toFixed(2).padStart(7)} GFLOP/s`);
    }
    specs.forEach((spec, b) => {
      const { backend, rates, ratios } = cells[p][b];
      const rate = median(rates);
      const note = backend instanceof ThreadedBackend && backend.threadNote ? ` (${backend.threadNote})` : '';
      const ratio = ratios.length > 0 ? `  ${median(ratios).toFixed(2)}× pytorch (rounds: ${ratios.map((r) => r.toFixed(2)).join(' ')})` : '';
      console.log(`  ${spec.label.padEnd(24)} ${rate.toFixed(2).padStart(7)} steps/s ${(rate * flops / 1e9).toFixed(2).padStart(7)} GFLOP/s${ratio}${note}`);
    });
  });
  for (const row of cells) for (const cell of row) cell.backend.dispose();
  const probe = PROBES[1];
  console.log(`\nwhere a wasm-simd (1 thread, in place) step goes, cli probe (share of wall time):`);
  const { shares, msPerStep } = profile(() => new SimdBackend({ shared: true }), probe, quick ? 2 : 5);
  for (const [name, share] of shares) {
    const ms = msPerStep.get(name);
    console.log(`  ${name.padEnd(48)} ${(100 * share).toFixed(1).padStart(5)}%${ms === undefined ? '' : `  ${ms.toFixed(1).padStart(6)} ms/step`}`);
  }
  // Achieved throughput of the two heavy kernels inside a real step, copies in and out included.
  const attention = attentionFlops(probe.config);
  const matmulMs = msPerStep.get('matmul') ?? 0;
  const attentionMs = (msPerStep.get('attentionForward') ?? 0) + (msPerStep.get('attentionBackward') ?? 0);
  console.log(`  matmul inside the step: ${((stepFlops(probe.config) - attention) / (matmulMs / 1000) / 1e9).toFixed(1)} GFLOP/s; attention: ${(attention / (attentionMs / 1000) / 1e9).toFixed(1)} GFLOP/s (dense-equivalent)`);
  kernels(rounds);
  if (!args.has('--no-user')) await userPaths(python, Math.min(rounds, 2));
  if (!args.has('--no-widths')) widths(python);
}

/** Fused attention against matmul, each kernel alone at the CLI's shape, in place, interleaved. */
function kernels(rounds: number): void {
  const { attention, matmul, ratios } = kernelRates(Math.max(rounds, 5));
  console.log(`  kernels alone (CLI shape, in place): attention fwd+bwd ${attention.toFixed(1)} GFLOP/s (dense-equivalent), matmul 256×64×256 ${matmul.toFixed(1)} GFLOP/s: matmul/attention ${median(ratios).toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(' ')})`);
}

async function userPaths(python: string | null, rounds: number): Promise<void> {
  const steps = { cli: quick ? 60 : 200, compare: quick ? 30 : 60 };
  console.log(`\nuser paths, CLI shape (12-layer ${'examples/gpt_pre_ln.py'}: d=64, 8 heads, T=32, B=8), ${rounds} rounds:`);
  const samples: UserPathRound[] = [];
  let shape = { runs: 0, concurrency: 0 };
  for (let round = 0; round < rounds; round++) {
    const sample = await userPathRound(python, steps);
    shape = { runs: sample.runs, concurrency: sample.concurrency };
    samples.push(sample);
  }
  const pick = (key: keyof UserPathRound) => median(samples.map((sample) => sample[key]));
  const ratio = (key: 'cli' | 'host') => median(samples.map((sample) => sample[key] / sample.torch));
  if (python) console.log(`  ${'pytorch (1 thread, loop only)'.padEnd(40)} ${pick('torch').toFixed(2).padStart(7)} steps/s`);
  const vs = (key: 'cli' | 'host') => (python ? `  ${ratio(key).toFixed(2)}× pytorch (rounds: ${samples.map((s) => (s[key] / s.torch).toFixed(2)).join(' ')})` : '');
  console.log(`  ${`normscope probe, whole process, ${steps.cli} steps`.padEnd(40)} ${pick('cli').toFixed(2).padStart(7)} steps/s${vs('cli')}`);
  console.log(`  ${`extension host runner, ${steps.cli} steps`.padEnd(40)} ${pick('host').toFixed(2).padStart(7)} steps/s${vs('host')}`);
  const compare = median(samples.map((sample) => sample.concurrentSeconds / sample.sequentialSeconds));
  console.log(`  --compare, ${shape.runs} runs × ${steps.compare} steps: one after another ${pick('sequentialSeconds').toFixed(1)} s, concurrently (${shape.concurrency} workers) ${pick('concurrentSeconds').toFixed(1)} s: ${compare.toFixed(2)}× the time`);
}

function widths(python: string | null): void {
  const rounds = quick || ROUNDS <= 3 ? 1 : 2;
  console.log(`\nwidths (12 layers, 8 heads, T=32, B=8; child processes; ${rounds} rounds; peak RSS of each process):`);
  for (const d of WIDTHS) {
    const steps = widthSteps(d, quick);
    const ours: WidthSample[] = [];
    const torch: number[] = [];
    const torchRss: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const sample = widthRound(process.argv[1], python, d, steps);
      ours.push(sample.ours);
      if (sample.torch) {
        torch.push(sample.torch.stepsPerSecond.w);
        torchRss.push(sample.torch.maxRssMB);
        ratios.push(sample.ours.rate / sample.torch.stepsPerSecond.w);
      }
    }
    const rate = median(ours.map((o) => o.rate));
    const rss = median(ours.map((o) => o.maxRssMB));
    const vs = torch.length > 0 ? `; pytorch ${median(torch).toFixed(2)} steps/s, ${median(torchRss).toFixed(0)} MB: ${median(ratios).toFixed(2)}× pytorch` : '';
    console.log(`  d=${String(d).padEnd(4)} wasm-simd ${ours[0].threads} thread(s) ${rate.toFixed(2).padStart(7)} steps/s ${(rate * stepFlops({ ...config(12, d, 8) }) / 1e9).toFixed(1).padStart(5)} GFLOP/s, ${rss.toFixed(0)} MB${vs}`);
  }
}

const child = process.argv.indexOf('--width-child');
if (args.has('--kernels')) kernels(ROUNDS);
else if (child >= 0) widthChild(Number(process.argv[child + 1]), Number(process.argv[process.argv.indexOf('--steps') + 1]));
// The gpu.js device step against the op-by-op path it replaced (gpujsRows.ts), after the table.
else void main().then(() => (args.has('--no-gpujs') ? undefined : printGpujsRows(PROBES[0].config, quick ? 2 : 4)));
