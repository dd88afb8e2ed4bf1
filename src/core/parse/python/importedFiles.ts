// Parses the imported files the host or CLI read (imports.ts says which), merges their definitions
// into the file's module, and notes on each block which of its parts came from which file.

import type { BlockIR } from '../../ir/model';
import type { Tree } from 'web-tree-sitter';
import type { PythonParser } from '../treeSitter';
import type { FoundBlock } from './blocks';
import { copyTree, readsTree } from './copyTree';
import { importedFrom, MAX_IMPORTED_FILES, mergeImported } from './imports';
import type { ClassInfo, ModuleInfo } from './syntax';
import { collectModule, resolveInheritance } from './syntax';

export interface ImportedSource { file: string; source: string }

/** Parses up to MAX_IMPORTED_FILES imported files into `module`; trees a copy still reads go to `keep`. Returns the files used. */
export function readImports(module: ModuleInfo, imported: ReadonlyArray<ImportedSource>, parser: PythonParser, keep: Tree[]): string[] {
  const modules: Array<{ file: string; module: ModuleInfo }> = [];
  for (const { file, source } of imported.slice(0, MAX_IMPORTED_FILES)) {
    let tree: Tree | null = null;
    try {
      tree = parser.parser.parse(source);
      if (!tree) continue;
      const root = copyTree(tree, source);
      const other = collectModule(root, source);
      modules.push({ file, module: other });
      if (readsTree(root)) keep.push(tree);
      else tree.delete();
      tree = null;
    } catch {
      // An imported file that does not parse adds nothing; the file itself is still read.
      tree?.delete();
    }
  }
  const used = mergeImported(module, modules);
  if (used.length > 0) resolveInheritance(module);
  return used;
}

/** Appends to the block's reason the classes it used that another file defines (`RMSNorm from layers.py`). */
export function noteImports(block: BlockIR, found: FoundBlock, module: ModuleInfo): BlockIR {
  const notes = new Map<string, string>();
  const note = (cls: ClassInfo): void => {
    const file = importedFrom(cls);
    if (file && !notes.has(cls.name)) notes.set(cls.name, `${cls.name} from ${file}`);
  };
  for (const parent of found.cls.parents) note(parent);
  const visit = (value: unknown, depth: number): void => {
    if (depth > 3 || typeof value !== 'object' || value === null) return;
    const v = value as { k?: string; cls?: ClassInfo; attrs?: Map<string, unknown>; items?: unknown[] };
    if (v.k === 'instance' && v.cls) {
      note(v.cls);
      for (const attr of v.attrs?.values() ?? []) visit(attr, depth + 1);
    } else if ((v.k === 'list' || v.k === 'seq') && v.items) for (const item of v.items) visit(item, depth + 1);
  };
  for (const attr of found.run.instance.attrs.values()) visit(attr, 0);
  for (const definition of block.normDefinitions) {
    const cls = module.classes.get(definition.className);
    if (cls) note(cls);
  }
  if (notes.size > 0) block.reason = `${block.reason}; read from other files: ${[...notes.values()].join(', ')}`;
  return block;
}
