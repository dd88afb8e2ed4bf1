// Reads the files a Python model file imports from (`from .layers import RMSNorm`), for analyzeFile's
// importedFiles: the core names the candidate paths, this reads those that exist under the allowed
// roots (the folders given to the CLI, the workspace folders in the editor), bounded in count and size.

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { importCandidates, MAX_IMPORTED_FILES } from '../core/parse/python/imports';

/** An imported module bigger than this is not a model file and is not read. */
const MAX_IMPORTED_BYTES = 1024 * 1024;

function isUnder(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export function readImportedFiles(file: string, text: string, roots: readonly string[]): Array<{ file: string; bytes: Uint8Array }> {
  const out: Array<{ file: string; bytes: Uint8Array }> = [];
  const allowed = roots.map((root) => resolve(root));
  for (const candidate of importCandidates(file.replace(/\\/g, '/'), text)) {
    if (out.length >= MAX_IMPORTED_FILES) break;
    const path = resolve(candidate);
    if (!allowed.some((root) => isUnder(path, root))) continue;
    try {
      const stats = statSync(path);
      if (!stats.isFile() || stats.size > MAX_IMPORTED_BYTES) continue;
      out.push({ file: candidate, bytes: readFileSync(path) });
    } catch {
      // Not there: the import is a library or another candidate's.
    }
  }
  return out;
}
