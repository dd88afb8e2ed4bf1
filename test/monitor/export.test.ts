// The probe exported to PyTorch: for every placement the probe trains, the script runs 3 steps through
// the monitor, draws the TS probe's exact task and batches, and its per-layer residualNorm at init agrees
// with the TS engine's at identical settings. The two draw their initial weights from different RNGs,
// so the check is statistical: over S seeds each, the means may differ by at most 4 standard errors of
// the difference, √((σ_ts² + σ_torch²)/S), plus 1e-4 for the rows a norm fixes (σ ≈ 0 on both sides).
// Four standard errors leave a false alarm at about 6e-5 per row (≈ 0.4% over the ~60 rows), while a
// wrong init scale (a W_2 or embedding std off by 20%, a missing DeepNorm β) moves the means by tens of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportConfigFor, exportFileName, exportTorchScript, MONITOR_FILE_NAME } from '../../src/core/export/torchScript';
import { runProbeToEnd } from '../../src/core/probe/engine';
import { initParams } from '../../src/core/probe/modelParams';
import { defaultProbeConfig } from '../../src/core/probe/probeConfig';
import { createBatchStream, createMarkovTask, sampleBatch } from '../../src/core/probe/task';
import type { ProbeConfig, ProbePlacement } from '../../src/core/probe/types';
import { INSTALL_TORCH, pythonWithTorch, runPython } from './python';

const PLACEMENTS: ProbePlacement[] = ['pre', 'post', 'sandwich', 'post-sublayer', 'deepnorm', 'parallel-pre', 'none', 'mixed'];
// NORMSCOPE_EXPORT_SEEDS=32 tightens the check by hand (about four times as long).
const SEEDS = Array.from({ length: Number(process.env.NORMSCOPE_EXPORT_SEEDS) || 8 }, (_, i) => i + 1);
const base = { layers: 6, dModel: 32, heads: 4, seq: 16, batch: 8, vocab: 64, steps: 0, recordEvery: 1, lr: 1e-3, backend: 'cpu' as const };

const variants: { label: string; config: ProbeConfig }[] = [
  ...PLACEMENTS.map((placement) => ({ label: placement, config: defaultProbeConfig({ ...base, placement }) })),
  { label: 'rezero', config: defaultProbeConfig({ ...base, placement: 'none', rezero: true }) },
];

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const spread = (values: number[]): number => {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) * (b - m), 0) / (values.length - 1));
};

