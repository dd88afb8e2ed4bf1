// `normscope probe`: argument parsing, the analyzed file feeding the probe, and the JSON document shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProbeArgs } from '../../src/cli/probeArgs';
import { formatProbeJson, progressLine, runJson } from '../../src/cli/probeOutput';
import { runProbeToEnd } from '../../src/core/probe/engine';
import { defaultProbeConfig, probeConfigFor } from '../../src/core/probe/probeConfig';
import { modelFromReport } from '../../src/core/probe/fromReport';
import type { BlockIR, FileReport } from '../../src/core/ir/model';

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/cli.js', 'probe', ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('arguments: flags become overrides, bad values say what was expected', () => {
  const parsed = parseProbeArgs(['model.py', '--placement', 'post', '--layers', '6', '--width', '32', '--lr', '3e-3', '--warmup', '10', '--compare', '--json']);
  assert.ok(!('error' in parsed) && !('help' in parsed));
  assert.equal(parsed.file, 'model.py');
  assert.equal(parsed.placement, 'post');
  assert.equal(parsed.layers, 6);
  assert.deepEqual(parsed.overrides, { dModel: 32, lr: 3e-3, warmup: 10 });
  assert.ok(parsed.compare && parsed.json);
  assert.deepEqual(parseProbeArgs(['--placement', 'prenorm']), { error: "--placement expects one of pre, post, sandwich, post-sublayer, deepnorm, parallel-pre, none, mixed, layernorm-scaling, attention-residuals, denseformer, hyper-connections, residual, admin, ngpt; got 'prenorm'" });
  const cure = parseProbeArgs(['--placement', 'attention-residuals', '--attnres-groups', '8', '--hyper-streams', '2', '--hyper-dynamic']);
  assert.ok('overrides' in cure);
  assert.deepEqual(cure.overrides, { attnResGroups: 8, hyperStreams: 2, hyperDynamic: true });
  assert.deepEqual(parseProbeArgs(['--placement', 'attention-residuals', '--attnres-groups', '0']), { error: "--attnres-groups expects an integer ≥ 1, got '0'" });
  assert.deepEqual(parseProbeArgs(['m.py', '--steps', '-3']), { error: "--steps expects an integer ≥ 0, got '-3'" });
  assert.deepEqual(parseProbeArgs(['m.py', '--lr']), { error: '--lr expects a value' });
  assert.deepEqual(parseProbeArgs([]), { error: 'give a model FILE, or --placement to probe a placement on its own' });
  assert.deepEqual(parseProbeArgs(['m.py', '--out', 'r.pdf']), { error: "--out expects an .html file name, got 'r.pdf'" });
});

const span = { line: 3, column: 0, endLine: 9, endColumn: 0, offset: 0, endOffset: 1 };
const block = (patch: Partial<BlockIR>): BlockIR => ({
  name: 'Block', line: 3, span, placement: 'pre', reason: '', sublayers: [], norm: 'layernorm', finalNorm: true,
  layers: 24, dModel: 1024, heads: 16, flag: null, normDefinitions: [], normUses: [], ...patch,
});
const report = (blocks: BlockIR[]): FileReport => ({ file: 'm.py', language: 'python', blocks, diagnostics: [] });

