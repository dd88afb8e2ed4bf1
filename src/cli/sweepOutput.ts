// What `normscope sweep` prints: the table of the sweep's three numbers per placement and depth, the notes
// on placements it could not probe, and the one-line progress bar drawn on stderr.

import { PLACEMENT_TITLES } from '../core/graph/placementInfo';
import type { Placement } from '../core/ir/model';
import { preLnLastContribution } from '../core/probe/sweep';
import type { SweepPoint, SweepResult } from '../core/probe/sweep';
import type { SweepProgress } from '../node/sweepRunner';

const fixed = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);

function title(placement: string): string {
  return PLACEMENT_TITLES[placement as Placement] ?? placement;
}

/** `[#####-----]  50%  7/16 runs  pre L=24 step 40/100`. */
export function sweepProgressLine(progress: SweepProgress, width = 24): string {
  const fraction = progress.totalSteps > 0 ? Math.min(1, progress.steps / progress.totalSteps) : 1;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${progress.done}/${progress.total} runs  ${progress.latest}`;
}

/** Rows of `label  value value …` under a header of depths, padded into columns. */
function section(heading: string, layers: number[], rows: [string, string[]][]): string[] {
  const labelWidth = Math.max(28, ...rows.map(([label]) => label.length + 4));
  const cellWidth = Math.max(8, ...rows.flatMap(([, cells]) => cells.map((c) => c.length + 2)));
  const header = `${heading}\n${''.padEnd(labelWidth)}${layers.map((L) => `L=${L}`.padStart(cellWidth)).join('')}`;
  return [header, ...rows.map(([label, cells]) => `  ${label.padEnd(labelWidth - 2)}${cells.map((c) => c.padStart(cellWidth)).join('')}`)];
}

export function formatSweepTable(sweep: SweepResult): string {
  const lines: string[] = [];
  const b = sweep.base;
  if (sweep.source) lines.push(`${sweep.source.file}:${sweep.source.line}: ${sweep.source.block} (${title(sweep.source.placement)})`);
  const runs = sweep.points.length;
  lines.push(`${b.norm} · d=${b.dModel} heads=${b.heads} seq=${b.seq} batch=${b.batch} · ${b.steps} steps, lr ${b.lr}${b.warmup ? `, warm-up ${b.warmup}` : ''} · seed ${b.seed} · ${runs} run${runs === 1 ? '' : 's'}, ${sweep.concurrency} at once, ${sweep.seconds.toFixed(1)} s`);
  for (const note of sweep.notes) lines.push(`  note: ${note}`);
  lines.push('');
  const probed = sweep.placements.filter((p) => sweep.points.some((point) => point.placement === p));
  const at = (placement: string, L: number): SweepPoint | undefined => sweep.points.find((p) => p.placement === placement && p.layers === L);
  const cells = (placement: string, read: (p: SweepPoint) => string): string[] => sweep.layers.map((L) => {
    const point = at(placement, L);
    if (!point) return '·';
    if (point.diverged) return `div@${point.diverged.step}`;
    return `${read(point)}${point.cancelled ? '*' : ''}${point.stalled ? '~' : ''}`;
  });
  lines.push(...section('final loss', sweep.layers, probed.map((p) => [p, cells(p, (pt) => fixed(pt.finalLoss))])));
  lines.push('');
  const contribution = probed.map((p): [string, string[]] => [p, cells(p, (pt) => `${fixed(pt.lastContributionFinal)} (${fixed(pt.lastContributionInit)})`)]);
  if (probed.includes('pre')) {
    contribution.push(['Pre-LN predicted at init', sweep.layers.map((L) => {
      const band = preLnLastContribution(L);
      return `${fixed(band.lower)}–${fixed(band.upper)}`;
    })]);
  }
  lines.push(...section('last block\'s contribution, trained (at init)', sweep.layers, contribution));
  lines.push('');
  const recorded = sweep.points.some((p) => p.layerImportance !== null);
  if (recorded) {
    lines.push(...section('layer importance: last third\'s share', sweep.layers, probed.map((p) => [p, cells(p, (pt) => fixed(pt.lastThirdShare))])));
    lines.push('  (held-out loss rise when a block is skipped: the last ⌊L/3⌋ blocks\' part of the total; ⅓ = all blocks alike)');
  } else {
    lines.push('layer importance: not recorded by this build\'s probe engine (ProbeResult.layerImportance is missing); no numbers shown');
  }
  const marks: string[] = [];
  if (sweep.points.some((p) => p.cancelled)) marks.push('* stopped before its last step');
  if (sweep.points.some((p) => p.diverged)) marks.push('div@s diverged at step s');
  const stalled = sweep.points.filter((p) => p.stalled);
  if (stalled.length > 0) {
    const s = stalled[0].stalled!;
    marks.push(`~ stalled: its loss stayed above ${fixed(s.threshold)}, on the unigram plateau ${fixed(s.plateau)} (optimum ${fixed(s.optimum)}); its layer importance is not depth use`);
  }
  if (marks.length > 0) lines.push(marks.join(' · '));
  if (stalled.length > 0) lines.push(`stalled: ${stalled.map((p) => `${p.placement} L=${p.layers} (loss ${fixed(p.stalled!.loss)})`).join(', ')}`);
  for (const skipped of sweep.skipped) lines.push(`not probed: ${skipped.placement} (${title(skipped.placement)}): ${skipped.reason}`);
  for (const failed of sweep.failed) lines.push(`FAILED: ${failed.placement} L=${failed.layers}: ${failed.message}`);
  if (sweep.cancelled) lines.push('cancelled: runs not started are missing (·)');
  lines.push('');
  return lines.join('\n');
}
