// The `normscope` command line: the same core as the extension, headless.
//   normscope inspect FILE... [--json]
//   normscope probe FILE [options]
//   normscope monitor --print-path
//   normscope view RUN.jsonl... [--out report.html] [--json]
//   normscope sweep FILE [options]

import { runInspect } from './inspect';
import { runMonitor } from './monitor';
import { runProbe } from './probe';
import { runView } from './view';
import { runSweepCommand } from './sweep';

const USAGE = `Usage:
  normscope inspect FILE... [--json]      where every norm sits, per transformer block
  normscope probe FILE [options]          a short probe training of the same placement and depth
  normscope monitor --print-path          where the PyTorch training monitor (normscope_monitor.py) is
  normscope view RUN.jsonl... [options]   the same views from training runs recorded by the monitor
  normscope sweep FILE [options]          the probe at several depths, placements compared, plotted against L
  normscope --help
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'inspect':
      return runInspect(rest);
    case 'probe':
      return runProbe(rest);
    case 'monitor':
      return runMonitor(rest);
    case 'view':
      return runView(rest);
    case 'sweep':
      return runSweepCommand(rest);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`normscope: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`normscope: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
