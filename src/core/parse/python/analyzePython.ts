// The Python analyzer's entry: parse once, interpret the model code symbolically, report each block.

import type { FileReport } from '../../ir/model';
import type { PythonParser } from '../treeSitter';
import type { TreeStore } from '../treeStore';
import { scanBlocks } from './blocks';
import { blockReport } from './report';
import { collectModule, copyTree, syntaxErrors } from './syntax';
import { torchBuiltinBlocks } from './torchBuiltins';

/**
 * Classifies every transformer block in a Python source. Never throws. With a store, the file's last
 * tree (if kept) seeds an incremental re-parse, and this parse is kept for the next one.
 */
export function analyzePython(file: string, source: string, parser: PythonParser, store?: TreeStore): FileReport {
  const report: FileReport = { file, language: 'python', blocks: [], diagnostics: [] };
  let tree;
  const previous = store?.take(file, source) ?? null;
  try {
    // Unchanged text needs no parse at all; otherwise tree-sitter reuses what the edit left intact.
    tree = previous?.unchanged ? previous.tree : parser.parser.parse(source, previous?.tree);
  } catch (error) {
    report.diagnostics.push({ severity: 'error', code: 'parse-failed', line: 0, message: `tree-sitter could not parse the file (${String(error)}).` });
    return report;
  } finally {
    if (previous && previous.tree !== tree) previous.tree.delete();
  }
  if (!tree) {
    report.diagnostics.push({ severity: 'error', code: 'parse-failed', line: 0, message: 'tree-sitter returned no tree.' });
    return report;
  }
  try {
    const root = copyTree(tree, source);
    report.diagnostics.push(...syntaxErrors(root));
    const module = collectModule(root, source);
    const scan = scanBlocks(module);
    report.blocks.push(...scan.blocks.map(blockReport), ...torchBuiltinBlocks(scan.builtins));
    report.blocks.sort((a, b) => a.span.offset - b.span.offset);
    for (const block of report.blocks) {
      if (block.placement === 'unknown') {
        report.diagnostics.push({ severity: 'warning', code: 'unknown-placement', line: block.line, message: `could not classify ${block.name}: ${block.reason}` });
      }
    }
    if (report.blocks.length === 0) {
      const norms = scan.batchNorms.length > 0 ? ` It normalises with ${[...new Set(scan.batchNorms)].join(', ')}, over the batch or channels, not a residual stream.` : '';
      report.diagnostics.push({ severity: 'info', code: 'no-transformer', line: 0,
        message: `no transformer block found: no class adds an attention or MLP sublayer to a residual stream.${norms}` });
    }
  } catch (error) {
    report.diagnostics.push({ severity: 'error', code: 'analyzer-error', line: 0, message: `the analyzer failed on this file (${error instanceof Error ? error.message : String(error)}); please report it with the file.` });
  } finally {
    if (store) store.put(file, source, tree);
    else tree.delete();
  }
  return report;
}
