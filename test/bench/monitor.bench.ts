// The PyTorch monitor's overhead on a nanoGPT-sized model on CPU (test/bench/monitor_overhead.py, run
// with the python that imports torch). Prints figures, asserts nothing.
import { spawnSync } from 'node:child_process';
import { INSTALL_TORCH, pythonWithTorch } from '../monitor/python';

const python = pythonWithTorch();
if (python === null) {
  process.stderr.write(`bench:monitor: ${INSTALL_TORCH}\n`);
  process.exitCode = 1;
} else {
  const run = spawnSync(python, ['test/bench/monitor_overhead.py', ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
}
