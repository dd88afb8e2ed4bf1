// The gpu.js WebGL2 path in headless Chromium (SwiftShader where there is no GPU), under the panel's own
// Content-Security-Policy: the device-resident training step (gpujsStep.ts) for 3 Adam steps against
// the reference backend in the same page, within the op suite's tolerance (OP_TOLERANCE, 2e-4 of the
// largest reference value), every kernel on webgl2 and none fallen back, no readback on an unrecorded
// step. Run by scripts/browser-test.sh (which installs chromium), not by `npm test`.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { Agreement } from './page';
import type { ProbeConfig } from '../../src/core/probe/types';
import { CHROMIUM, chromiumAvailable, launchChromium, openPage } from './chromium';

const OP_TOLERANCE = 2e-4; // test/probe/opSuite.ts (which imports node:test, so not bundled for the page)

let browser: Browser;
before(async () => {
  assert.ok(chromiumAvailable(), `no chromium at ${CHROMIUM}: scripts/browser-test.sh installs it`);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

function config(placement: ProbeConfig['placement'], norm: ProbeConfig['norm']): ProbeConfig {
  return {
    placement, norm, layers: 2, dModel: 16, heads: 4, seq: 8, batch: 2, vocab: 16,
    steps: 3, recordEvery: 1, lr: 1e-2, warmup: 0, seed: 7, backend: 'gpujs',
  };
}

for (const [placement, norm] of [['pre', 'layernorm'], ['post', 'rmsnorm']] as const) {
  test(`WebGL2 (headless Chromium, webview CSP): the gpu.js device step matches the reference over 3 steps, ${placement}/${norm}`, async () => {
    const { page, messages } = await openPage(browser, true);
    try {
      const result = await page.evaluate((c) => (window as unknown as {
        normscopeWebgl: { agreement(config: ProbeConfig, steps: number): Promise<Agreement> };
      }).normscopeWebgl.agreement(c, 3), config(placement, norm));
      const context = `renderer ${result.renderer}; losses ${result.deviceLosses.join(' ')} vs ${result.referenceLosses.join(' ')}; page: ${messages.slice(0, 3).join(' | ')}`;
      assert.ok(result.renderer, `no WebGL2 in this Chromium; ${context}`);
      assert.deepEqual(result.kernelModes, ['WebGL2Kernel'], context);
      assert.deepEqual(result.fallbacks, [], context);
      assert.equal(result.deviceLosses.length, 3, context);
      assert.ok(result.lossError < OP_TOLERANCE, `loss error ${result.lossError}; ${context}`);
      assert.ok(result.paramError < OP_TOLERANCE, `parameter error ${result.paramError} (${result.worstParam}); ${context}`);
      assert.equal(result.unrecordedReadbacks, 0, context);
      assert.ok(result.perStep.every((s) => s.launches > 50 && s.readbacks > 0), JSON.stringify(result.perStep));
      console.log(`${placement}/${norm} on ${result.renderer}: loss error ${result.lossError.toExponential(2)}, parameter error ${result.paramError.toExponential(2)} (${result.worstParam}); ${result.perStep[0].launches} launches per step`);
    } finally {
      await page.close();
    }
  });
}
