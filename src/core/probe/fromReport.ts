// From an analysed file (FileReport) to what a probe needs of it: the first block whose placement the
// probe can train, with a conditional placement read at its flag's default, and notes on each guess.

import type { BlockIR, FileReport } from '../ir/model';
import type { AnalysedModel } from './probeConfig';
import { isProbePlacement } from './types';
import type { ProbePlacement } from './types';

/** Flag values are keyed as Python writes them (`True`, `False`, `0.25`). */
function flagKey(value: boolean | number | string): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function resolvePlacement(block: BlockIR): { placement: ProbePlacement; note?: string } | null {
  if (isProbePlacement(block.placement)) return { placement: block.placement };
  if (block.placement === 'conditional' && block.flag && block.flag.default !== null) {
    const key = flagKey(block.flag.default);
    const placement = block.flag.placements[key];
    if (placement && isProbePlacement(placement)) {
      return { placement, note: `${block.name}: ${block.flag.name} defaults to ${key}, probing that reading (${placement})` };
    }
  }
  return null;
}

export type ModelFromReport =
  | { ok: true; model: AnalysedModel; block: BlockIR; notes: string[] }
  | { ok: false; reason: string };

/** The probe's view of a file: never throws; a reason says what to pass on the command line instead. */
export function modelFromReport(report: FileReport): ModelFromReport {
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  if (report.blocks.length === 0) {
    const why = errors[0]?.message ?? report.diagnostics[0]?.message ?? 'no transformer block found';
    return { ok: false, reason: `${report.file}: ${why}; pass --placement (and --layers, --norm) to probe anyway` };
  }
  for (const block of report.blocks) {
    const resolved = resolvePlacement(block);
    if (!resolved) continue;
    const notes: string[] = resolved.note ? [resolved.note] : [];
    // The IR has no ReZero field; the analyzer's reason names it ("… zero at initialisation (ReZero)").
    const rezero = resolved.placement === 'none' && /ReZero/i.test([block.reason, ...block.sublayers.map((s) => s.reason)].join(' '));
    if (rezero) notes.push(`${block.name}: branches gated by a scalar initialised to zero: probing ReZero`);
    if (block.norm === 'other') notes.push(`${block.name}: its norm is neither LayerNorm nor RMSNorm; probing with LayerNorm`);
    return {
      ok: true,
      block,
      notes,
      model: {
        placement: resolved.placement,
        norm: block.norm === 'rmsnorm' ? 'rmsnorm' : block.norm === 'layernorm' ? 'layernorm' : null,
        layers: block.layers,
        dModel: block.dModel,
        heads: block.heads,
        rezero,
        // The cures' own parameters as the analyzer read them (N groups, n streams, dynamic).
        ...(resolved.placement === 'attention-residuals' && block.variant?.groups ? { attnResGroups: block.variant.groups } : {}),
        ...(resolved.placement === 'hyper-connections' && block.variant?.streams ? { hyperStreams: block.variant.streams } : {}),
        ...(resolved.placement === 'hyper-connections' && block.variant?.dynamic ? { hyperDynamic: true } : {}),
      },
    };
  }
  const first = report.blocks[0];
  return { ok: false, reason: `${report.file}:${first.line}: ${first.name}'s placement is ${first.placement} (${first.reason}); pass --placement to choose one` };
}
