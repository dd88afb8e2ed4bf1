// Finds the Python that imports torch for the monitor and export tests. Debian's python3-torch installs
// for /usr/bin/python3, which is often not the python3 first on PATH (pyenv, venvs); NORMSCOPE_PYTHON
// names another. Missing torch is a failure with the way to install it, never a silent skip.

import { spawnSync } from 'node:child_process';

export const INSTALL_TORCH = 'the monitor and export tests need PyTorch: apt-get install -y python3-torch libopenblas0-pthread '
  + '(Debian; then /usr/bin/python3 imports torch), or set NORMSCOPE_PYTHON to a python that imports torch';

let found: string | null | undefined;

/** The first interpreter that imports torch, or null. */
export function pythonWithTorch(): string | null {
  if (found !== undefined) return found;
  const candidates = [process.env.NORMSCOPE_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter((c): c is string => !!c);
  found = candidates.find((python) => spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 }).status === 0) ?? null;
  return found;
}

/** Runs python with args; returns its status and output (the caller asserts). */
export function runPython(python: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(python, args, {
    cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 300_000,
    env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
