// Device-resident results for the gpu.js training step: every kernel runs with `pipeline: true,
// immutable: true`, so its result stays where the kernel ran (a WebGL texture, a WebGPU storage buffer;
// on webasm a fresh Float32Array) and feeds the next kernel without a readback. Each result is released
// with `.delete()` once the step is done with it. Calls are awaited, because webgpu kernels return
// Promises (of the handle: no readback) and webgl2/webasm ones return the handle itself.

import type { GPU, IKernelRunShortcut } from 'gpu.js';

/** A kernel result kept on the device: a GL Texture, a WebGPU buffer handle, or (webasm) an array. */
export type DeviceArray = Float32Array | {
  toArray(): Float32Array | number[] | Promise<Float32Array | number[]>;
  delete(): void;
};

type Argument = DeviceArray | Float32Array | number;
type Constants = Record<string, number>;

export interface DeviceCounters {
  /** Kernel launches since the counters were last reset. */
  launches: number;
  /** Results copied back to the host since then. */
  readbacks: number;
}

/** A millisecond clock in Node and browsers alike (core sees neither's typings). */
function now(): number {
  return (globalThis as { performance?: { now(): number } }).performance?.now() ?? Date.now();
}

export class DeviceRunner {
  readonly counters: DeviceCounters = { launches: 0, readbacks: 0 };
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  /**
   * When set, milliseconds per kernel name, each launch waited for by reading its result back (which
   * the time includes): for naming the slowest kernel, never during a real run.
   */
  profile: Map<string, number> | null = null;

  constructor(private readonly gpu: GPU) {}

  /** Runs one kernel (created on first use for this source, size and constants) into a device result. */
  async run(name: string, source: string, size: number, constants: Constants, args: Argument[]): Promise<DeviceArray> {
    const key = `${name}:${size}:${Object.entries(constants).map(([k, v]) => `${k}=${v}`).join(',')}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.gpu.createKernel(source, {
        output: [size],
        constants,
        precision: 'single',
        tactic: 'precision',
        dynamicOutput: false,
        pipeline: true,
        immutable: true,
      });
      this.kernels.set(key, kernel);
    }
    this.counters.launches++;
    const start = this.profile ? now() : 0;
    const result = await (kernel as unknown as (...a: Argument[]) => DeviceArray | Promise<DeviceArray>)(...args);
    if (this.profile) {
      if (!(result instanceof Float32Array)) await result.toArray();
      this.profile.set(name, (this.profile.get(name) ?? 0) + now() - start);
    }
    return result;
  }

  /** Copies a device result to the host (one readback). */
  async read(array: DeviceArray): Promise<Float32Array> {
    this.counters.readbacks++;
    if (array instanceof Float32Array) return array;
    const values = await array.toArray();
    return values instanceof Float32Array ? values : Float32Array.from(values);
  }

  /** Kernels gpu.js moved to another backend, as "name: reason" (see GpujsBackend.fallbacks). */
  fallbacks(): string[] {
    return kernelFallbacks(this.kernels);
  }

  dispose(): void {
    for (const kernel of this.kernels.values()) kernel.destroy();
    this.kernels.clear();
  }
}

/** The kernels of a cache (keyed "name:…") that gpu.js quietly moved to another backend, as "name: reason". */
export function kernelFallbacks(kernels: Map<string, IKernelRunShortcut>): string[] {
  const found: string[] = [];
  for (const [key, shortcut] of kernels) {
    const inner = (shortcut as unknown as { kernel?: { fallbackReason?: string | null } }).kernel;
    if (inner?.fallbackReason) found.push(`${key.split(':')[0]}: ${inner.fallbackReason}`);
  }
  return found;
}

/** Frees a device result (textures and buffers; an array on webasm needs nothing). */
export function release(array: DeviceArray | null | undefined): void {
  if (array && !(array instanceof Float32Array)) array.delete();
}

/** The `count` kernels that took longest in a profile, as "name 12.3 ms (45%)" per step of `steps`. */
export function slowestKernels(profile: Map<string, number>, steps: number, count = 5): string[] {
  const total = [...profile.values()].reduce((sum, ms) => sum + ms, 0);
  return [...profile.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([name, ms]) => `${name} ${(ms / steps).toFixed(1)} ms (${((100 * ms) / total).toFixed(0)}%)`);
}
