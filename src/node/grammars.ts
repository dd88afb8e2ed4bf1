// Reads the tree-sitter wasm binaries from beside the bundle (dist/) or from node_modules, for the CLI,
// the extension host and the tests. Node-only: the core receives the bytes.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GrammarBinaries } from '../core/parse/treeSitter';

const CANDIDATES: ReadonlyArray<readonly [string, string]> = [
  ['dist/tree-sitter.wasm', 'dist/tree-sitter-python.wasm'],
  ['tree-sitter.wasm', 'tree-sitter-python.wasm'],
  ['node_modules/web-tree-sitter/tree-sitter.wasm', 'node_modules/tree-sitter-python/tree-sitter-python.wasm'],
];

/** Walks up from `start` (default: this bundle's folder) until it finds both wasm files. */
export function findGrammarFiles(start: string = __dirname): { runtime: string; python: string } {
  for (let dir = start; ; dir = dirname(dir)) {
    for (const [runtime, python] of CANDIDATES) {
      if (existsSync(join(dir, runtime)) && existsSync(join(dir, python))) {
        return { runtime: join(dir, runtime), python: join(dir, python) };
      }
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(`NormScope: tree-sitter wasm files not found above ${start}; run 'npm run build' to copy them into dist/.`);
}

export function readGrammarBinaries(start?: string): GrammarBinaries {
  const files = findGrammarFiles(start);
  return { runtime: readFileSync(files.runtime), python: readFileSync(files.python) };
}
