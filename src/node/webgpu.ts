// WebGPU in Node for gpu.js's `webgpu` mode: loads Dawn's Node binding (the `webgpu` npm package that
// gpu.js depends on, a prebuilt dawn.node that needs glibc ≥ 2.38 and a Vulkan loader) and installs
// `navigator.gpu` and the WebGPU globals, which gpu.js reads. Used by the GPU benchmark
// (test/bench/device.bench.ts); the CLI does not depend on it.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface WebGpuInstall {
  /** The dawn.node that was loaded. */
  file: string;
  /** Removes `navigator` again: while it is set, Dawn keeps Node's event loop alive. */
  uninstall(): void;
}

/** The dawn.node for this platform: the given file, $NORMSCOPE_DAWN, or the one in node_modules/webgpu. */
export function findDawn(file?: string): string | null {
  const name = `${process.platform}-${process.arch}.dawn.node`;
  const candidates = [file, process.env.NORMSCOPE_DAWN];
  try {
    candidates.push(join(dirname(require.resolve('webgpu/package.json')), 'dist', name));
  } catch {
    // not installed
  }
  candidates.push(join(process.cwd(), 'node_modules', 'webgpu', 'dist', name));
  return candidates.find((candidate): candidate is string => !!candidate && existsSync(candidate)) ?? null;
}

/**
 * gpu.js assigns `device.onuncapturederror = (event) => …`; Dawn's Node binding refuses a function
 * there ("invalid value to onuncapturederror"), and 0.2.9's addEventListener refuses one too. Keep
 * the handler (so gpu.js's assignment does not throw) and register it where the binding takes it;
 * kernel build errors still surface through gpu.js's error scopes.
 */
function acceptHandlerFunctions(device: { prototype: object } | undefined): void {
  if (!device) return;
  const handlers = new WeakMap<object, EventListener>();
  type Target = { addEventListener(type: string, listener: EventListener): void; removeEventListener(type: string, listener: EventListener): void };
  Object.defineProperty(device.prototype, 'onuncapturederror', {
    configurable: true,
    enumerable: true,
    get(this: object) {
      return handlers.get(this) ?? null;
    },
    set(this: Target, listener: EventListener | null) {
      const previous = handlers.get(this);
      if (previous) {
        try {
          this.removeEventListener('uncapturederror', previous);
        } catch {
          // never registered
        }
      }
      if (typeof listener === 'function') {
        handlers.set(this, listener);
        try {
          this.addEventListener('uncapturederror', listener);
        } catch {
          // not taken by this binding: the handler is kept, never called
        }
      } else handlers.delete(this);
    },
  });
}

/** Loads Dawn and sets globalThis.navigator.gpu; throws with the loader's reason when it cannot. */
export function installWebGpu(file?: string, flags: string[] = []): WebGpuInstall {
  const found = findDawn(file);
  if (!found) throw new Error(`no dawn.node for ${process.platform}-${process.arch} (npm package webgpu, or $NORMSCOPE_DAWN)`);
  const dawn = createRequire(__filename)(found) as { create(flags: string[]): unknown; globals: Record<string, unknown> };
  Object.assign(globalThis, dawn.globals);
  acceptHandlerFunctions(dawn.globals.GPUDevice as { prototype: object } | undefined);
  const gpu = dawn.create(flags);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return {
    file: found,
    uninstall: () => {
      delete (globalThis as { navigator?: unknown }).navigator;
    },
  };
}
