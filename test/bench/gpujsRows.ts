// probe.bench.ts's gpu.js section: in Node gpu.js runs webasm, so this prints what the device-resident
// step (gpujsStep.ts, what a probe now runs) changes against the op-by-op path it replaced — steps/s,
// kernel launches and readbacks per step — on the benchmark's own probe shape. The GPU figures come
// from test/bench/probeWebgl.bench.ts (WebGL2) and test/bench/device.sh (WebGPU on an NVIDIA machine).
import { GpujsBackend } from '../../src/core/probe/backends/gpujs';
import type { DeviceRunner } from '../../src/core/probe/backends/gpujsDevice';
import { slowestKernels } from '../../src/core/probe/backends/gpujsDevice';
import { ADAM } from '../../src/core/probe/engine';
import { initParams } from '../../src/core/probe/modelParams';
import type { ProbeConfig } from '../../src/core/probe/types';
import { createTrainer } from '../probe/backendAgreement';

/** Prints the gpu.js rows for one probe shape: `steps` timed steps of each path after a warm-up. */
export async function printGpujsRows(config: ProbeConfig, steps: number): Promise<void> {
  const ops = new GpujsBackend({ mode: 'webasm' });
  const trainer = createTrainer(ops, config);
  trainer.step();
  const launchesBefore = ops.opLaunches;
  let start = performance.now();
  for (let s = 0; s < steps; s++) trainer.step();
  const opsRate = steps / ((performance.now() - start) / 1000);
  const opsLaunches = (ops.opLaunches - launchesBefore) / steps;
  ops.dispose();

  const backend = new GpujsBackend({ mode: 'webasm' });
  const device = (await backend.createDeviceStep(initParams(config), ADAM))!;
  const n = config.batch * config.seq;
  const tokens = Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % config.vocab);
  const targets = Int32Array.from({ length: n }, (_, i) => (i * 5 + 1) % config.vocab);
  await device.step(tokens, targets, { record: true, update: { lr: config.lr, t: 1 } });
  const counts: { launches: number; readbacks: number; record: boolean }[] = [];
  start = performance.now();
  for (let s = 0; s < steps; s++) {
    const before = backend.deviceCounters();
    const record = s % 4 === 3 || s === steps - 1;
    await device.step(tokens, targets, { record, update: { lr: config.lr, t: s + 2 } });
    const after = backend.deviceCounters();
    counts.push({ launches: after.launches - before.launches, readbacks: after.readbacks - before.readbacks, record });
  }
  const deviceRate = steps / ((performance.now() - start) / 1000);
  const runner = (device as unknown as { runner: DeviceRunner }).runner;
  runner.profile = new Map();
  await device.step(tokens, targets, { record: false, update: { lr: config.lr, t: steps + 2 } });
  const slowest = slowestKernels(runner.profile, 1, 4);
  backend.dispose();
  const plain = counts.find((c) => !c.record);
  const recorded = counts.find((c) => c.record)!;
  console.log(`\ngpu.js in Node (webasm), L=${config.layers} d=${config.dModel} heads=${config.heads}, ${steps} steps each, one run:`);
  console.log(`  op by op (before):  ${opsRate.toFixed(2).padStart(6)} steps/s; ${opsLaunches} launches per step, every one read back`);
  console.log(`  device step (now):  ${deviceRate.toFixed(2).padStart(6)} steps/s; ${plain ? `${plain.launches} launches and ${plain.readbacks} readbacks per unrecorded step, ` : ''}${recorded.launches} launches and ${recorded.readbacks} readbacks per recorded step (every 4th here)`);
  console.log(`    slowest kernels (one step, each launch waited for): ${slowest.join(', ')}`);
}