test('the analysed model: placement, norm, depth; a conditional block read at its flag\'s default', () => {
  const plain = modelFromReport(report([block({ norm: 'rmsnorm' })]));
  assert.ok(plain.ok);
  assert.deepEqual(plain.model, { placement: 'pre', norm: 'rmsnorm', layers: 24, dModel: 1024, heads: 16, rezero: false });
  const conditional = modelFromReport(report([block({ placement: 'conditional', flag: { name: 'norm_first', default: false, placements: { True: 'pre', False: 'post' } } })]));
  assert.ok(conditional.ok);
  assert.equal(conditional.model.placement, 'post');
  assert.match(conditional.notes[0], /norm_first defaults to False/);
  // A cure's parameters, as the analyzer read them, reach the probe's config.
  const blockAttnRes = modelFromReport(report([block({ placement: 'attention-residuals', variant: { groups: 8 } })]));
  assert.ok(blockAttnRes.ok);
  assert.equal(probeConfigFor(blockAttnRes.model).config.attnResGroups, 8);
  const hyper = modelFromReport(report([block({ placement: 'hyper-connections', variant: { streams: 2, dynamic: true } })]));
  assert.ok(hyper.ok);
  assert.deepEqual([hyper.model.hyperStreams, hyper.model.hyperDynamic], [2, true]);
  const unknown = modelFromReport(report([block({ placement: 'unknown', reason: 'norm applied in a helper' })]));
  assert.ok(!unknown.ok);
  assert.match(unknown.reason, /^m\.py:3: Block's placement is unknown \(norm applied in a helper\); pass --placement/);
});

test('the CLI probes a config.json at its depth with a small width, as JSON', () => {
  const run = cli(['examples/llama-config.json', '--steps', '0', '--seq', '4', '--batch', '1', '--layers', '3', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const document = JSON.parse(run.stdout);
  assert.equal(document.config.placement, 'pre');
  assert.equal(document.config.norm, 'rmsnorm');
  assert.equal(document.config.layers, 3);
  assert.equal(document.config.dModel, 64);
  assert.ok(document.clamped.some((note: string) => /^d \d+ → 64/.test(note)));
  assert.equal(document.metrics.residualNorm.length, 4);
  assert.equal(document.metrics.contribution.length, 3);
  assert.deepEqual(document.steps, [0]);
  assert.equal(document.theory.placement, 'pre');
  assert.equal(document.diverged, null);
  assert.equal(document.source.file, 'examples/llama-config.json');
});

test('the CLI probes a Python model file through the analyzer: BERT\'s Post-LN at its depth, ReZero as ReZero', () => {
  const bert = cli(['test/fixtures/python/bert_post.py', '--steps', '0', '--seq', '4', '--batch', '1', '--json']);
  assert.equal(bert.status, 0, bert.stderr);
  const document = JSON.parse(bert.stdout);
  assert.equal(document.config.placement, 'post');
  assert.equal(document.config.layers, 12);
  assert.equal(document.source.block, 'BertLayer');
  assert.ok(document.clamped.includes('d 768 → 64: probed at its depth with a small width'));
  const rezero = JSON.parse(cli(['test/fixtures/python/rezero.py', '--steps', '0', '--seq', '4', '--batch', '1', '--json']).stdout);
  assert.equal(rezero.config.placement, 'none');
  assert.equal(rezero.config.rezero, true);
  // ReZero is the identity at init: every block leaves the stream as the embedding made it.
  const norms = rezero.metrics.residualNorm.map((row: number[]) => row[0]);
  assert.ok(norms.every((v: number) => Math.abs(v - norms[0]) < 1e-6), `${norms}`);
});

test('the CLI with --compare runs the counterparts on the same seed and prints {runs: [...]}', () => {
  const run = cli(['--placement', 'pre', '--layers', '2', '--width', '16', '--seq', '4', '--batch', '2', '--steps', '2', '--compare', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const { runs } = JSON.parse(run.stdout);
  assert.deepEqual(runs.map((r: { config: { placement: string } }) => r.config.placement), ['pre', 'post']);
  assert.equal(runs[0].config.seed, runs[1].config.seed);
  assert.equal(runs[1].source, null);
});

test('the CLI writes the self-contained HTML report with --out, and runs on gpu.js with --backend gpujs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-probe-'));
  const out = join(dir, 'report.html');
  const run = cli(['--placement', 'post', '--layers', '2', '--width', '16', '--seq', '4', '--batch', '2', '--steps', '1', '--compare', '--out', out]);
  assert.equal(run.status, 0, run.stderr);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/i);
  assert.match(html, /NormScope probe: post vs pre/);
  // Self-contained: no script or stylesheet is fetched from elsewhere.
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i);
  rmSync(dir, { recursive: true });
  const gpu = cli(['--placement', 'pre', '--layers', '2', '--width', '16', '--seq', '4', '--batch', '2', '--steps', '1', '--backend', 'gpujs', '--json']);
  assert.equal(gpu.status, 0, gpu.stderr);
  const document = JSON.parse(gpu.stdout);
  assert.equal(document.config.backend, 'gpujs');
  assert.ok(document.metrics.loss.every(Number.isFinite));
});

test('the CLI refuses a file it cannot read, saying what to do instead', () => {
  const run = cli(['missing.py']);
  assert.match(run.stderr, /missing\.py: cannot read missing\.py: no such file or folder; pass --placement/);
  assert.equal(run.status, 2);
});

test('the progress bar fills with the steps done; JSON writes a diverged run\'s non-finite values as null', async () => {
  const result = await runProbeToEnd(defaultProbeConfig({ layers: 1, dModel: 8, heads: 2, seq: 4, batch: 1, vocab: 8, steps: 4, recordEvery: 2 }));
  const half = progressLine({ step: 2, totalSteps: 4, result, done: false }, 'pre', 10);
  assert.match(half, /^\[#####-----\]  50%  pre  step 2\/4  loss \d\.\d\d$/);
  assert.match(progressLine({ step: 4, totalSteps: 4, result, done: true }, 'pre', 10), /^\[##########\] 100%/);
  const diverged = { ...result, diverged: { step: 4, what: 'loss' }, metrics: { ...result.metrics, loss: [...result.metrics.loss.slice(0, -1), Number.NaN] } };
  const document = JSON.parse(formatProbeJson([runJson(diverged, null)], false));
  assert.equal(document.metrics.loss.at(-1), null);
  assert.deepEqual(document.diverged, { step: 4, what: 'loss' });
  assert.deepEqual(Object.keys(JSON.parse(formatProbeJson([runJson(result, null), runJson(result, null)], true))), ['runs']);
});
