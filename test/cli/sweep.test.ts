// `normscope sweep` end to end: real probe runs on the run pool (worker threads), the JSON document, the
// HTML report, a placement the probe cannot train reported with no numbers, and Ctrl-C keeping what ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProbeToEnd } from '../../src/core/probe/engine';
import { probeConfigFor } from '../../src/core/probe/probeConfig';
import { decodeReportData } from '../../webview/views/reportData';

const TINY = ['--steps', '3', '--seq', '4', '--batch', '1', '--width', '16', '--heads', '2', '--record-every', '1'];

test('a tiny sweep: every (placement, depth) run, numbers equal to the same probe run alone, layer importance per block', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-sweep-'));
  try {
    const out = join(dir, 'sweep.html');
    const run = spawnSync(process.execPath, ['dist/cli.js', 'sweep', 'examples/gpt_pre_ln.py', '--layers', '1,3', '--compare', 'post,layernorm-scaling', ...TINY, '--json', '--out', out], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const sweep = JSON.parse(run.stdout);
    assert.deepEqual(sweep.placements, ['pre', 'post', 'layernorm-scaling']);
    assert.deepEqual(sweep.points.map((p: { placement: string; layers: number }) => `${p.placement}@${p.layers}`),
      ['pre@1', 'pre@3', 'post@1', 'post@3', 'layernorm-scaling@1', 'layernorm-scaling@3']);
    assert.deepEqual(sweep.skipped, []);
    for (const point of sweep.points) {
      assert.equal(point.layerImportance.length, point.layers, `${point.placement}@${point.layers}: one importance per block`);
      assert.ok(point.layerImportance.every(Number.isFinite));
    }
    assert.equal(sweep.source.block, 'Block');
    assert.ok(sweep.concurrency >= 1);
    // The pool's worker trains exactly what the engine trains here: same config, same numbers.
    const { config } = probeConfigFor({ placement: 'post', layers: 3, norm: 'layernorm', dModel: 512, heads: 8 },
      { steps: 3, seq: 4, batch: 1, dModel: 16, heads: 2, recordEvery: 1, backend: 'cpu' });
    const alone = await runProbeToEnd(config);
    const post3 = sweep.points.find((p: { placement: string; layers: number }) => p.placement === 'post' && p.layers === 3);
    assert.ok(Math.abs(post3.finalLoss - alone.metrics.loss.at(-1)!) < 1e-4, `${post3.finalLoss} vs ${alone.metrics.loss.at(-1)}`);
    assert.ok(Math.abs(post3.lastContributionInit - alone.metrics.contribution[2][0]) < 1e-4);
    assert.ok(alone.layerImportance!.every((v, l) => Math.abs(v - post3.layerImportance[l]) < 1e-4), 'the same importance as the run alone');
    const page = readFileSync(out, 'utf8');
    const island = /<script type="application\/json" id="normscope-data">([\s\S]*?)<\/script>/.exec(page)![1];
    const data = decodeReportData(island);
    assert.equal(data.sweep!.points.length, 6);
    assert.match(page, /pre, post, layernorm-scaling at L = 1, 3/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C stops the sweep: exit code 130, the runs that ran are kept as stopped or done, none invented', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, ['dist/cli.js', 'sweep', '--placement', 'pre', '--layers', '1,2', '--steps', '20000', '--json', '--jobs', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  // Interrupt once the runs have started (the announcement, then a moment), as a user would.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => { if (stderr.includes('Ctrl-C stops them')) { clearInterval(timer); resolve(); } }, 50);
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 130, stderr);
  const sweep = JSON.parse(stdout);
  assert.equal(sweep.cancelled, true);
  for (const point of sweep.points) {
    assert.ok(point.steps < 20000 && point.cancelled, `L=${point.layers} stopped at step ${point.steps}`);
  }
});
