// The gpu.js backend under real WebGL2: bundles it as the webview is bundled, loads it into headless
// Chromium (Debian's /usr/bin/chromium, SwiftShader when there is no GPU) through playwright-core, and
// holds every op and a whole training step to the reference backend running in the same page; then
// times the default probe (L=12, d=64, 8 heads, T=32, B=8) in the page under the webview's CSP: the
// device-resident gpu.js step (what a probe runs), the op-by-op gpu.js path (what it ran before), and
// the reference, with kernel launches and readbacks per step. The automated WebGL2 agreement test is
// test/browser/gpujsWebgl.browser.ts; this is the manual, printing side. Needs chromium.
//
//   node esbuild.mjs --tests && node out/bench/probeWebgl.bench.js [--executable PATH] [--steps N] [--width D]
import { existsSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { contentSecurityPolicy } from '../../src/host/webviewHtml';
import type { ProbeConfig } from '../../src/core/probe/types';
import { openPage } from '../browser/chromium';

const NONCE = 'normscopeProbeCheck';

const HARNESS = `
import { GpujsBackend } from './src/core/probe/backends/gpujs';
import { ReferenceBackend } from './src/core/probe/backends/reference';
import { SimdBackend } from './src/core/probe/backends/simd';
import { initParams, zeroGrads } from './src/core/probe/modelParams';
import { allocateForward, forward } from './src/core/probe/modelForward';
import { allocateBackward, backward } from './src/core/probe/modelBackward';

let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const array = (n, scale = 1, offset = 0) => Float32Array.from({ length: n }, () => offset + scale * (2 * random() - 1));
const relative = (a, e) => { let w = 0, l = 1e-12; for (let i = 0; i < e.length; i++) { w = Math.max(w, Math.abs(a[i] - e[i])); l = Math.max(l, Math.abs(e[i])); } return w / l; };

function ops(be) {
  seed = 7;
  const [b, t, c, h, v] = [4, 16, 32, 4, 24];
  const n = b * t;
  const x = array(n * c, 2, 0.3), gamma = array(c, 0.5, 1), beta = array(c, 0.5), dy = array(n * c);
  const wide = array(n * 4 * c, 4), qkv = array(n * 3 * c, 1.5), logits = array(n * v, 3);
  const targets = Int32Array.from({ length: n }, () => Math.floor(random() * v));
  const out = {};
  for (const [transA, transB] of [[false, false], [true, false], [false, true]]) {
    const m = new Float32Array(n * 4 * c);
    be.matmul(m, transA ? array(c * n) : array(n * c), transB ? array(4 * c * c) : array(c * 4 * c), n, c, 4 * c, { transA, transB });
    out['matmul' + (transA ? 'T' : 'N') + (transB ? 'T' : 'N')] = m;
  }
  const y = new Float32Array(n * c), mean = new Float32Array(n), rstd = new Float32Array(n);
  be.layerNormForward(y, mean, rstd, x, gamma, beta, n, c, 1e-5);
  const dx = new Float32Array(n * c), dg = new Float32Array(c), db = new Float32Array(c);
  be.layerNormBackward(dx, dg, db, dy, x, mean, rstd, gamma, n, c);
  Object.assign(out, { lnY: y, lnDx: dx, lnDgamma: dg, lnDbeta: db });
  const ry = new Float32Array(n * c), rr = new Float32Array(n), rdx = new Float32Array(n * c), rdg = new Float32Array(c);
  be.rmsNormForward(ry, rr, x, gamma, n, c, 1e-5);
  be.rmsNormBackward(rdx, rdg, dy, x, rr, gamma, n, c);
  Object.assign(out, { rmsY: ry, rmsDx: rdx, rmsDgamma: rdg });
  const gy = new Float32Array(n * 4 * c), gdx = new Float32Array(n * 4 * c);
  be.geluForward(gy, wide, n * 4 * c);
  be.geluBackward(gdx, wide, wide, n * 4 * c);
  Object.assign(out, { geluY: gy, geluDx: gdx });
  const ao = new Float32Array(n * c), att = new Float32Array(b * h * t * t), dqkv = new Float32Array(n * 3 * c);
  be.attentionForward(ao, att, qkv, b, t, c, h);
  be.attentionBackward(dqkv, dy, qkv, att, b, t, c, h);
  Object.assign(out, { attOut: ao, att, dqkv });
  const probs = new Float32Array(n * v), dl = new Float32Array(n * v);
  const loss = be.crossEntropyForward(probs, logits, targets, n, v);
  be.crossEntropyBackward(dl, probs, targets, n, v);
  Object.assign(out, { loss: Float32Array.of(loss), probs, dlogits: dl });
  const p = Float32Array.from(x), mm = new Float32Array(n * c), vv = new Float32Array(n * c);
  for (let s = 1; s <= 3; s++) be.adamUpdate(p, dy, mm, vv, 1e-2, 0.9, 0.95, 1e-8, s);
  out.adam = p;
  return out;
}

function train(be) {
  const config = { placement: 'pre', norm: 'layernorm', layers: 2, dModel: 32, heads: 4, seq: 16, batch: 4, vocab: 32, steps: 3, recordEvery: 1, lr: 1e-3, warmup: 0, seed: 5, backend: 'cpu' };
  const params = initParams(config), state = allocateForward(be, params), scratch = allocateBackward(params);
  seed = 3;
  for (let i = 0; i < state.tokens.length; i++) { state.tokens[i] = Math.floor(random() * 32); state.targets[i] = Math.floor(random() * 32); }
  const moments = params.all.map((p) => ({ m: new Float32Array(p.data.length), v: new Float32Array(p.data.length) }));
  const losses = [];
  for (let step = 1; step <= 3; step++) {
    zeroGrads(params);
    losses.push(forward(be, params, state));
    backward(be, params, state, scratch);
    params.all.forEach((p, i) => be.adamUpdate(p.data, p.grad, moments[i].m, moments[i].v, config.lr, 0.9, 0.999, 1e-8, step));
  }
  return losses;
}

window.trySimd = () => {
  try {
    const out = new Float32Array(4);
    new SimdBackend().matmul(out, Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6, 7, 8), 2, 2, 2);
    return 'runs: ' + Array.from(out).join(' ');
  } catch (error) {
    return 'fails: ' + String(error).slice(0, 160);
  }
};

window.runAgreement = () => {
  const gl = document.createElement('canvas').getContext('webgl2');
  const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = gl ? (info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : null;
  const be = new GpujsBackend({ mode: 'webgl2' });
  const start = performance.now();
  const actual = ops(be);
  const opsMs = performance.now() - start;
  const expected = ops(new ReferenceBackend());
  const errors = Object.fromEntries(Object.keys(expected).map((k) => [k, relative(actual[k], expected[k])]));
  const gpuLosses = train(be);
  const refLosses = train(new ReferenceBackend());
  const fallbacks = be.fallbacks();
  be.dispose();
  return { renderer, opsMs, errors, gpuLosses, refLosses, fallbacks, mode: be.mode };
};
`;

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--executable');
  const executablePath = flag > 0 ? process.argv[flag + 1] : '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.log(`no chromium at ${executablePath}: skipped (scripts/e2e-install.sh installs it)`);
    return;
  }
  const bundle = await esbuild.build({
    stdin: { contents: HARNESS, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022', keepNames: true, write: false,
    external: ['gl', 'webgpu', 'fs', 'fs/promises', 'module', 'path', 'url'], logLevel: 'warning',
  });
  const browser = await chromium.launch({
    executablePath,
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--no-sandbox'],
  });
  try {
    const script = bundle.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
    // Once as a plain page, once under the panel's own Content-Security-Policy (src/host/webviewHtml.ts).
    for (const csp of [null, contentSecurityPolicy('https://webview.invalid', NONCE)]) {
      const page = await browser.newPage();
      const messages: string[] = [];
      page.on('console', (message) => messages.push(message.text()));
      page.on('pageerror', (error) => messages.push(String(error)));
      const meta = csp ? `<meta http-equiv="Content-Security-Policy" content="${csp.replace(/"/g, '&quot;')}">` : '';
      await page.setContent(`<!doctype html><html><head>${meta}<script nonce="${NONCE}">${script}</script></head><body></body></html>`);
      console.log(csp ? `\nunder the webview CSP: ${csp}` : 'plain page:');
      const result = await page.evaluate(() => (window as unknown as { runAgreement(): unknown }).runAgreement()) as {
        renderer: string | null; opsMs: number; errors: Record<string, number>; gpuLosses: number[]; refLosses: number[]; fallbacks: string[]; mode: string;
      };
      console.log(`renderer: ${result.renderer}; gpu.js mode ${result.mode}; all ops once in ${result.opsMs.toFixed(0)} ms`);
      const worst = Object.entries(result.errors).sort((a, b) => b[1] - a[1]);
      console.log(`  worst op errors (of the largest reference value): ${worst.slice(0, 4).map(([op, e]) => `${op} ${e.toExponential(2)}`).join(', ')}; all: ${worst.length} outputs`);
      if (!csp) for (const [op, error] of worst) console.log(`    ${op.padEnd(12)} ${error.toExponential(2)}`);
      console.log(`  training losses gpujs ${result.gpuLosses.map((l) => l.toFixed(6)).join(', ')}`);
      console.log(`  training losses ref   ${result.refLosses.map((l) => l.toFixed(6)).join(', ')}`);
      console.log(`  fallbacks: ${result.fallbacks.length === 0 ? 'none' : result.fallbacks.join('; ')}`);
      console.log(`  wasm-SIMD backend: ${await page.evaluate(() => (window as unknown as { trySimd(): string }).trySimd())}`);
      const warnings = messages.filter((line) => /fall|error|warn|refused|violat/i.test(line));
      if (warnings.length > 0) console.log(`  page console: ${warnings.slice(0, 3).map((w) => w.slice(0, 200)).join(' | ')}`);
      await page.close();
    }
    await timeDefaultProbe(browser);
  } finally {
    await browser.close();
  }
}

