// Which detected block "the model under the cursor" means: the block or model class containing the
// cursor, else the nearest block above it, else the file's first block. Pure.

import type { FileReport } from '../core/ir/model';
import { spanContains } from './hoverText';

export function blockIndexAt(report: FileReport, line: number, column = 0): number | null {
  if (report.blocks.length === 0) return null;
  const inside = report.blocks.findIndex((b) => spanContains(b.span, line, column) || (b.model != null && spanContains(b.model.span, line, column)));
  if (inside >= 0) return inside;
  let best: number | null = null;
  report.blocks.forEach((block, index) => {
    if (block.line <= line && (best === null || block.line > report.blocks[best].line)) best = index;
  });
  return best ?? 0;
}
