// `normscope view`: recorded runs from run files written as docs/run-format.md says, rendered as the
// probe's report (heatmaps, loss, theory), as JSON, and with clear FILE:LINE messages for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { parseViewArgs } from '../../src/cli/view';
import { everySteps, residualAt, runFileText } from '../runs/runFixtures';

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/cli.js', 'view', ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A project folder: model.py (the Post-LN example) at its root and run files under runs/. */
function project(): { dir: string; file: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-view-'));
  mkdirSync(join(dir, 'runs'));
  copyFileSync('examples/bert_post_ln.py', join(dir, 'model.py'));
  return {
    dir,
    file: (name, text) => {
      const path = join(dir, 'runs', name);
      writeFileSync(path, text);
      return path;
    },
  };
}

test('arguments: files, --out, --json; a missing file list or a bad flag says so', () => {
  assert.deepEqual(parseViewArgs(['a.jsonl', 'b.jsonl', '--out', 'r.html', '--json']), { files: ['a.jsonl', 'b.jsonl'], out: 'r.html', json: true, detect: true });
  assert.deepEqual(parseViewArgs([]), { error: 'give at least one run file (*.normscope.jsonl)' });
  assert.deepEqual(parseViewArgs(['a.jsonl', '--out']), { error: '--out expects a file name (report.html)' });
  assert.deepEqual(parseViewArgs(['a.jsonl', '--colour']), { error: "unknown option '--colour'" });
});

test('--json: two runs with their header facts, metrics laid out as probe --json, theory when the placement is known', () => {
  const { dir, file } = project();
  try {
    const pre = file('pre.normscope.jsonl', runFileText({ layers: 6, steps: everySteps(12), name: 'gpt-pre', close: true }));
    const unknown = file('other.normscope.jsonl', runFileText({ layers: 4, steps: everySteps(5), name: 'mystery', placement: null, model: 'missing.py' }));
    const run = cli([pre, unknown, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const document = JSON.parse(run.stdout);
    assert.deepEqual(document.diagnostics, []);
    assert.equal(document.runs.length, 2);
    const [first, second] = document.runs;
    assert.equal(first.recorded.name, 'gpt-pre');
    assert.equal(first.recorded.closed, true);
    assert.deepEqual(first.steps, everySteps(12));
    assert.equal(first.metrics.residualNorm.length, 7);
    assert.equal(first.metrics.contribution.length, 6);
    assert.equal(first.metrics.residualNorm[4][11], residualAt(4, 110));
    assert.equal(first.theory.placement, 'pre');
    assert.equal(first.theory.layers, 6);
    assert.ok(first.theory.series.some((s: { id: string }) => s.id === 'pre-band'));
    assert.equal(second.recorded.placement, null);
    assert.equal(second.theory, null);
    assert.equal(second.recorded.closed, false);
    assert.match(second.recorded.notes.join(' '), /does not say its placement/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a header without a placement takes it from the model file it names (analysed, never run)', () => {
  const { dir, file } = project();
  try {
    const path = file('bert.normscope.jsonl', runFileText({ layers: 4, steps: everySteps(3), placement: null, model: 'model.py', blockClass: 'EncoderLayer' }));
    const run = cli([path, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const [recorded] = JSON.parse(run.stdout).runs;
    assert.equal(recorded.recorded.placement, 'post');
    assert.match(recorded.recorded.notes.join(' '), /Placement post detected by the analyzer in model\.py \(EncoderLayer\)/);
    assert.equal(recorded.theory.placement, 'post');
    const off = JSON.parse(cli([path, '--json', '--no-detect']).stdout).runs[0];
    assert.equal(off.recorded.placement, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--out: the same report as probe, a column per recorded run with heatmaps, loss and the theory band', () => {
  const { dir, file } = project();
  try {
    const a = file('a.normscope.jsonl', runFileText({ layers: 6, steps: everySteps(20), name: 'run-a', close: true }));
    const b = file('b.normscope.jsonl', runFileText({ layers: 6, steps: everySteps(8), name: 'run-b', placement: 'post' }));
    const out = join(dir, 'report.html');
    const run = cli([a, b, '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /run-a · .*a\.normscope\.jsonl · monitor · pre · layernorm · L=6 d=768/);
    assert.match(run.stdout, /20 recorded steps \(every 10\), step 0 → 190/);
    const dom = new JSDOM(readFileSync(out, 'utf8'), { runScripts: 'dangerously' });
    const doc = dom.window.document;
    assert.equal(doc.getElementById('app')!.getAttribute('data-rendered'), '2', doc.getElementById('app')!.textContent ?? '');
    assert.deepEqual([...doc.querySelectorAll('.ns-cell-header h2')].map((h) => h.textContent), ['run-a · Pre-LN', 'run-b · Post-LN']);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual([...doc.querySelectorAll(`[data-run="${i}"] svg.ns-heatmap`)].map((s) => s.getAttribute('data-metric')),
        ['residualNorm', 'contribution', 'gradNorm', 'cosine']);
      assert.equal(doc.querySelectorAll(`[data-run="${i}"] svg.ns-diagram`).length, 1);
      assert.match(doc.querySelector(`[data-run="${i}"] table.ns-config caption`)!.textContent!, /Recorded run/);
    }
    assert.match(doc.querySelector('[data-run="1"] .ns-run-notes')!.textContent!, /still being written/);
    assert.ok(doc.querySelector('svg.ns-chart-theory-residualNorm path.ns-band'), 'the Pre-LN band over the measurement');
    assert.equal(doc.querySelectorAll('svg.ns-chart-loss g.ns-lines path.ns-line').length, 2);
    dom.window.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: FILE:LINE messages; exit 0 while one run can be shown, 1 when none can', () => {
  const { dir, file } = project();
  try {
    const good = file('good.normscope.jsonl', runFileText({ layers: 2, steps: everySteps(3) }));
    const foreign = file('metrics.jsonl', '{"epoch": 1, "acc": 0.9}\n');
    const empty = file('empty.normscope.jsonl', '');
    const both = cli([good, foreign, '--json']);
    assert.equal(both.status, 0);
    assert.match(both.stderr, /metrics\.jsonl:1: error: expected the header .*not a NormScope run file/);
    assert.equal(JSON.parse(both.stdout).diagnostics[0].file, foreign);
    const none = cli([foreign, empty, join(dir, 'nope.jsonl')]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /empty\.normscope\.jsonl:1: error: the file is empty/);
    assert.match(none.stderr, /nope\.jsonl:1: error: cannot read the run file: no such file/);
    assert.match(none.stderr, /nothing to show: no recorded step could be read/);
    assert.equal(none.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
