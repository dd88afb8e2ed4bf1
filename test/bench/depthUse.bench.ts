// Depth use of every placement and cure (issue 11): at initialisation and after training, several seeds,
// at L = 24, d = 32 (test/probe/depthUse.ts). Prints one table; docs/probe-theory.md quotes it.
//
//   node esbuild.mjs --tests && node out/bench/depthUse.bench.js [--steps 200] [--seeds 1,2,3] [--only pre,post]
//
// Columns: held-out loss; last/first third of layer importance (signed after training, |Δloss| at init);
// residualNorm entering block 1, at L/2 and after block L.
import { SimdBackend } from '../../src/core/probe/backends/simd';
import { DEPTH_CASES, measureDepthUse } from '../probe/depthUse';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};
const steps = Number(option('steps', '200'));
const seeds = option('seeds', '1,2,3').split(',').map(Number);
const only = option('only', '');

async function main(): Promise<void> {
  const backend = new SimdBackend();
  const cases = only ? DEPTH_CASES.filter((c) => only.split(',').some((name) => c.label.startsWith(name))) : DEPTH_CASES;
  console.log(`| placement | seed | init: |Δ| last/first | init stream x0 → x12 → x24 | ${steps} steps: held-out loss | last/first | stream x0 → x12 → x24 | seconds |`);
  console.log('|---|---|---|---|---|---|---|---|');
  for (const depthCase of cases) {
    for (const seed of seeds) {
      const started = Date.now();
      const init = await measureDepthUse(depthCase, seed, 0, backend);
      const trained = await measureDepthUse(depthCase, seed, steps, backend);
      const s = (f: typeof init) => `${f.stream.first.toFixed(2)} → ${f.stream.middle.toFixed(2)} → ${f.stream.last.toFixed(2)}`;
      console.log(`| ${depthCase.label} | ${seed} | ${init.lastOverFirstMagnitude.toFixed(2)} | ${s(init)} | ${trained.heldOutLoss.toFixed(3)}${trained.result.diverged ? ' (diverged)' : ''} | ${trained.lastOverFirst.toFixed(2)} | ${s(trained)} | ${((Date.now() - started) / 1000).toFixed(0)} |`);
    }
  }
  backend.dispose();
}

void main();
