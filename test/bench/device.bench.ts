// The GPU benchmark: training steps per second of the gpu.js device-resident step (gpujsStep.ts) on a
// real GPU through WebGPU in Node (Dawn, Vulkan), against the CPU path (`--backend cpu`: wasm-SIMD on
// two threads), at d = 64 … 512 on the CLI's default probe shape (L=12, 8 heads, T=32, B=8). Each
// mode is tried on its own and prints what failed instead of stopping the table. Run by
// test/bench/device.sh (which stages it for a machine without network); runnable anywhere:
//
//   node esbuild.mjs --tests && node out/bench/device.bench.js [--widths 64,128] [--modes webgpu,webasm,cpu]
//     [--budget 6] [--dawn FILE] [--layers 12]
//
// A cell's figure is steps over wall time for as many steps as fit in --budget seconds (at least 2,
// after one warm-up step that compiles the kernels); the last timed step of a gpu.js cell is a
// recorded one, whose readback waits for the device to finish everything queued before it.
import { GPU } from 'gpu.js';
import { DeviceRunner, slowestKernels } from '../../src/core/probe/backends/gpujsDevice';
import { GpujsStep } from '../../src/core/probe/backends/gpujsStep';
import { initParams } from '../../src/core/probe/modelParams';
import type { ProbeConfig } from '../../src/core/probe/types';
import { createNodeBackend } from '../../src/node/probeBackends';
import { installWebGpu } from '../../src/node/webgpu';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { createTrainer, trainSteps } from '../probe/backendAgreement';
import { OP_TOLERANCE, relativeError, rng } from '../probe/opSuite';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const widths = option('widths', '64,128,256,512').split(',').map(Number);
const modes = option('modes', 'webgpu,webasm,cpu').split(',');
const budget = Number(option('budget', '6'));
const layers = Number(option('layers', '12'));
const webasmMaxWidth = Number(option('webasm-max-width', '64'));

function config(dModel: number): ProbeConfig {
  return {
    placement: 'pre', norm: 'layernorm', layers, dModel, heads: 8, seq: 32, batch: 8, vocab: 64,
    steps: 0, recordEvery: 1, lr: 1e-3, warmup: 0, seed: 1, backend: 'cpu',
  };
}

interface Cell { rate: number; steps: number; note: string }

async function timeLoop(step: (last: boolean) => Promise<void> | void): Promise<{ rate: number; steps: number }> {
  await step(true); // warm-up: kernel compilation, worker start
  const start = performance.now();
  let steps = 0;
  for (;;) {
    const elapsed = (performance.now() - start) / 1000;
    const predicted = steps > 0 ? elapsed / steps : 0;
    const last = steps >= 1 && elapsed + 2 * predicted > budget;
    await step(last);
    steps++;
    if (last) break;
  }
  return { rate: steps / ((performance.now() - start) / 1000), steps };
}

async function cpuCell(d: number): Promise<Cell> {
  const { backend, note } = createNodeBackend('cpu');
  try {
    const trainer = createTrainer(backend, config(d));
    const { rate, steps } = await timeLoop(() => {
      trainer.step();
    });
    return { rate, steps, note: note ?? '' };
  } finally {
    backend.dispose();
  }
}

async function gpujsCell(gpu: GPU, d: number): Promise<Cell> {
  const c = config(d);
  const runner = new DeviceRunner(gpu);
  const device = new GpujsStep(runner, initParams(c), { beta1: 0.9, beta2: 0.98, eps: 1e-8 });
  try {
    await device.init();
    const n = c.batch * c.seq;
    const tokens = Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % c.vocab);
    const targets = Int32Array.from({ length: n }, (_, i) => (i * 5 + 1) % c.vocab);
    let t = 0;
    let loss = Number.NaN;
    let perStep = '';
    const { rate, steps } = await timeLoop(async (last) => {
      t++;
      const before = { ...runner.counters };
      // Recorded every 4th step, as a 200-step probe records every 4: its readback waits for the device,
      // so no more than 4 steps are ever queued ahead of the clock.
      const record = last || t % 4 === 0;
      const result = await device.step(tokens, targets, { record, update: { lr: c.lr, t } });
      if (result) loss = result.loss;
      if (!record && !perStep) perStep = `${runner.counters.launches - before.launches} launches, ${runner.counters.readbacks - before.readbacks} readbacks per step`;
    });
    // Two more steps with every launch waited for, to name the slowest kernels (not in the figure above).
    runner.profile = new Map();
    for (let s = 0; s < 2; s++) await device.step(tokens, targets, { record: false, update: { lr: c.lr, t: ++t } });
    perStep += `; slowest kernels: ${slowestKernels(runner.profile, 2, 3).join(', ')}`;
    const fallbacks = runner.fallbacks();
    return {
      rate, steps,
      note: `${perStep || 'per-step counts not seen'}; loss ${loss.toFixed(4)}${fallbacks.length ? `; FELL BACK: ${fallbacks.slice(0, 2).join('; ')}` : ''}`,
    };
  } finally {
    device.dispose();
    runner.dispose();
  }
}

