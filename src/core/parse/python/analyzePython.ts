// The Python analyzer's entry: parse once, interpret the model code symbolically, report each block.

import type { FileReport } from '../../ir/model';
import type { Tree } from 'web-tree-sitter';
import type { PythonParser } from '../treeSitter';
import type { TreeStore } from '../treeStore';
import { scanBlocks } from './blocks';
import { readsTree } from './copyTree';
import { reparseChanged } from './reparse';
import { blockReport } from './report';
import { collectModule, copyTree, syntaxErrors } from './syntax';
import type { Node } from './syntaxNode';
import { torchBuiltinBlocks } from './torchBuiltins';
import { applyDilutionCures } from './variants';
import { addLayerStacks } from './layerStacks';
import type { ImportedSource } from './importedFiles';
import { noteImports, readImports } from './importedFiles';
import { withOptionFlags } from './optionFlags';

/**
 * Classifies every transformer block in a Python source. Never throws. With a store, the file's last
 * copied tree (if kept) spares parsing and copying what an edit left alone, and this copy is kept.
 */
export function analyzePython(file: string, source: string, parser: PythonParser, store?: TreeStore, imported: ReadonlyArray<ImportedSource> = []): FileReport {
  const report: FileReport = { file, language: 'python', blocks: [], diagnostics: [] };
  let tree: Tree | null = null;
  const otherTrees: Tree[] = [];
  let root: Node | null = null;
  try {
    const kept = store?.take(file) ?? null;
    if (kept) root = reparseChanged(kept, source, parser.parser);
    if (!root) tree = parser.parser.parse(source);
  } catch (error) {
    report.diagnostics.push({ severity: 'error', code: 'parse-failed', line: 0, message: `tree-sitter could not parse the file (${String(error)}).` });
    return report;
  }
  if (!root && !tree) {
    report.diagnostics.push({ severity: 'error', code: 'parse-failed', line: 0, message: 'tree-sitter returned no tree.' });
    return report;
  }
  try {
    root ??= copyTree(tree!, source);
    report.diagnostics.push(...syntaxErrors(root));
    const module = collectModule(root, source);
    const used = imported.length > 0 ? readImports(module, imported, parser, otherTrees) : [];
    const scan = scanBlocks(module);
    const reports = scan.blocks.map((found) => {
      const read = withOptionFlags(module, found, blockReport(found));
      return used.length > 0 ? noteImports(read, found, module) : read;
    });
    report.blocks.push(...applyDilutionCures(module, [...reports, ...torchBuiltinBlocks(scan.builtins)]));
    addLayerStacks(module, report.blocks);
    if (used.length > 0) {
      report.diagnostics.push({ severity: 'info', code: 'imports', line: 0, message: `read ${used.length} imported file${used.length === 1 ? '' : 's'} for the classes and functions this file uses: ${used.join(', ')}` });
    }
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
    // Kept only when clean: a copy that may still read its tree (the fallback copy's lazy bodies) must
    // not outlive it, and the region path needs a tree without syntax errors (tree-sitter's own flag:
    // some recoveries leave no ERROR node in the copy).
    if (store && root && !readsTree(root) && !tree?.rootNode.hasError) store.put(file, source, root);
    tree?.delete();
    for (const other of otherTrees) other.delete();
  }
  return report;
}
