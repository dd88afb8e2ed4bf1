// The gpu.js backend (and the wasm-SIMD one) must run in the webview: bundle it the way esbuild.mjs bundles webview/main.ts
// (browser platform, IIFE, gl/webgpu and Node built-ins external), load that bundle into a jsdom
// window, and run ops there. jsdom has no WebGL, so gpu.js runs webasm — the WebGL2 path itself needs a
// real browser (see the e2e suite); this proves the browser build resolves and computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import { JSDOM } from 'jsdom';

const WEBVIEW_EXTERNALS = ['gl', 'webgpu', 'fs', 'fs/promises', 'module', 'path', 'url'];

test('the gpu.js and wasm-SIMD backends bundle for the browser and compute inside a jsdom window', async () => {
  const result = await esbuild.build({
    stdin: {
      contents: [
        "import { GpujsBackend } from './src/core/probe/backends/gpujs';",
        "import { SimdBackend } from './src/core/probe/backends/simd';",
        '(window as any).GpujsBackend = GpujsBackend;',
        '(window as any).SimdBackend = SimdBackend;',
      ].join('\n'),
      resolveDir: '.',
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    keepNames: true,
    write: false,
    metafile: true,
    external: WEBVIEW_EXTERNALS,
    logLevel: 'silent',
  });
  // The browser field must win: gpu.js's browser build, not its Node entry (which requires gl).
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((path) => path.endsWith('gpu.js/dist/gpu-browser.js')), inputs.filter((p) => p.includes('gpu.js')).join(', '));
  assert.ok(!inputs.some((path) => path.includes('gpu.js/src/')));

  const dom = new JSDOM('<!doctype html><body></body>', { runScripts: 'outside-only' });
  const window = dom.window as unknown as {
    eval(code: string): void; Float32Array: Float32ArrayConstructor;
    GpujsBackend: new (options: { mode: string }) => any; SimdBackend: new () => any;
  };
  window.eval(result.outputFiles[0].text);
  const backend = new window.GpujsBackend({ mode: 'webasm' });
  const F = window.Float32Array;
  const out = new F(4);
  // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50].
  backend.matmul(out, F.of(1, 2, 3, 4), F.of(5, 6, 7, 8), 2, 2, 2);
  assert.deepEqual(Array.from(out), [19, 22, 43, 50]);
  const y = new F(3);
  backend.geluForward(y, F.of(-1, 0, 2), 3);
  const gelu = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
  [-1, 0, 2].forEach((v, i) => assert.ok(Math.abs(y[i] - gelu(v)) < 1e-6));
  // The array comes from the window's realm: compare its contents, not its prototype.
  assert.deepEqual(Array.from(backend.fallbacks()), []);
  backend.dispose();
  // The wasm-SIMD backend has no Node dependency either: the same product through its kernels.
  const simd = new window.SimdBackend();
  const simdOut = new F(4);
  simd.matmul(simdOut, F.of(1, 2, 3, 4), F.of(5, 6, 7, 8), 2, 2, 2);
  assert.deepEqual(Array.from(simdOut), [19, 22, 43, 50]);
  simd.dispose();
  dom.window.close();
});
