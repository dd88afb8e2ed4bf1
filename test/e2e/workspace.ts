// The workspace the end-to-end run opens: a fresh copy of the bundled examples, plus one file made broken on
// purpose (a copy of the Pre-LN example with an unclosed bracket) for the syntax-error scenario.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The bundled examples the scenarios open; each must exist in examples/. */
export const EXAMPLES = {
  preLn: 'gpt2_pre_ln.py',
  postLn: 'bert_post_ln.py',
};

export const BROKEN_FILE = 'broken_pre_ln.py';

/** What the broken file's first damaged line reads, and its 1-based line number once written. */
export interface BrokenFile { path: string; line: number; text: string }

/**
 * Breaks a copy of a model file after its first `def forward(`: the inserted line opens a bracket it never
 * closes, so the parser must recover and the analyzer must report a syntax error near that line.
 */
export function breakSource(source: string): { text: string; line: number } {
  const lines = source.split('\n');
  const forward = lines.findIndex((line) => /^\s*def forward\(/.test(line));
  if (forward < 0) throw new Error('the Pre-LN example has no `def forward(` to break after');
  const indent = /^(\s*)/.exec(lines[forward + 1] ?? '')?.[1] || '        ';
  lines.splice(forward + 1, 0, `${indent}broken = (x +`);
  return { text: lines.join('\n'), line: forward + 2 };
}

export function prepareWorkspace(examplesDir: string, workspace: string): string {
  if (!existsSync(examplesDir)) throw new Error(`no examples folder at ${examplesDir}: the scenarios run on the bundled examples`);
  rmSync(workspace, { recursive: true, force: true });
  cpSync(examplesDir, workspace, { recursive: true });
  for (const name of Object.values(EXAMPLES)) {
    if (!existsSync(join(workspace, name))) throw new Error(`the scenarios need examples/${name}, which is missing`);
  }
  const broken = breakSource(readFileSync(join(workspace, EXAMPLES.preLn), 'utf8'));
  writeFileSync(join(workspace, BROKEN_FILE), broken.text);
  return workspace;
}

export function brokenLine(workspace: string): number {
  return breakSource(readFileSync(join(workspace, EXAMPLES.preLn), 'utf8')).line;
}
