// What runs inside headless Chromium for the WebGL2 checks (test/browser/gpujsWebgl.browser.ts and
// test/bench/probeWebgl.bench.ts): the gpu.js backend on the page's WebGL2 (SwiftShader without a GPU)
// next to the reference backend in the same page. Bundled for the browser as the webview is.
import type { DeviceStep } from '../../src/core/probe/backend';
import { GpujsBackend } from '../../src/core/probe/backends/gpujs';
import type { DeviceRunner } from '../../src/core/probe/backends/gpujsDevice';
import { slowestKernels } from '../../src/core/probe/backends/gpujsDevice';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { ADAM } from '../../src/core/probe/engine';
import { allocateBackward, backward } from '../../src/core/probe/modelBackward';
import { allocateForward, forward } from '../../src/core/probe/modelForward';
import { initParams, zeroGrads } from '../../src/core/probe/modelParams';
import type { ProbeConfig } from '../../src/core/probe/types';

/** The same fixed batch on both paths. */
function batch(config: ProbeConfig): { tokens: Int32Array; targets: Int32Array } {
  let seed = config.seed + 1;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const n = config.batch * config.seq;
  const tokens = Int32Array.from({ length: n }, () => Math.floor(random() * config.vocab));
  const targets = Int32Array.from({ length: n }, () => Math.floor(random() * config.vocab));
  return { tokens, targets };
}

/** `steps` Adam steps op by op on a backend: losses before each update, trained parameters. */
function trainOps(backend: GpujsBackend | ReferenceBackend, config: ProbeConfig, steps: number): { losses: number[]; params: Float32Array[] } {
  const params = initParams(config);
  const state = allocateForward(backend, params);
  const scratch = allocateBackward(params);
  const { tokens, targets } = batch(config);
  state.tokens.set(tokens);
  state.targets.set(targets);
  const moments = params.all.map((p) => ({ m: new Float32Array(p.data.length), v: new Float32Array(p.data.length) }));
  const losses: number[] = [];
  for (let t = 1; t <= steps; t++) {
    zeroGrads(params);
    losses.push(forward(backend, params, state));
    backward(backend, params, state, scratch);
    params.all.forEach((p, i) => backend.adamUpdate(p.data, p.grad, moments[i].m, moments[i].v, config.lr, ADAM.beta1, ADAM.beta2, ADAM.eps, t));
  }
  return { losses, params: params.all.map((p) => p.data) };
}

interface DeviceRun {
  losses: number[];
  params: Float32Array[];
  /** Launches and readbacks of each step. */
  perStep: { launches: number; readbacks: number }[];
  fallbacks: string[];
  kernelModes: string[];
  stepsPerSecond: number;
  slowest: string[];
}

/** `steps` Adam steps on the gpu.js device step, recording every `recordEvery`-th (and the last). */
async function trainDevice(config: ProbeConfig, steps: number, recordEvery: number, profile = false): Promise<DeviceRun> {
  const backend = new GpujsBackend({ mode: 'webgl2' });
  const params = initParams(config);
  const device = await backend.createDeviceStep(params, ADAM) as DeviceStep & {
    runner: { counters: { launches: number; readbacks: number }; fallbacks(): string[] }; readParams(): Promise<void>;
  };
  const { tokens, targets } = batch(config);
  const losses: number[] = [];
  const perStep: DeviceRun['perStep'] = [];
  let start = performance.now();
  for (let t = 1; t <= steps; t++) {
    if (t === 2) start = performance.now(); // the first step compiles every kernel: not timed
    const before = { ...device.runner.counters };
    const result = await device.step(tokens, targets, { record: t % recordEvery === 0 || t === steps, update: { lr: config.lr, t } });
    if (result) losses.push(result.loss);
    perStep.push({ launches: device.runner.counters.launches - before.launches, readbacks: device.runner.counters.readbacks - before.readbacks });
  }
  const stepsPerSecond = Math.max(1, steps - 1) / ((performance.now() - start) / 1000);
  await device.readParams();
  let slowest: string[] = [];
  if (profile) {
    // One more step with every launch waited for, to name the slowest kernels (after the parameters were read).
    const runner = device.runner as unknown as DeviceRunner;
    runner.profile = new Map();
    await device.step(tokens, targets, { record: false, update: { lr: config.lr, t: steps + 1 } });
    slowest = slowestKernels(runner.profile, 1, 4);
  }
  const kernels = (device.runner as unknown as { kernels: Map<string, { kernel?: { constructor: { name: string } } }> }).kernels;
  const kernelModes = [...new Set([...kernels.values()].map((shortcut) => shortcut.kernel?.constructor.name ?? '?'))];
  const fallbacks = backend.fallbacks();
  backend.dispose();
  return { losses, params: params.all.map((p) => p.data), perStep, fallbacks, kernelModes, stepsPerSecond, slowest };
}

