// The slice of the WebAssembly JS API the probe's kernels use, typed here because the core is
// type-checked without DOM or Node types (which is where TypeScript declares WebAssembly); the
// runtime object is the global every browser and Node provide.

import { Code, encodeModule, V128 } from './encode';

/** A WebAssembly.Memory: grows in 64 KiB pages; a shared one has a SharedArrayBuffer. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

/** A compiled WebAssembly.Module (opaque; can be posted to a worker). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

function api(): WasmApi {
  const found = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!found) throw new Error('WebAssembly is not available here: use the reference backend');
  return found;
}

/** Whether this platform can run the SIMD kernels (WebAssembly with fixed-width SIMD). */
export function wasmSimdSupported(): boolean {
  const global = (globalThis as unknown as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  if (!global) return false;
  // A function that sets a v128 local: valid only where SIMD is.
  const code = new Code().v128Zero().set(0);
  return global.validate(encodeModule([{ exportName: 'probe', params: [], locals: [[1, V128]], code }], { initialPages: 1, maximumPages: 1, shared: false }));
}

export function createMemory(descriptor: { initial: number; maximum: number; shared: boolean }): WasmMemory {
  const { initial, maximum, shared } = descriptor;
  return new (api().Memory)(shared ? { initial, maximum, shared: true } : { initial, maximum });
}

export function compileModule(bytes: Uint8Array<ArrayBuffer>): WasmModule {
  return new (api().Module)(bytes);
}

export function instantiate(module: WasmModule, memory: WasmMemory): Record<string, unknown> {
  return new (api().Instance)(module, { env: { memory } }).exports;
}
