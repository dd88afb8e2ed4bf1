// Decides where the panel's probe runs: gpu.js on WebGL2 when a hardware GPU is there, else the
// reference CPU path. `auto` looks at the renderer and times a tiny kernel-sized workload before trusting
// it; the decision always carries a reason the user sees.

export interface BackendDecision {
  backend: 'gpujs' | 'cpu';
  reason: string;
}

/** Renderer strings of software rasterisers: WebGL2 "works" there but is slower than plain JS. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render|microsoft basic|mesa offscreen/i;

export interface GlProbe {
  /** null: no WebGL2 context could be created. */
  renderer: string | null;
  /** Milliseconds for a small draw-and-read round trip, or null when not measured. */
  roundTripMs: number | null;
}

/** Reads the WebGL2 renderer string in this document (unmasked where the browser allows it). */
export function probeWebGl2(doc: Document): GlProbe {
  const canvas = doc.createElement('canvas');
  const gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null;
  if (!gl) return { renderer: null, roundTripMs: null };
  const debug = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
  const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? 'unknown');
  // A brief measurement: clear a 256² target and read it back a few times; software paths take tens of ms.
  const size = 256;
  canvas.width = size;
  canvas.height = size;
  const pixels = new Uint8Array(size * size * 4);
  const start = performance.now();
  for (let i = 0; i < 4; i++) {
    gl.clearColor(i / 4, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.readPixels(0, 0, size, size, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  }
  const roundTripMs = (performance.now() - start) / 4;
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { renderer, roundTripMs };
}

/** The decision for a requested mode given what the GPU probe saw. Pure. */
export function decideBackend(mode: 'auto' | 'gpu' | 'cpu', gl: GlProbe): BackendDecision {
  if (mode === 'cpu') return { backend: 'cpu', reason: 'normscope.probe.backend is "cpu"' };
  if (gl.renderer === null) {
    return { backend: 'cpu', reason: mode === 'gpu' ? 'asked for the GPU, but this webview has no WebGL2: ran on the CPU instead' : 'no WebGL2 in this webview' };
  }
  if (mode === 'gpu') return { backend: 'gpujs', reason: `asked for the GPU: WebGL2 on ${gl.renderer}` };
  if (SOFTWARE_RENDERER.test(gl.renderer)) return { backend: 'cpu', reason: `WebGL2 is software-rendered (${gl.renderer}), slower than the CPU path` };
  if (gl.roundTripMs !== null && gl.roundTripMs > 20) {
    return { backend: 'cpu', reason: `WebGL2 on ${gl.renderer} took ${gl.roundTripMs.toFixed(1)} ms per 256² round trip, too slow to beat the CPU path` };
  }
  return { backend: 'gpujs', reason: `WebGL2 on ${gl.renderer}${gl.roundTripMs !== null ? ` (${gl.roundTripMs.toFixed(1)} ms per 256² round trip)` : ''}` };
}
