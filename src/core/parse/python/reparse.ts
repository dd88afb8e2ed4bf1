// Re-reads an edited file from its last copied tree: only the top-level statements around the change are
// parsed again (alone, as a small text), the others are moved by the change's length. A Python module is
// a sequence of top-level statements, each starting at column 0 after a complete one, so a region that
// runs from one such start to the end of another parses the same alone as inside the file; the region
// takes one untouched statement on each side of the change, so an edit that joins, splits or re-indents
// statements is parsed with its neighbours. Whenever that reasoning might not hold (the old tree or the
// region has a syntax error, a boundary is not at column 0, the raw copy is not trusted), it returns null
// and the caller parses the whole file.

import type { Parser } from 'web-tree-sitter';
import type { KeptTree } from '../treeStore';
import { changedSpan } from '../treeStore';
import { copyRegion } from './copyTree';
import { Node, SourceText } from './syntaxNode';

/** Regions larger than this share of the file are parsed whole by default: the saving would be small. */
const MAX_REGION_SHARE = 0.5;

/** Whether a top-level node starts a line at column 0 with code, where a statement can begin. */
function startsStatementLine(text: string, node: Node): boolean {
  const at = node.startIndex;
  if (at > 0 && text.charCodeAt(at - 1) !== 10) return false;
  const unit = text.charCodeAt(at);
  return unit !== 32 && unit !== 9 && unit !== 12 && unit !== 13 && unit !== 10;
}

/**
 * The copied tree of `text`, built from `kept` (the copy of an earlier text of the same file) by parsing
 * only the changed region; null when the whole file must be parsed. Consumes `kept`: its nodes move
 * into the result.
 */
export function reparseChanged(kept: KeptTree, text: string, parser: Parser, maxShare = MAX_REGION_SHARE): Node | null {
  const old = kept.root;
  if (old.hasError || old.type !== 'module') return null;
  const span = changedSpan(kept.text, text);
  if (!span) return old;
  const kids = old.children;
  // The statements the change touches, widened by one untouched statement on each side.
  let lo = -1;
  while (lo + 1 < kids.length && kids[lo + 1].startIndex <= span.start) lo++;
  lo--;
  let hi = kids.length;
  while (hi - 1 >= 0 && kids[hi - 1].endIndex >= span.oldEnd) hi--;
  hi++;
  // Both boundaries must be statement starts at column 0 (a top-level comment can be indented).
  while (lo >= 0 && !startsStatementLine(kept.text, kids[lo])) lo--;
  while (hi + 1 < kids.length && !startsStatementLine(kept.text, kids[hi + 1])) hi++;
  const delta = span.newEnd - span.oldEnd;
  const from = lo >= 0 ? kids[lo].startIndex : 0;
  const oldTo = hi + 1 < kids.length ? kids[hi + 1].startIndex : kept.text.length;
  const to = hi + 1 < kids.length ? oldTo + delta : text.length;
  if (from > span.start || oldTo < span.oldEnd || to - from > maxShare * text.length) return null;
  const tree = parser.parse(text.slice(from, to));
  if (!tree) return null;
  try {
    if (tree.rootNode.hasError) return null;
    const file = new SourceText(text);
    const copied = copyRegion(tree, file, from);
    if (!copied) return null;
    const region = copied.children;
    const before = kids.slice(0, Math.max(0, lo));
    const after = kids.slice(hi + 1);
    for (const node of before) node.rebase(0, file);
    for (const node of after) node.rebase(delta, file);
    // The module spans from its first token to its end: the old ends where the edit left them, the region's otherwise.
    const start = before.length > 0 ? old.startIndex : copied.startIndex;
    const end = after.length > 0 ? old.endIndex + delta : copied.endIndex;
    const root = new Node(old.type, true, null, start, end, false, file);
    const children = [...before, ...region, ...after];
    for (const child of children) child.parent = root;
    root.setChildren(children);
    return root;
  } finally {
    tree.delete();
  }
}
