import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { decideBackend, probeWebGl2 } from '../../webview/ui/backendChoice';

test('auto picks gpu.js on a hardware renderer and says which', () => {
  const d = decideBackend('auto', { renderer: 'ANGLE (NVIDIA, NVIDIA H100 Direct3D11)', roundTripMs: 0.4 });
  assert.equal(d.backend, 'gpujs');
  assert.match(d.reason, /WebGL2 on ANGLE \(NVIDIA.*0\.4 ms/);
});

test('auto falls back to the CPU on software renderers, slow GPUs and missing WebGL2, with the reason', () => {
  assert.deepEqual(decideBackend('auto', { renderer: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)))', roundTripMs: 3 }).backend, 'cpu');
  assert.match(decideBackend('auto', { renderer: 'llvmpipe (LLVM 15.0.6, 256 bits)', roundTripMs: 1 }).reason, /software-rendered \(llvmpipe/);
  assert.match(decideBackend('auto', { renderer: 'Intel HD 3000', roundTripMs: 45 }).reason, /45\.0 ms per 256² round trip, too slow/);
  assert.equal(decideBackend('auto', { renderer: null, roundTripMs: null }).reason, 'no WebGL2 in this webview');
});

test('explicit modes are obeyed where possible, and say when they cannot be', () => {
  assert.equal(decideBackend('gpu', { renderer: 'SwiftShader', roundTripMs: 30 }).backend, 'gpujs');
  assert.equal(decideBackend('cpu', { renderer: 'NVIDIA', roundTripMs: 0.1 }).backend, 'cpu');
  assert.match(decideBackend('gpu', { renderer: null, roundTripMs: null }).reason, /no WebGL2: ran on the CPU/);
});

test('a document without WebGL2 (jsdom) reports no renderer', () => {
  const { window } = new JSDOM('<!DOCTYPE html><body></body>');
  // jsdom has no canvas backend: getContext returns null (it logs "not implemented" on a virtual console).
  window.HTMLCanvasElement.prototype.getContext = (() => null) as never;
  assert.deepEqual(probeWebGl2(window.document), { renderer: null, roundTripMs: null });
});
