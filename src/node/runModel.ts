// Where the model file named in a run file's header lies: shared by `normscope view` and the extension,
// so a run links to the same file in both. Node fs only.

import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();

/**
 * The header's `run.model` (a relative path), looked up beside the run file, then in each folder above
 * it (a run in runs/ names model.py at the project root), then in `fallback` folders (the working
 * directory, the workspace folders). An absolute path is taken as it is.
 */
export function findModelFile(runFile: string, model: string, fallback: readonly string[] = [process.cwd()]): string | null {
  if (model.startsWith('/') || /^[A-Za-z]:[\\/]/.test(model)) return isFile(model) ? model : null;
  let folder = dirname(resolve(runFile));
  for (let depth = 0; depth < 8; depth++) {
    const candidate = join(folder, model);
    if (isFile(candidate)) return candidate;
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  for (const base of fallback) {
    const candidate = resolve(base, model);
    if (isFile(candidate)) return candidate;
  }
  return null;
}
