// What each CodeLens says and where it sits: one summary lens (opens the diagram) and one probe lens
// above every block class and every model class. Pure; the host turns lines into ranges.

import type { BlockIR, FileReport } from '../core/ir/model';
import type { RunResult } from '../core/probe/types';
import { PLACEMENT_LABEL } from './placementText';

/** `Pre-LN · 12 blocks · d=768`, with the norm type where it is RMSNorm and the flag where conditional. */
export function codeLensTitle(block: BlockIR): string {
  let label = PLACEMENT_LABEL[block.placement];
  if (block.placement === 'conditional' && block.flag) label += ` on ${block.flag.name}`;
  if (block.norm === 'rmsnorm') label += ' (RMSNorm)';
  const layers = block.layers === null ? '? blocks' : `${block.layers} block${block.layers === 1 ? '' : 's'}`;
  const width = block.dModel === null ? 'd=?' : `d=${block.dModel}`;
  return `${label} · ${layers} · ${width}`;
}

export interface LensSpec {
  /** 1-based line the lens sits above. */
  line: number;
  title: string;
  action: 'diagram' | 'probe' | 'run';
  blockIndex: number;
}

/** `$(pulse) gpt-small: step 1200 (training) · loss 3.12 · ‖x_L‖/√d 9.81`: a linked run at its last recorded step. */
export function recordedLensTitle(label: string, result: RunResult): string {
  const m = result.metrics;
  const last = m.steps.length - 1;
  const value = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(2));
  const training = result.recorded && !result.recorded.closed ? ' (training)' : '';
  const stream = m.residualNorm.at(-1)?.[last];
  return `$(pulse) ${label}: step ${m.steps[last] ?? 0}${training} · loss ${value(m.loss[last])} · ‖x_L‖/√d ${value(stream)}${result.diverged ? ' · diverged' : ''}`;
}

/**
 * Two lenses above each block class and each model class that stacks one, and a third above the block
 * class when a recorded training run is linked to it (`recorded` gives its title by block index).
 */
export function codeLensSpecs(report: FileReport, recorded?: (blockIndex: number) => string | null): LensSpec[] {
  const specs: LensSpec[] = [];
  const seen = new Set<number>();
  report.blocks.forEach((block, blockIndex) => {
    const lines = [block.line, ...(block.model ? [block.model.span.line] : [])];
    for (const line of lines) {
      // Two blocks can share a model class; one pair of lenses per line is enough.
      if (seen.has(line)) continue;
      seen.add(line);
      const prefix = line === block.line ? '' : `${block.model?.name ?? 'model'}: `;
      specs.push({ line, title: `$(type-hierarchy) ${prefix}${codeLensTitle(block)}`, action: 'diagram', blockIndex });
      specs.push({ line, title: '$(beaker) Probe', action: 'probe', blockIndex });
      const run = line === block.line ? recorded?.(blockIndex) : null;
      if (run) specs.push({ line, title: run, action: 'run', blockIndex });
    }
  });
  return specs;
}
