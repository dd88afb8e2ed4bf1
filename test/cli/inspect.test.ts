// The built command line, run as users run it: `node dist/cli.js inspect … [--json]`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'dist/cli.js');
const CONFIGS = 'test/fixtures/config';

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, 'inspect', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface JsonDocument {
  files: {
    file: string;
    language: string;
    blocks: { name: string; line: number; placement: string; sublayers: { kind: string; placement: string; line: number }[]; norm: string | null; finalNorm: boolean | null; layers: number | null; dModel: number | null; flag: { name: string; default: unknown; placements: Record<string, string> } | null }[];
    diagnostics: { severity: string; message: string; line: number }[];
  }[];
}

test('--json prints one document with the fields issue 2 names', () => {
  const files = [`${CONFIGS}/llama-3-8b.json`, `${CONFIGS}/opt-350m.json`, `${CONFIGS}/package.json`, 'no/such/file.py'];
  const { status, stdout, stderr } = run(...files, '--json');
  assert.equal(status, 0, stderr);
  const doc = JSON.parse(stdout) as JsonDocument;
  assert.deepEqual(Object.keys(doc), ['files']);
  assert.deepEqual(doc.files.map((f) => f.file), files);
  for (const file of doc.files) {
    for (const key of ['file', 'blocks', 'diagnostics']) assert.ok(key in file, key);
    for (const block of file.blocks) {
      for (const key of ['name', 'line', 'placement', 'sublayers', 'norm', 'finalNorm', 'layers', 'dModel', 'flag']) assert.ok(key in block, key);
      for (const sub of block.sublayers) assert.deepEqual(['kind', 'placement', 'line'].filter((key) => !(key in sub)), []);
    }
    for (const d of file.diagnostics) assert.deepEqual(['severity', 'message', 'line'].filter((key) => !(key in d)), []);
  }
  const [llama, opt, pkg, missing] = doc.files;
  assert.deepEqual(
    { ...llama.blocks[0], sublayers: llama.blocks[0].sublayers.map(({ kind, placement }) => ({ kind, placement })) },
    { ...llama.blocks[0], name: 'llama', placement: 'pre', norm: 'rmsnorm', finalNorm: true, layers: 32, dModel: 4096, flag: null,
      sublayers: [{ kind: 'attention', placement: 'pre' }, { kind: 'mlp', placement: 'pre' }] },
  );
  assert.deepEqual(opt.blocks[0].flag, { name: 'do_layer_norm_before', default: true, placements: { true: 'pre', false: 'post' } });
  assert.equal(opt.blocks[0].placement, 'post');
  assert.deepEqual(pkg.blocks, []);
  assert.match(pkg.diagnostics[0].message, /not a Hugging Face model config/);
  assert.deepEqual(missing.diagnostics.map((d) => [d.severity, d.line]), [['error', 0]]);
  assert.match(missing.diagnostics[0].message, /no such file/);
});

test('the table aligns its columns and lists diagnostics as file:line: severity: message', () => {
  const { status, stdout } = run(`${CONFIGS}/gemma2-9b.json`, `${CONFIGS}/pythia-160m.json`, `${CONFIGS}/invalid-missing-comma.json`);
  assert.equal(status, 0);
  const [table, diagnostics, summary] = stdout.split('\n\n');
  assert.equal(summary, '3 files, 2 blocks; 1 error, 0 warnings, 0 info\n');
  const lines = table.split('\n');
  assert.match(lines[0], /^FILE\s+BLOCK\s+LINE\s+PLACEMENT\s+SUBLAYERS\s+NORM\s+FINAL NORM\s+LAYERS\s+D\s+FLAG$/);
  const column = lines[0].indexOf('PLACEMENT');
  assert.equal(lines[1].slice(column).split(/\s{2,}/)[0], 'sandwich');
  assert.equal(lines[2].slice(column).split(/\s{2,}/)[0], 'parallel-pre');
  assert.equal(lines[3].slice(column).split(/\s{2,}/)[0], '-');
  assert.match(lines[1], /rmsnorm\s+yes\s+42\s+3584\s+-$/);
  assert.match(lines[2], /use_parallel_residual \(true→parallel-pre, false→pre; default true\)$/);
  assert.equal(diagnostics.trim(), `${CONFIGS}/invalid-missing-comma.json:5: error: invalid JSON at line 5, column 3: expected ',' or '}' after the value of "num_hidden_layers" but found '"'`);
});