function relative(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  let largest = 1e-12;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    largest = Math.max(largest, Math.abs(expected[i]));
  }
  return worst / largest;
}

function renderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

export interface Agreement {
  renderer: string | null;
  /** Every step's loss on both paths (the device path records every step here). */
  deviceLosses: number[];
  referenceLosses: number[];
  /** Worst relative error over the loss and over every trained parameter, and where. */
  lossError: number;
  paramError: number;
  worstParam: string;
  perStep: DeviceRun['perStep'];
  unrecordedReadbacks: number;
  fallbacks: string[];
  kernelModes: string[];
}

/** The device step on WebGL2 against the reference over `steps` Adam steps of one model. */
async function agreement(config: ProbeConfig, steps: number): Promise<Agreement> {
  const device = await trainDevice(config, steps, 1);
  const expected = trainOps(new ReferenceBackend(), config, steps);
  // One more run recording every 2nd step, to count what an unrecorded step reads back.
  const sparse = await trainDevice(config, 2, 2);
  const names = initParams(config).all.map((p) => p.name);
  let paramError = 0;
  let worstParam = '';
  expected.params.forEach((data, i) => {
    const error = relative(device.params[i], data);
    if (error > paramError) [paramError, worstParam] = [error, names[i]];
  });
  return {
    renderer: renderer(),
    deviceLosses: device.losses,
    referenceLosses: expected.losses,
    lossError: relative(Float32Array.from(device.losses), Float32Array.from(expected.losses)),
    paramError,
    worstParam,
    perStep: device.perStep,
    unrecordedReadbacks: sparse.perStep[0].readbacks,
    fallbacks: device.fallbacks,
    kernelModes: device.kernelModes,
  };
}

/** Steps/s in the page: the device step (`steps` after a warm-up step), the op-by-op gpu.js path and the reference. */
async function speed(config: ProbeConfig, steps: number): Promise<Record<string, number | string>> {
  const device = await trainDevice(config, steps + 1, 4, true);
  const timeOps = (backend: GpujsBackend | ReferenceBackend, count: number): number => {
    trainOps(backend, config, 1);
    const start = performance.now();
    trainOps(backend, config, count);
    backend.dispose();
    return count / ((performance.now() - start) / 1000);
  };
  const ops = new GpujsBackend({ mode: 'webgl2' });
  trainOps(ops, config, 1);
  const before = ops.opLaunches;
  trainOps(ops, config, 1);
  const opLaunches = ops.opLaunches - before;
  const launches = device.perStep[0].launches;
  return {
    renderer: renderer() ?? 'none',
    device: device.stepsPerSecond,
    deviceLaunches: launches,
    deviceSlowest: device.slowest.join(', '),
    deviceReadbacksRecorded: Math.max(...device.perStep.map((s) => s.readbacks)),
    opsLaunches: opLaunches,
    ops: timeOps(ops, 1),
    reference: timeOps(new ReferenceBackend(), Math.max(1, steps)),
  };
}

Object.assign(window, { normscopeWebgl: { agreement, speed } });
