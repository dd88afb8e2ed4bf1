// `normscope sweep` arguments: the depths, the placements compared, the probe flags shared with `probe`,
// and how many runs go at once; each wrong value gets a message that names the flag and what it expects.

import { PLACEMENTS } from '../core/ir/model';
import { DEFAULT_SWEEP_LAYERS, DEFAULT_SWEEP_STEPS, parseDepthList } from '../core/probe/sweep';
import type { ProbeConfig } from '../core/probe/types';
import { htmlFile, integerAtLeast, isError, normValue, positiveNumber } from './flagValues';
import { INTEGER_FLAGS } from './probeArgs';

/** A sweep trains many runs: fewer steps than `probe` by default (core/probe/sweep.ts), so the README's sweep takes minutes. */
export { DEFAULT_SWEEP_STEPS };

export const SWEEP_USAGE = `Usage: normscope sweep FILE [options]

Trains the probe of FILE's transformer at several depths L, under its own placement and the compared ones,
and plots against L: the final loss, the last block's contribution (with Pre-LN's predicted √(δ/(1+Lδ)) ~ 1/√L)
and layer importance (the held-out loss rise when a block is skipped: the last third's share). The runs go
in parallel, one per core; Ctrl-C stops them and keeps what finished.

Options:
  --layers L,L,...    depths to probe (default ${DEFAULT_SWEEP_LAYERS.join(',')})
  --compare P,...     placements to compare with FILE's (default: its counterparts, as probe --compare);
                      a placement the probe cannot train yet is listed as such, with no points
  --placement P       the placement to sweep instead of FILE's (FILE may then be omitted)
  --norm N            layernorm | rmsnorm (default: FILE's, else layernorm)
  --steps N           training steps per run (default ${DEFAULT_SWEEP_STEPS})
  --width N           probe width d (default 64, or FILE's if smaller)
  --heads N  --seq N  --batch N  --lr X  --warmup N  --seed N  --record-every N   as for probe
  --jobs N            runs at once (default: the number of cores)
  --json              print the sweep as JSON
  --out FILE.html     write the self-contained sweep report
  -h, --help          show this help
`;

export interface SweepArgs {
  file: string | null;
  placement: string | null;
  compare: string[] | null;
  layers: number[];
  norm: ProbeConfig['norm'] | null;
  jobs: number | null;
  json: boolean;
  out: string | null;
  overrides: Partial<ProbeConfig>;
}


const KNOWN: ReadonlySet<string> = new Set<string>(PLACEMENTS.filter((p) => p !== 'conditional' && p !== 'unknown'));

function placementList(flag: string, raw: string): string[] | { error: string } {
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) return { error: `${flag} expects placements separated by commas, got '${raw}'` };
  const wrong = names.find((name) => !KNOWN.has(name));
  if (wrong !== undefined) return { error: `${flag}: '${wrong}' is not a placement; expected any of ${[...KNOWN].join(', ')}` };
  return names;
}

export function parseSweepArgs(argv: readonly string[]): SweepArgs | { error: string } | { help: true } {
  const args: SweepArgs = {
    file: null, placement: null, compare: null, layers: [...DEFAULT_SWEEP_LAYERS], norm: null, jobs: null, json: false, out: null,
    overrides: { steps: DEFAULT_SWEEP_STEPS },
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '-h' || flag === '--help') return { help: true };
    if (flag === '--json') { args.json = true; continue; }
    if (!flag.startsWith('-')) {
      if (args.file !== null) return { error: `one FILE at a time (got '${args.file}' and '${flag}')` };
      args.file = flag;
      continue;
    }
    const raw = argv[i + 1];
    if (raw === undefined || raw.startsWith('--')) return { error: `${flag} expects a value` };
    i++;
    if (flag in INTEGER_FLAGS) {
      const { key, min } = INTEGER_FLAGS[flag];
      const n = integerAtLeast(flag, raw, min);
      if (isError(n)) return n;
      (args.overrides as Record<string, number>)[key] = n;
      continue;
    }
    switch (flag) {
      case '--layers': {
        const parsed = parseDepthList(raw);
        if ('error' in parsed) return { error: `--layers expects ${parsed.error}` };
        args.layers = parsed.depths;
        break;
      }
      case '--compare': {
        const list = placementList(flag, raw);
        if (!Array.isArray(list)) return list;
        args.compare = list;
        break;
      }
      case '--placement': {
        const list = placementList(flag, raw);
        if (!Array.isArray(list)) return list;
        if (list.length !== 1) return { error: `--placement expects one placement; use --compare for more, got '${raw}'` };
        args.placement = list[0];
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
      case '--jobs': {
        const jobs = integerAtLeast(flag, raw, 1);
        if (isError(jobs)) return jobs;
        args.jobs = jobs;
        break;
      }
      case '--out': {
        const out = htmlFile(raw);
        if (isError(out)) return out;
        args.out = out;
        break;
      }
      default:
        return { error: `unknown option '${flag}'` };
    }
  }
  if (args.file === null && args.placement === null) return { error: 'give a model FILE, or --placement to sweep a placement on its own' };
  return args;
}
