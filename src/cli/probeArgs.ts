// `normscope probe` arguments: parsing and validation into one typed object, with messages that say
// which flag was wrong and what it expects.

import { PROBE_PLACEMENTS, isProbePlacement } from '../core/probe/types';
import type { ProbeConfig, ProbePlacement } from '../core/probe/types';
import { htmlFile, integerAtLeast, isError, normValue, positiveNumber } from './flagValues';

export const PROBE_USAGE = `Usage: normscope probe [FILE] [options]

Trains a scaled-down copy of FILE's transformer (same placement, norm and depth, small width) for a few
hundred steps on a synthetic task and measures the residual stream (DESIGN.md's metrics) beside theory.
FILE is a Python model file or a config.json; without FILE, --placement is required.

Options:
  --placement P       ${PROBE_PLACEMENTS.slice(0, 8).join(' | ')}
                      | ${PROBE_PLACEMENTS.slice(8).join(' | ')}
  --layers N          depth L (default: FILE's, else 12)
  --norm N            layernorm | rmsnorm (default: FILE's, else layernorm)
  --rezero            with --placement none: ReZero gates (α = 0 at init) instead of a plain sum
  --attnres-groups N  with attention-residuals: Block AttnRes over N groups (default: Full AttnRes)
  --hyper-streams N   with hyper-connections: n streams, 1–8 (default 4)
  --hyper-dynamic     with hyper-connections: dynamic (input-dependent) connections
  --compare           also run the counterpart placement(s) on the same seed and data
  --steps N           training steps (default 200)
  --width N           probe width d (default 64, or FILE's if smaller)
  --heads N           attention heads (default: FILE's if they fit, else 4)
  --seq N             tokens per sequence (default 32)
  --batch N           sequences per batch (default 8)
  --lr X              Adam learning rate (default 0.001)
  --warmup N          linear warm-up steps (default 0)
  --seed N            seed for initialisation and data (default 1)
  --record-every N    record metrics every N steps (default 10)
  --backend B         auto | cpu | gpujs (default auto)
  --json              print the results as JSON ({runs: [...]} with --compare)
  --out FILE.html     write the self-contained HTML report
  --export-torch F.py write the probe as a standalone PyTorch script (full width; torchrun/DDP; records
                      through normscope_monitor.py, written beside it) instead of running it
  -h, --help          show this help
`;

export { PROBE_PLACEMENTS };

export interface ProbeArgs {
  file: string | null;
  placement: ProbePlacement | null;
  layers: number | null;
  norm: ProbeConfig['norm'] | null;
  rezero: boolean;
  compare: boolean;
  json: boolean;
  out: string | null;
  /** --export-torch: the script to write instead of running the probe. */
  exportTorch: string | null;
  backend: 'auto' | 'cpu' | 'gpujs';
  /** Explicit overrides of the probe config (only the flags given). */
  overrides: Partial<ProbeConfig>;
}

/** The integer flags `probe` and `sweep` share, with the config key each sets and its least value. */
export const INTEGER_FLAGS: Record<string, { key: keyof ProbeConfig; min: number }> = {
  '--steps': { key: 'steps', min: 0 },
  '--width': { key: 'dModel', min: 1 },
  '--heads': { key: 'heads', min: 1 },
  '--seq': { key: 'seq', min: 2 },
  '--batch': { key: 'batch', min: 1 },
  '--warmup': { key: 'warmup', min: 0 },
  '--seed': { key: 'seed', min: 0 },
  '--record-every': { key: 'recordEvery', min: 1 },
  '--attnres-groups': { key: 'attnResGroups', min: 1 },
  '--hyper-streams': { key: 'hyperStreams', min: 1 },
};

export function parseProbeArgs(argv: readonly string[]): ProbeArgs | { error: string } | { help: true } {
  const args: ProbeArgs = {
    file: null, placement: null, layers: null, norm: null, rezero: false, compare: false, json: false, out: null, exportTorch: null, backend: 'auto', overrides: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string | { error: string } => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) return { error: `${flag} expects a value` };
      i++;
      return next;
    };
    if (flag === '-h' || flag === '--help') return { help: true };
    if (flag === '--compare') { args.compare = true; continue; }
    if (flag === '--json') { args.json = true; continue; }
    if (flag === '--rezero') { args.rezero = true; continue; }
    if (flag === '--hyper-dynamic') { args.overrides.hyperDynamic = true; continue; }
    if (!flag.startsWith('-')) {
      if (args.file !== null) return { error: `one FILE at a time (got '${args.file}' and '${flag}')` };
      args.file = flag;
      continue;
    }
    const raw = value();
    if (typeof raw !== 'string') return raw;
    if (flag in INTEGER_FLAGS) {
      const { key, min } = INTEGER_FLAGS[flag];
      const n = integerAtLeast(flag, raw, min);
      if (isError(n)) return n;
      (args.overrides as Record<string, number>)[key] = n;
      continue;
    }
    switch (flag) {
      case '--placement':
        if (!isProbePlacement(raw)) return { error: `--placement expects one of ${PROBE_PLACEMENTS.join(', ')}; got '${raw}'` };
        args.placement = raw as ProbePlacement;
        break;
      case '--layers': {
        const layers = integerAtLeast(flag, raw, 1);
        if (isError(layers)) return layers;
        args.layers = layers;
        break;
      }
      case '--norm': {
        const norm = normValue(raw);
        if (isError(norm)) return norm;
        args.norm = norm;
        break;
      }
      case '--lr': {
        const lr = positiveNumber(flag, raw);
        if (isError(lr)) return lr;
        args.overrides.lr = lr;
        break;
      }
      case '--backend':
        if (raw !== 'auto' && raw !== 'cpu' && raw !== 'gpujs') return { error: `--backend expects auto, cpu or gpujs, got '${raw}'` };
        args.backend = raw;
        break;
      case '--out': {
        const out = htmlFile(raw);
        if (isError(out)) return out;
        args.out = out;
        break;
      }
      case '--export-torch':
        if (!/\.py$/i.test(raw)) return { error: `--export-torch expects a .py file name, got '${raw}'` };
        args.exportTorch = raw;
        break;
      default:
        return { error: `unknown option '${flag}'` };
    }
  }
  if (args.file === null && args.placement === null) return { error: 'give a model FILE, or --placement to probe a placement on its own' };
  if (args.rezero && (args.placement ?? 'none') !== 'none') return { error: '--rezero applies to --placement none only' };
  return args;
}
