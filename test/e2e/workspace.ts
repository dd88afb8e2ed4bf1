// The workspace the end-to-end run opens: a fresh copy of the bundled examples, plus one file made broken on
// purpose (a copy of the Pre-LN example with an unclosed bracket) for the syntax-error scenario.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A bundled example the scenarios open, with what a person must see on it. */
export interface Example {
  file: string;
  /** Text on the line of the block class, where the CodeLens sits. */
  classLine: string;
  /** The CodeLens that names its placement and depth. */
  lens: RegExp;
  /** Text on the line that defines a norm, and the norm's name to hover. */
  normDefinition: string;
  normName: string;
  depth: number;
}

/** The bundled examples the scenarios open; each must exist in examples/. */
export const EXAMPLES: { preLn: Example; postLn: Example } = {
  preLn: {
    file: 'gpt_pre_ln.py', classLine: 'class Block(', lens: /Pre-LN · 8 blocks · d=512/,
    normDefinition: 'self.ln_1 = ', normName: 'ln_1', depth: 8,
  },
  postLn: {
    file: 'bert_post_ln.py', classLine: 'class EncoderLayer(', lens: /Post-LN · 6 blocks · d=512/,
    normDefinition: 'self.LayerNorm = ', normName: 'LayerNorm', depth: 6,
  },
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
  for (const { file } of Object.values(EXAMPLES)) {
    if (!existsSync(join(workspace, file))) throw new Error(`the scenarios need examples/${file}, which is missing`);
  }
  const broken = breakSource(readFileSync(join(workspace, EXAMPLES.preLn.file), 'utf8'));
  writeFileSync(join(workspace, BROKEN_FILE), broken.text);
  return workspace;
}

export function brokenLine(workspace: string): number {
  return breakSource(readFileSync(join(workspace, EXAMPLES.preLn.file), 'utf8')).line;
}
