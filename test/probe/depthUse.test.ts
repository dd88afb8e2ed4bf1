// Depth use (issue 11) as the probe measures it at L = 24, d = 32 (test/probe/depthUse.ts), against the
// papers' claims; docs/probe-theory.md has the full table (test/bench/depthUse.bench.ts) and says where
// the probe does not reproduce a claim. The ratio is the mean layer importance of the last third of the
// blocks over the first third: |Δloss| at init (the untrained model predicts noise, so removing a block
// moves the loss either way), the signed rise after training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimdBackend } from '../../src/core/probe/backends/simd';
import { measureDepthUse } from './depthUse';
import type { DepthFigures } from './depthUse';

const SEEDS = [1, 2, 3];
const backend = new SimdBackend();
const atInit = (placement: 'pre' | 'post' | 'layernorm-scaling', seed: number): Promise<DepthFigures> =>
  measureDepthUse({ label: placement, config: { placement } }, seed, 0, backend);

test('at init: Pre-LN\'s last third matters far less than its first, Post-LN\'s does not; LayerNorm Scaling lowers it further', async () => {
  for (const seed of SEEDS) {
    const [pre, post, lns] = [await atInit('pre', seed), await atInit('post', seed), await atInit('layernorm-scaling', seed)];
    const summary = `seed ${seed}: pre ${pre.lastOverFirstMagnitude.toFixed(2)}, post ${post.lastOverFirstMagnitude.toFixed(2)}, LNS ${lns.lastOverFirstMagnitude.toFixed(2)}`;
    // Measured 0.27–0.35 (Pre-LN, each block ≈ 1/√l of the stream) and 0.72–4.1 (Post-LN, flat stream).
    assert.ok(pre.lastOverFirstMagnitude < 0.5, summary);
    assert.ok(post.lastOverFirstMagnitude > 0.6 && post.lastOverFirstMagnitude > 2 * pre.lastOverFirstMagnitude, summary);
    // Not the paper's direction, and not its claim (which is about trained LLMs): at init block l's branches
    // read N(x)/√l, so deep blocks write even less than Pre-LN's — measured 0.15–0.22.
    assert.ok(lns.lastOverFirstMagnitude < pre.lastOverFirstMagnitude, summary);
  }
});

test('at init: Attention Residuals use depth exactly as Pre-LN does (its input is Pre-LN\'s stream, scaled)', async () => {
  const pre = await atInit('pre', 1);
  const attnRes = await measureDepthUse({ label: 'attention-residuals', config: { placement: 'attention-residuals', attnResGroups: 8 } }, 1, 0, backend);
  const [a, b] = [attnRes.result.layerImportance!, pre.result.layerImportance!];
  // Scale-invariant branch norms make the two models compute the same function up to eps = 1e-5.
  a.forEach((value, l) => assert.ok(Math.abs(value - b[l]) < 2e-3, `block ${l + 1}: ${value} vs ${b[l]}`));
});

test('after 100 steps: Pre-LN barely uses its last third; nGPT, whose blocks each move the sphere by α, does', async () => {
  const train = (placement: 'pre' | 'ngpt') => measureDepthUse({ label: placement, config: { placement } }, 1, 100, backend);
  const [pre, ngpt] = [await train('pre'), await train('ngpt')];
  const summary = `pre ${pre.lastOverFirst.toFixed(2)} (loss ${pre.heldOutLoss.toFixed(3)}), ngpt ${ngpt.lastOverFirst.toFixed(2)} (loss ${ngpt.heldOutLoss.toFixed(3)})`;
  // Measured at seed 1: Pre-LN 0.09 (0.18 at seed 2; 0.00–0.20 after 200 steps), nGPT 0.95 (0.60–0.76 after
  // 200 steps). Both learn the task (held-out loss ≈ 1.3 against the unigram plateau ≈ 2.5).
  assert.ok(pre.lastOverFirst < 0.5, summary);
  assert.ok(ngpt.lastOverFirst > 0.5 && ngpt.lastOverFirst > 3 * pre.lastOverFirst, summary);
  assert.ok(pre.heldOutLoss < 2 && ngpt.heldOutLoss < 2, summary);
});
