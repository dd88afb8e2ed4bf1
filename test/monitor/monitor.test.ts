// The PyTorch monitor's own suites (test/monitor/test_*.py, run with the Python that imports torch), and
// the CLI that says where the shipped copy lives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { INSTALL_TORCH, pythonWithTorch, runPython } from './python';

test('PyTorch is importable for the monitor tests', () => {
  assert.ok(pythonWithTorch() !== null, INSTALL_TORCH);
});

for (const suite of ['test_monitor.py', 'test_distributed.py']) {
  test(`python: ${suite}`, { timeout: 300_000 }, () => {
    const python = pythonWithTorch();
    assert.ok(python !== null, INSTALL_TORCH);
    const run = runPython(python, [suite], { cwd: 'test/monitor' });
    assert.equal(run.status, 0, `${suite} failed:\n${run.stdout}\n${run.stderr}`);
  });
}

test('normscope monitor --print-path prints the shipped monitor, identical to the source', () => {
  const run = spawnSync(process.execPath, ['dist/cli.js', 'monitor', '--print-path'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const path = run.stdout.trim();
  assert.match(path, /dist[\\/]normscope_monitor\.py$/);
  assert.equal(readFileSync(path, 'utf8'), readFileSync('src/python/normscope_monitor.py', 'utf8'));
  const bad = spawnSync(process.execPath, ['dist/cli.js', 'monitor', '--where'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown argument '--where'/);
  assert.ok(readFileSync('.vscodeignore', 'utf8').includes('!dist/normscope_monitor.py'), 'the .vsix ships the monitor');
});