/** Three Adam steps of a small model on the gpu.js device step and on the reference: worst relative error. */
async function agreement(gpu: GPU): Promise<string> {
  const c = { ...config(16), layers: 2, heads: 4, seq: 16, batch: 4, vocab: 32, lr: 1e-2 };
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const expected = trainSteps(new ReferenceBackend(), c, 3);
  const runner = new DeviceRunner(gpu);
  const params = initParams(c);
  const device = new GpujsStep(runner, params, adam);
  try {
    await device.init();
    const n = c.batch * c.seq;
    const random = rng(c.seed);
    const tokens = new Int32Array(n);
    const targets = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      tokens[i] = Math.floor(random() * c.vocab);
      targets[i] = Math.floor(random() * c.vocab);
    }
    let worstLoss = 0;
    for (let t = 1; t <= 3; t++) {
      const result = await device.step(tokens, targets, { record: true, update: { lr: c.lr, t } });
      worstLoss = Math.max(worstLoss, Math.abs(result!.loss - expected.losses[t - 1]) / Math.abs(expected.losses[t - 1]));
    }
    await device.readParams();
    let worst = 0;
    let where = '';
    expected.params.all.forEach((p, i) => {
      const error = relativeError(params.all[i].data, p.data);
      if (error > worst) [worst, where] = [error, p.name];
    });
    const pass = worst < OP_TOLERANCE && worstLoss < OP_TOLERANCE;
    return `${pass ? 'PASS' : 'FAIL'}: 3 steps against the reference, worst parameter error ${worst.toExponential(2)} (${where}), loss ${worstLoss.toExponential(2)}; tolerance ${OP_TOLERANCE}`;
  } finally {
    device.dispose();
    runner.dispose();
  }
}

async function main(): Promise<void> {
  console.log(`device benchmark on ${process.version} ${process.platform}-${process.arch}: L=${layers} heads=8 T=32 B=8, budget ${budget} s a cell`);
  const gpus = new Map<string, GPU | string>();
  let uninstall = (): void => {};
  if (modes.includes('webgpu')) {
    try {
      const install = installWebGpu(option('dawn', ''));
      uninstall = install.uninstall;
      const gpuApi = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } } }).navigator!.gpu!;
      const adapter = await gpuApi.requestAdapter();
      if (!adapter) throw new Error('Dawn found no adapter (is a Vulkan loader and driver ICD visible? VK_DRIVER_FILES)');
      const info = adapter.info ?? {};
      console.log(`webgpu: ${install.file}; adapter: ${[info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ')}`);
      gpus.set('webgpu', new GPU({ mode: 'webgpu' } as unknown as ConstructorParameters<typeof GPU>[0]));
    } catch (error) {
      gpus.set('webgpu', `unavailable: ${String((error as Error).message ?? error).split('\n')[0]}`);
      console.log(`webgpu: ${gpus.get('webgpu')}`);
    }
  }
  if (modes.includes('webasm')) gpus.set('webasm', new GPU({ mode: 'webasm' }));
  for (const [mode, gpu] of gpus) {
    if (typeof gpu === 'string') continue;
    try {
      console.log(`${mode} agreement: ${await agreement(gpu)}`);
    } catch (error) {
      console.log(`${mode} agreement: failed: ${String((error as Error).message ?? error).split('\n')[0].slice(0, 200)}`);
    }
  }
  const rows: string[][] = [];
  for (const d of widths) {
    const cells = new Map<string, Cell | string>();
    for (const mode of modes) {
      try {
        if (mode === 'cpu') cells.set(mode, await cpuCell(d));
        else {
          const gpu = gpus.get(mode);
          if (!gpu) cells.set(mode, 'unknown mode');
          else if (typeof gpu === 'string') cells.set(mode, gpu);
          else if (mode === 'webasm' && d > webasmMaxWidth) cells.set(mode, `skipped above d=${webasmMaxWidth}`);
          else cells.set(mode, await gpujsCell(gpu, d));
        }
      } catch (error) {
        cells.set(mode, `failed: ${String((error as Error).message ?? error).split('\n')[0].slice(0, 200)}`);
      }
      const cell = cells.get(mode)!;
      console.log(`  d=${d} ${mode}: ${typeof cell === 'string' ? cell : `${cell.rate.toFixed(2)} steps/s (${cell.steps} steps)${cell.note ? `; ${cell.note}` : ''}`}`);
    }
    const cpu = cells.get('cpu');
    rows.push([String(d), ...modes.map((mode) => {
      const cell = cells.get(mode);
      if (!cell || typeof cell === 'string') return '—';
      const ratio = mode !== 'cpu' && cpu && typeof cpu !== 'string' ? ` (${(cell.rate / cpu.rate).toFixed(2)}× cpu)` : '';
      return `${cell.rate.toFixed(2)}${ratio}`;
    })]);
  }
  console.log(`\nsteps/s, L=${layers} pre-LN (gpu.js modes: device-resident step; cpu: --backend cpu)`);
  const header = ['d', ...modes.map((mode) => (mode === 'cpu' ? 'cpu path' : `gpu.js ${mode}`))];
  const widthsOf = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows]) console.log(`  ${row.map((cell, i) => cell.padStart(widthsOf[i])).join('  ')}`);
  for (const gpu of gpus.values()) if (typeof gpu !== 'string') void gpu.destroy();
  uninstall();
  process.exit(0);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
