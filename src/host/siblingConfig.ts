// Reads the config.json beside a Python model file (Node fs: the host only), for analyzeFile to resolve
// depth, width and config flags the code leaves open. Missing or unreadable means "none".

import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Model configs are small; anything bigger is not one and is not read. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export function readSiblingConfig(file: string): { file: string; bytes: Uint8Array } | undefined {
  const path = join(dirname(file), 'config.json');
  try {
    if (path === file || statSync(path).size > MAX_CONFIG_BYTES) return undefined;
    return { file: path, bytes: readFileSync(path) };
  } catch {
    return undefined;
  }
}