test('a folder is walked for .json and .py files', () => {
  const doc = JSON.parse(run(CONFIGS, '--json').stdout) as JsonDocument;
  const expected = readdirSync(CONFIGS).filter((name) => name.endsWith('.json')).sort().map((name) => join(CONFIGS, name));
  assert.deepEqual(doc.files.map((f) => f.file), expected);
});

test('wrong arguments exit 2 with the usage; help exits 0', () => {
  for (const args of [[], ['--bogus', 'x.py'], ['--max-bytes', 'lots', 'x.py'], ['--config']]) {
    const { status, stderr, stdout } = run(...args);
    assert.equal(status, 2, `args ${args.join(' ')}`);
    assert.equal(stdout, '');
    assert.match(stderr, /^normscope inspect: .+\n\nUsage: normscope inspect FILE\.\.\./);
  }
  assert.match(execFileSync(process.execPath, [CLI, 'inspect', '--help'], { encoding: 'utf8' }), /--json/);
});

test('a .py file goes through the Python analyzer, a .ts file is not read as Python', () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-cli-'));
  writeFileSync(join(dir, 'model.py'), 'import torch\n');
  const doc = JSON.parse(run(join(dir, 'model.py'), 'src/core/ir/model.ts', '--json').stdout) as JsonDocument;
  assert.deepEqual(doc.files.map((f) => f.language), ['python', 'unknown']);
  assert.deepEqual(doc.files[1].diagnostics.map((d) => d.message), ['not a file NormScope reads: expected a Python model file (.py) or a Hugging Face config.json']);
});

test('a config.json beside a .py file is used unless --no-config; --config names one explicitly', () => {
  const placement = (...args: string[]): [string, number | null] => {
    const [block] = (JSON.parse(run(...args, '--json').stdout) as JsonDocument).files[0].blocks;
    return [block.placement, block.layers];
  };
  assert.deepEqual(placement('test/fixtures/sibling/modeling_tiny.py'), ['pre', 6]);
  assert.deepEqual(placement('test/fixtures/sibling/modeling_tiny.py', '--no-config'), ['conditional', null]);
  assert.deepEqual(placement('test/fixtures/sibling/modeling_tiny.py', '--config', `${CONFIGS}/pythia-160m.json`), ['parallel-pre', 12]);
});

test('an empty folder is a warning and a symbolic link back up the tree is walked once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-walk-'));
  mkdirSync(join(dir, 'empty'));
  mkdirSync(join(dir, 'models'));
  writeFileSync(join(dir, 'models', 'config.json'), '{"model_type": "gpt2", "n_layer": 2}');
  symlinkSync(dir, join(dir, 'models', 'loop'));
  const doc = JSON.parse(run(join(dir, 'empty'), join(dir, 'models'), '--json').stdout) as JsonDocument;
  assert.deepEqual(doc.files.map((f) => f.file), [join(dir, 'empty'), join(dir, 'models', 'config.json')]);
  assert.match(doc.files[0].diagnostics[0].message, /no \.py or \.json files in this folder/);
});

test('a Python file that overruns the hard limit is stopped, and the run goes on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-limit-'));
  const block = (n: number): string => `class Block${n}(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n        self.ln = nn.LayerNorm(d)\n        self.mlp = nn.Linear(d, d)\n\n    def forward(self, x):\n        return x + self.mlp(self.ln(x))\n\n\n`;
  writeFileSync(join(dir, 'big.py'), `import torch.nn as nn\n\n\n${Array.from({ length: 300 }, (_, n) => block(n)).join('')}`);
  // A 1 ms budget gives a 3 ms hard limit: starting the worker alone takes longer, so the stop is certain.
  const { status, stdout } = run(join(dir, 'big.py'), `${CONFIGS}/gpt2.json`, '--time-budget', '1', '--json');
  assert.equal(status, 0);
  const doc = JSON.parse(stdout) as JsonDocument;
  assert.deepEqual(doc.files[0].blocks, []);
  assert.deepEqual(doc.files[0].diagnostics.map((d) => [d.severity, (d as { code?: string }).code]), [['error', 'time-budget']]);
  assert.match(doc.files[0].diagnostics[0].message, /did not finish within 3 ms \(3× the 1 ms budget per file\) and was stopped/);
  assert.equal(doc.files[1].blocks[0].placement, 'pre');
});
