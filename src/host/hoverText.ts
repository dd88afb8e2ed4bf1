// What a hover says: finds the block element under a position and writes its Markdown (placement,
// block equation, depth prediction, measured numbers with sparklines). Pure; the host only wraps it.

import type { BlockIR, FileReport, NormDefinition, NormUse, Span, SublayerIR } from '../core/ir/model';
import type { RunResult } from '../core/probe/types';
import { PLACEMENT_EQUATION, PLACEMENT_LABEL, effectivePlacement, predictForDepth } from './placementText';
import { downsample, sparkline } from './sparkline';

export type HoverTarget =
  | { kind: 'normUse'; blockIndex: number; block: BlockIR; item: NormUse }
  | { kind: 'normDefinition'; blockIndex: number; block: BlockIR; item: NormDefinition }
  | { kind: 'sublayer'; blockIndex: number; block: BlockIR; item: SublayerIR }
  | { kind: 'block'; blockIndex: number; block: BlockIR; span: Span }
  | { kind: 'model'; blockIndex: number; block: BlockIR; span: Span };

/** Whether a 1-based line and 0-based column fall inside a span (end exclusive). */
export function spanContains(span: Span, line: number, column: number): boolean {
  if (line < span.line || line > span.endLine) return false;
  if (line === span.line && column < span.column) return false;
  if (line === span.endLine && column >= span.endColumn) return false;
  return true;
}

/** The innermost hover target at a position: a norm use beats a sublayer call beats the class header. */
export function hoverTargetAt(report: FileReport, line: number, column: number): HoverTarget | null {
  for (const [blockIndex, block] of report.blocks.entries()) {
    const use = block.normUses.find((u) => spanContains(u.span, line, column));
    if (use) return { kind: 'normUse', blockIndex, block, item: use };
    const definition = block.normDefinitions.find((d) => spanContains(d.span, line, column));
    if (definition) return { kind: 'normDefinition', blockIndex, block, item: definition };
    const sublayer = block.sublayers.find((s) => spanContains(s.span, line, column));
    if (sublayer) return { kind: 'sublayer', blockIndex, block, item: sublayer };
  }
  // Class headers last: a header line holds nothing else, and a class span covers all of the above.
  for (const [blockIndex, block] of report.blocks.entries()) {
    if (line === block.span.line) return { kind: 'block', blockIndex, block, span: block.span };
    if (block.model && line === block.model.span.line) return { kind: 'model', blockIndex, block, span: block.model.span };
  }
  return null;
}

function fmt(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e4) ? value.toExponential(2) : value.toFixed(3);
}

/** The values of a [layer][step] series at its last recorded step, one per layer. */
export function lastColumn(series: ReadonlyArray<ReadonlyArray<number | null>>): (number | null)[] {
  return series.map((row) => (row.length > 0 ? row[row.length - 1] : null));
}

/** Markdown lines for the measured numbers of a probe run, as relevant to the hovered element. */
export function measuredLines(target: HoverTarget, result: RunResult, label: string): string[] {
  const m = result.metrics;
  const step = m.steps.length > 0 ? m.steps[m.steps.length - 1] : 0;
  const lines = [`**Measured** (${label}, ${measuredWhere(result)}, step ${step}):`, ''];
  const row = (name: string, series: ReadonlyArray<ReadonlyArray<number | null>>) => {
    const perLayer = lastColumn(series);
    lines.push(`- ${name} by layer \`${sparkline(downsample(perLayer, 48))}\` first ${fmt(perLayer[0])}, last ${fmt(perLayer[perLayer.length - 1])}`);
  };
  if (target.kind === 'sublayer' && target.item.kind === 'attention') row('grad ‖∇W_O‖ (attention out)', m.gradNormAttnOut);
  else if (target.kind === 'sublayer' && target.item.kind === 'mlp') row('grad ‖∇W_2‖ (MLP out)', m.gradNormMlpOut);
  row('residual norm ‖x_l‖/√d', m.residualNorm);
  row('contribution ‖x_l − x_{l−1}‖/‖x_l‖', m.contribution);
  row('grad norm', m.gradNorm);
  lines.push(`- loss over steps \`${sparkline(downsample(m.loss, 48))}\` ${fmt(m.loss[0])} → ${fmt(m.loss[m.loss.length - 1])}`);
  if (result.diverged) lines.push(`- **diverged** at step ${result.diverged.step} (${result.diverged.what})`);
  if (result.clamped.length > 0) lines.push(`- sizes clamped: ${result.clamped.join('; ')}`);
  return lines;
}

/** `probe L=12, d=64, cpu`, or `recorded run (2 ranks), L=12, d=768` for a real training read from its file. */
function measuredWhere(result: RunResult): string {
  if (!result.recorded) return `probe L=${result.config.layers}, d=${result.config.dModel}, ${result.config.backend}`;
  const r = result.recorded;
  return `recorded run${r.worldSize > 1 ? ` (${r.worldSize} ranks)` : ''}${r.closed ? '' : ', still training'}, L=${r.layers}, d=${r.dModel ?? '?'}`;
}

function subject(target: HoverTarget): string {
  switch (target.kind) {
    case 'normUse': return `norm \`${target.item.name}\` applied (${target.item.role})`;
    case 'normDefinition': return `norm \`${target.item.name}\` = \`${target.item.className}\` (${target.item.type})`;
    case 'sublayer': return `${target.item.kind} sublayer \`${target.item.name}\``;
    case 'block': return `block \`${target.block.name}\``;
    case 'model': return `model \`${target.block.model?.name ?? target.block.name}\` stacking \`${target.block.name}\``;
  }
}

/**
 * The whole hover: what this is, its placement and equation, what it predicts, what a probe measured and,
 * once a training run is linked to the file, what the real run measured.
 */
export function hoverMarkdown(target: HoverTarget, probe?: { result: RunResult; label: string } | null, recorded?: { result: RunResult; label: string } | null): string {
  const block = target.block;
  const placement = effectivePlacement(block);
  const lines: string[] = [`**NormScope** · ${subject(target)}`, ''];
  lines.push(`**${PLACEMENT_LABEL[block.placement]}**${block.norm ? ` (${block.norm === 'rmsnorm' ? 'RMSNorm' : block.norm === 'layernorm' ? 'LayerNorm' : 'norm'})` : ''} · ${block.layers ?? '?'} blocks · d=${block.dModel ?? '?'}`);
  lines.push('', '```text', PLACEMENT_EQUATION[block.placement], '```');
  if (block.placement === 'conditional' && block.flag) {
    const readings = Object.entries(block.flag.placements).map(([value, p]) => `${block.flag!.name}=${value} → ${PLACEMENT_LABEL[p]}`);
    lines.push(`Flag \`${block.flag.name}\` (default ${block.flag.default === null ? 'none' : String(block.flag.default)}): ${readings.join('; ')}.`);
  }
  if (target.kind === 'sublayer') lines.push(`This sublayer: ${PLACEMENT_LABEL[target.item.placement]} — ${target.item.reason}`);
  else lines.push(`Why: ${block.reason}`);
  const prediction = predictForDepth(placement, block.layers);
  if (prediction.lines.length > 0) {
    lines.push('', `**Predicted at initialisation** (L=${block.layers ?? '?'}):`, '');
    for (const line of prediction.lines) lines.push(`- ${line}`);
  }
  if (recorded) lines.push('', ...measuredLines(target, recorded.result, recorded.label));
  if (probe) lines.push('', ...measuredLines(target, probe.result, probe.label));
  else if (!recorded) lines.push('', '_Run “NormScope: Probe Model Under Cursor” to see measured numbers here._');
  return lines.join('\n');
}