/** Steps/s of the default probe in the page (webview CSP): device step, op-by-op gpu.js, reference. */
async function timeDefaultProbe(browser: Awaited<ReturnType<typeof chromium.launch>>): Promise<void> {
  const option = (name: string, fallback: number): number => {
    const index = process.argv.indexOf(`--${name}`);
    return index > 0 ? Number(process.argv[index + 1]) : fallback;
  };
  const config: ProbeConfig = {
    placement: 'pre', norm: 'layernorm', layers: 12, dModel: option('width', 64), heads: 8, seq: 32, batch: 8, vocab: 64,
    steps: 0, recordEvery: 4, lr: 1e-3, warmup: 0, seed: 1, backend: 'gpujs',
  };
  const steps = option('steps', 8);
  const { page } = await openPage(browser, true);
  try {
    const speed = await page.evaluate(([c, n]) => (window as unknown as {
      normscopeWebgl: { speed(config: ProbeConfig, steps: number): Promise<Record<string, number | string>> };
    }).normscopeWebgl.speed(c, n), [config, steps] as const);
    const rate = (key: string): string => `${Number(speed[key]).toFixed(2)} steps/s`;
    console.log(`\ndefault probe L=12 d=${config.dModel} heads=8 T=32 B=8 in headless Chromium under the webview CSP (${speed.renderer}); one run:`);
    console.log(`  gpu.js device step (recording every 4th): ${rate('device')}; ${speed.deviceLaunches} launches and 0 readbacks per unrecorded step, ${speed.deviceReadbacksRecorded} readbacks per recorded one`);
    console.log(`    slowest kernels (one step, each launch waited for): ${speed.deviceSlowest}`);
    console.log(`  gpu.js op by op (before):                 ${rate('ops')}; ${speed.opsLaunches} launches, each read back`);
    console.log(`  reference (plain TS) in the page:         ${rate('reference')}`);
    console.log(`  device step / reference: ${(Number(speed.device) / Number(speed.reference)).toFixed(2)}×; device step / op by op: ${(Number(speed.device) / Number(speed.ops)).toFixed(2)}×`);
  } finally {
    await page.close();
  }
}

void main();
