// `normscope probe FILE --export-torch out.py`: writes the probe of FILE's model as a standalone PyTorch
// script (src/core/export/torchScript.ts) at full width, and the monitor it imports beside it.

import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EXPORTABLE_PLACEMENTS, exportConfigFor, exportTorchScript, isExportable, MONITOR_FILE_NAME } from '../core/export/torchScript';
import type { AnalysedModel } from '../core/probe/probeConfig';
import type { ProbeConfig } from '../core/probe/types';
import { monitorPath } from './monitor';

/** Places the shipped monitor in `directory` unless a copy is there; never overwrites a changed copy. */
export function placeMonitor(directory: string, bundleDir: string): string {
  const shipped = monitorPath(bundleDir);
  const target = join(directory, MONITOR_FILE_NAME);
  if (shipped === null) return `${MONITOR_FILE_NAME} is missing from this install; copy it beside the script yourself`;
  if (!existsSync(target)) {
    copyFileSync(shipped, target);
    return `wrote ${target}`;
  }
  return readFileSync(target, 'utf8') === readFileSync(shipped, 'utf8')
    ? `${target} is already there`
    : `kept ${target}: it differs from this version's (${shipped}); replace it by hand to update`;
}

export function exportTorch(out: string, model: AnalysedModel, overrides: Partial<ProbeConfig>, source: string | null, bundleDir: string = __dirname): number {
  const { config, notes } = exportConfigFor(model, overrides);
  if (!isExportable(config.placement)) {
    process.stderr.write(`normscope probe: --export-torch cannot write ${config.placement} yet; it exports ${EXPORTABLE_PLACEMENTS.join(', ')} (pass --placement to export one of those)\n`);
    return 2;
  }
  writeFileSync(out, exportTorchScript(config, { source, fileName: basename(out) }));
  const lines = [
    ...notes.map((note) => `note: ${note}`),
    `wrote ${out}: ${config.placement}${config.rezero ? ' (ReZero)' : ''}, ${config.norm}, L=${config.layers}, d=${config.dModel}, ${config.heads} heads`,
    placeMonitor(dirname(out) || '.', bundleDir),
    `run it: python ${out}   or   torchrun --nproc_per_node=N ${out}`,
  ];
  process.stderr.write(lines.map((line) => `normscope probe: ${line}\n`).join(''));
  return 0;
}
