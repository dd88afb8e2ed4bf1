// `normscope monitor --print-path`: where the PyTorch training monitor (normscope_monitor.py) is
// installed, so a training script or a shell can copy or import it: cp "$(npx normscope monitor --print-path)" .

import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const MONITOR_USAGE = `Usage: normscope monitor --print-path

Prints the path of normscope_monitor.py, the one-file PyTorch monitor (torch only) that records a real
training run (also under torchrun) into a .normscope.jsonl run file NormScope opens. Copy it beside your
training script:
  cp "$(npx normscope monitor --print-path)" .
then, in the training loop:
  from normscope_monitor import Monitor
  mon = Monitor(model, out="runs/NAME.normscope.jsonl", every=10, optimizer=optimizer)
  ...; loss.backward(); mon.step(step, loss); optimizer.step()
The run file's format: docs/run-format.md.
`;

export const MONITOR_FILE = 'normscope_monitor.py';

/** The shipped monitor: beside the bundle (dist/), else the source tree when run from a checkout. */
export function monitorPath(bundleDir: string): string | null {
  const candidates = [join(bundleDir, MONITOR_FILE), join(bundleDir, '..', 'src', 'python', MONITOR_FILE)];
  return candidates.find((path) => existsSync(path)) ?? null;
}

export function runMonitor(argv: string[], bundleDir: string = __dirname): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(MONITOR_USAGE);
    return 0;
  }
  const unknown = argv.filter((arg) => arg !== '--print-path');
  if (unknown.length > 0 || argv.length === 0) {
    const what = unknown.length > 0 ? `unknown argument '${unknown[0]}'` : 'say what to do (--print-path)';
    process.stderr.write(`normscope monitor: ${what}\n\n${MONITOR_USAGE}`);
    return 2;
  }
  const path = monitorPath(bundleDir);
  if (path === null) {
    process.stderr.write(`normscope monitor: ${MONITOR_FILE} is missing beside ${bundleDir}; rebuild with \`node esbuild.mjs\`\n`);
    return 1;
  }
  process.stdout.write(`${path}\n`);
  return 0;
}