test('the exported script is a pure function of the config and carries its layout', () => {
  const config = variants.find((v) => v.label === 'mixed')!.config;
  const script = exportTorchScript(config);
  assert.equal(script, exportTorchScript({ ...config }));
  assert.match(script, /^#!\/usr\/bin\/env python3\n"""NormScope probe exported to PyTorch: mixed, layernorm, L=6, d=32, 4 heads\./);
  // Mix-LN with L = 6: ⌊0.25·6⌋ = 1 post block, then pre blocks.
  assert.match(script, /BLOCKS = json\.loads\(r'''\[\{"kind":"post",.*"kind":"pre"/);
  assert.match(script, /FINAL_NORM = True/);
  assert.match(exportTorchScript(defaultProbeConfig({ ...base, placement: 'deepnorm' })), /DEEPNORM_BETA = 0\.37991784282579627/);
  assert.equal(exportFileName(config), 'probe_mixed_L6_d32.py');
});

test('an export keeps the model at full width and depth; only heads that do not divide the width move', () => {
  const { config, notes } = exportConfigFor({ placement: 'pre', norm: 'rmsnorm', layers: 80, dModel: 8192, heads: 64 });
  assert.deepEqual([config.layers, config.dModel, config.heads, config.norm, notes], [80, 8192, 64, 'rmsnorm', []]);
  const odd = exportConfigFor({ placement: 'none', rezero: true, dModel: 100, heads: 8 }, { lr: 3e-4 });
  assert.deepEqual([odd.config.heads, odd.config.rezero, odd.config.lr, odd.config.layers], [5, true, 3e-4, 12]);
  assert.deepEqual(odd.notes, ['heads 8 → 5 (must divide d = 100)']);
});

test('every placement: the exported script runs 3 steps and its init residualNorm matches the TS probe', { timeout: 600_000 }, async () => {
  const python = pythonWithTorch();
  assert.ok(python !== null, INSTALL_TORCH);
  const dir = mkdtempSync(join(tmpdir(), 'normscope-export-'));
  try {
    copyFileSync('src/python/normscope_monitor.py', join(dir, MONITOR_FILE_NAME));
    const scripts: Record<string, string> = {};
    for (const { label, config } of variants) {
      scripts[label] = `probe_${label.replace(/-/g, '_')}.py`;
      writeFileSync(join(dir, scripts[label]), exportTorchScript(config, { fileName: scripts[label] }));
    }
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ dir, scripts, seeds: SEEDS }));
    const run = runPython(python, ['test/monitor/export_check.py', join(dir, 'spec.json')], { timeoutMs: 540_000 });
    assert.equal(run.status, 0, `export_check.py failed:\n${run.stderr}`);
    const torchRuns = JSON.parse(run.stdout) as Record<string, {
      init: number[][]; sums: (number | null)[][]; run: Record<string, unknown>[]; tokens: number[]; targets: number[]; optimalLoss: number;
    }>;
    const table: string[] = [];
    for (const { label, config } of variants) {
      const got = torchRuns[label];
      // 3 steps: header, steps 0..3, close; a finite loss at each; the header says what ran.
      assert.deepEqual(got.run.map((line) => line.step ?? null), [null, 0, 1, 2, 3, 3], label);
      const header = got.run[0] as { run: { source: string; placement: string; layers: number; gradParams: unknown } };
      assert.equal(header.run.source, 'probe-export');
      assert.equal(header.run.placement, config.placement);
      assert.equal(header.run.layers, config.layers);
      assert.deepEqual(header.run.gradParams, { attnOut: 'attn.wo.weight', mlpOut: 'mlp.w2.weight' });
      for (const line of got.run.slice(1, 5)) assert.ok(Number.isFinite(line.loss as number), `${label}: loss ${line.loss}`);
      // The task: the same chain and the same batches from the same seed.
      const task = createMarkovTask(config.vocab, config.seed);
      const tokens = new Int32Array(2 * config.seq);
      const targets = new Int32Array(2 * config.seq);
      sampleBatch(task, createBatchStream(config.seed), tokens, targets, 2, config.seq);
      assert.deepEqual(got.tokens, [...tokens], `${label}: tokens`);
      assert.deepEqual(got.targets, [...targets], `${label}: targets`);
      assert.ok(Math.abs(got.optimalLoss - task.optimalLoss) < 1e-9, `${label}: optimal loss`);
      // The init residualNorm (and sumNorm, where a norm on the stream hides the init from residualNorm),
      // layer by layer, against the TS engine over the same seeds.
      const ts: { residualNorm: number[]; sumNorm: (number | null)[] }[] = [];
      for (const seed of SEEDS) {
        const { metrics } = await runProbeToEnd({ ...config, seed });
        ts.push({ residualNorm: metrics.residualNorm.map((row) => row[0]), sumNorm: metrics.sumNorm.map((row) => row[0]) });
      }
      const worst = { z: 0, what: '' };
      const series = [
        ...Array.from({ length: config.layers + 1 }, (_, layer) => ({
          what: `residualNorm[${layer}]`, a: ts.map((r) => r.residualNorm[layer]), b: got.init.map((r) => r[layer]),
        })),
        ...Array.from({ length: config.layers + 1 }, (_, layer) => ({
          what: `sumNorm[${layer}]`, a: ts.map((r) => r.sumNorm[layer]), b: got.sums.map((r) => r[layer]),
        })).filter(({ a }) => a[0] !== null),
      ] as { what: string; a: number[]; b: number[] }[];
      for (const { what, a, b } of series) {
        const error = Math.sqrt((spread(a) ** 2 + spread(b) ** 2) / SEEDS.length);
        const difference = Math.abs(mean(a) - mean(b));
        const z = difference / Math.max(error, 1e-12);
        if (z > worst.z && difference > 1e-4) Object.assign(worst, { z, what });
        assert.ok(difference <= 4 * error + 1e-4,
          `${label} ${what}: TS ${mean(a).toFixed(4)} ± ${spread(a).toFixed(4)} vs torch ${mean(b).toFixed(4)} ± ${spread(b).toFixed(4)} (${z.toFixed(1)} standard errors)`);
      }
      const last = config.layers;
      table.push(`${label.padEnd(14)} residualNorm[${last}]: TS ${mean(ts.map((r) => r.residualNorm[last])).toFixed(4)} torch ${mean(got.init.map((r) => r[last])).toFixed(4)}; worst ${worst.z.toFixed(2)} SE (${worst.what || 'none'})`);
    }
    console.log(`init residualNorm, ${SEEDS.length} seeds each:\n${table.join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('normscope probe FILE --export-torch writes the script at full width and the monitor beside it, never over a changed copy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-export-cli-'));
  try {
    const cli = (args: string[]) => spawnSync(process.execPath, ['dist/cli.js', 'probe', ...args], { encoding: 'utf8' });
    const out = join(dir, 'gpt.py');
    const first = cli(['examples/gpt_pre_ln.py', '--export-torch', out]);
    assert.equal(first.status, 0, first.stderr);
    const script = readFileSync(out, 'utf8');
    assert.match(script, /NormScope probe exported to PyTorch: pre, layernorm, L=8, d=512, 8 heads/);
    assert.match(first.stderr, /wrote .*normscope_monitor\.py/);
    assert.equal(readFileSync(join(dir, MONITOR_FILE_NAME), 'utf8'), readFileSync('src/python/normscope_monitor.py', 'utf8'));
    writeFileSync(join(dir, MONITOR_FILE_NAME), '# my edits\n');
    const second = cli(['examples/gpt_pre_ln.py', '--export-torch', out, '--width', '128', '--heads', '5']);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /kept .*normscope_monitor\.py: it differs/);
    assert.equal(readFileSync(join(dir, MONITOR_FILE_NAME), 'utf8'), '# my edits\n');
    assert.match(second.stderr, /heads 5 → 4 \(must divide d = 128\)/);
    assert.match(readFileSync(out, 'utf8'), /L=8, d=128, 4 heads/);
    const bad = cli(['--placement', 'pre', '--export-torch', 'probe.txt']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--export-torch expects a \.py file name, got 'probe\.txt'/);
    // A dilution cure is refused, not written as the plain Pre-LN block it is built from.
    const cure = cli(['--placement', 'attention-residuals', '--export-torch', join(dir, 'cure.py')]);
    assert.equal(cure.status, 2, cure.stderr);
    assert.match(cure.stderr, /--export-torch cannot write attention-residuals yet/);
    assert.equal(existsSync(join(dir, 'cure.py')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with the TS probe\'s own initial weights, the exported model gives the TS metrics: same equations, same data', { timeout: 300_000 }, async () => {
  const python = pythonWithTorch();
  assert.ok(python !== null, INSTALL_TORCH);
  const dir = mkdtempSync(join(tmpdir(), 'normscope-export-weights-'));
  try {
    copyFileSync('src/python/normscope_monitor.py', join(dir, MONITOR_FILE_NAME));
    const cases = variants.map(({ label, config }) => {
      const script = join(dir, `probe_${label.replace(/-/g, '_')}.py`);
      writeFileSync(script, exportTorchScript(config));
      const params = initParams(config);
      const { dModel: c, vocab: v, seq: t } = config;
      const weights: Record<string, [number, number, number[]]> = {
        wte: [v, c, [...params.wte.data]], wpe: [t, c, [...params.wpe.data]], head: [c, v, [...params.head.data]],
      };
      params.blocks.forEach((block, index) => {
        weights[`block${index + 1}.wqkv`] = [c, 3 * c, [...block.wqkv.data]];
        weights[`block${index + 1}.wo`] = [c, c, [...block.wo.data]];
        weights[`block${index + 1}.w1`] = [c, 4 * c, [...block.w1.data]];
        weights[`block${index + 1}.w2`] = [4 * c, c, [...block.w2.data]];
      });
      return { label, script, weights };
    });
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ cases }));
    const run = runPython(python, ['test/monitor/export_check.py', '--same-weights', join(dir, 'spec.json')], { timeoutMs: 280_000 });
    assert.equal(run.status, 0, `export_check.py --same-weights failed:\n${run.stderr}`);
    const lines = JSON.parse(run.stdout) as Record<string, Record<string, (number | null)[] | number>>;
    let worst = 0;
    for (const { label, config } of variants) {
      const ts = (await runProbeToEnd(config)).metrics;
      const got = lines[label];
      const close = (a: number | null, b: number | null, what: string): void => {
        if (b === null) return assert.equal(a, null, `${label} ${what}`);
        const relative = Math.abs((a as number) - b) / Math.max(1, Math.abs(b));
        worst = Math.max(worst, relative);
        assert.ok(relative < 1e-3, `${label} ${what}: torch ${a} vs TS ${b}`);
      };
      close(got.loss as number, ts.loss[0], 'loss');
      for (const key of ['residualNorm', 'sumNorm', 'contribution', 'cosine', 'gradNorm', 'gradNormAttnOut', 'gradNormMlpOut'] as const) {
        const rows = ts[key] as (number | null)[][];
        rows.forEach((row, layer) => close((got[key] as (number | null)[])[layer], row[0], `${key}[${layer}]`));
      }
    }
    console.log(`same weights: largest relative difference torch vs TS over every metric and placement ${worst.toExponential(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the exported script under torchrun --nproc_per_node=2 (DDP, gloo) records what one process records', { timeout: 300_000 }, () => {
  const python = pythonWithTorch();
  assert.ok(python !== null, INSTALL_TORCH);
  const dir = mkdtempSync(join(tmpdir(), 'normscope-export-ddp-'));
  try {
    copyFileSync('src/python/normscope_monitor.py', join(dir, MONITOR_FILE_NAME));
    const script = join(dir, 'probe.py');
    writeFileSync(script, exportTorchScript(defaultProbeConfig({ ...base, placement: 'mixed', layers: 4 })));
    const flags = ['--steps', '3', '--every', '1', '--device', 'cpu', '--out'];
    const one = runPython(python, [script, ...flags, join(dir, 'one.normscope.jsonl')]);
    assert.equal(one.status, 0, one.stderr);
    // --redirects/--tee 2: Debian's torch 1.13 under Python 3.11 cannot parse torchrun's default "0".
    const two = runPython(python, ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', '--redirects', '2', '--tee', '2',
      script, ...flags, join(dir, 'two.normscope.jsonl')]);
    assert.equal(two.status, 0, two.stderr);
    const read = (name: string) => readFileSync(join(dir, name), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const single = read('one.normscope.jsonl');
    const double = read('two.normscope.jsonl');
    assert.equal((double[0].run as { worldSize: number }).worldSize, 2);
    assert.equal(double.length, single.length);
    let worst = 0;
    single.slice(1, -1).forEach((line, index) => {
      for (const key of ['loss', 'residualNorm', 'sumNorm', 'contribution', 'cosine', 'gradNorm']) {
        const a = [line[key]].flat() as (number | null)[];
        const b = [double[index + 1][key]].flat() as (number | null)[];
        a.forEach((value, i) => {
          if (value === null) return assert.equal(b[i], null);
          worst = Math.max(worst, Math.abs(value - (b[i] as number)) / Math.max(1, Math.abs(value)));
        });
      }
    });
    console.log(`exported probe, 1 process vs 2 DDP ranks: largest relative difference ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-5, `1 process vs 2 ranks differ by ${worst}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
