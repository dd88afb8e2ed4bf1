// Shared helpers for the Python analyzer's fixture tests: one parser per process, reports by fixture name.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { BlockIR, FileReport, Placement, SublayerKind } from '../../src/core/ir/model';
import { analyzePython } from '../../src/core/parse/python/analyzePython';
import type { PythonParser } from '../../src/core/parse/treeSitter';
import { createPythonParser } from '../../src/core/parse/treeSitter';
import { readGrammarBinaries } from '../../src/node/grammars';

let parser: Promise<PythonParser> | undefined;

export function pythonParser(): Promise<PythonParser> {
  parser ??= createPythonParser(readGrammarBinaries(process.cwd()));
  return parser;
}

export async function analyzeFixture(name: string): Promise<FileReport> {
  const file = join('test/fixtures/python', name);
  return analyzePython(file, readFileSync(file, 'utf8'), await pythonParser());
}

export async function analyzeSource(source: string, file = 'inline.py'): Promise<FileReport> {
  return analyzePython(file, source, await pythonParser());
}

/** The 1-based line of the first line of `name` that contains `needle` (so tests survive edits above). */
export function lineContaining(name: string, needle: string): number {
  const lines = readFileSync(join('test/fixtures/python', name), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes(needle));
  assert.ok(index >= 0, `${name} has no line containing ${needle}`);
  return index + 1;
}

/** Every 1-based line of `name` that contains `needle`. */
export function linesContaining(name: string, needle: string): number[] {
  const lines = readFileSync(join('test/fixtures/python', name), 'utf8').split('\n');
  return lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
}

/** The 0-based column of `needle` on its first line. */
export function columnOf(name: string, needle: string): number {
  const lines = readFileSync(join('test/fixtures/python', name), 'utf8').split('\n');
  return lines[lineContaining(name, needle) - 1].indexOf(needle);
}

export interface ExpectedBlock {
  name: string;
  placement: Placement;
  sublayers: Array<[SublayerKind, string, Placement]>;
  norm: BlockIR['norm'];
  layers: number | null;
  dModel: number | null;
  heads?: number | null;
  finalNorm: boolean | null;
}

export function onlyBlock(report: FileReport): BlockIR {
  assert.equal(report.blocks.length, 1, `expected one block, got ${report.blocks.map((b) => `${b.name}:${b.placement}`).join(', ')}; diagnostics: ${report.diagnostics.map((d) => d.message).join(' | ')}`);
  return report.blocks[0];
}

export function assertBlock(block: BlockIR, expected: ExpectedBlock): void {
  assert.equal(block.name, expected.name);
  assert.equal(block.placement, expected.placement, block.reason);
  assert.deepEqual(block.sublayers.map((s) => [s.kind, s.name, s.placement]), expected.sublayers);
  assert.equal(block.norm, expected.norm);
  assert.equal(block.layers, expected.layers);
  assert.equal(block.dModel, expected.dModel);
  if (expected.heads !== undefined) assert.equal(block.heads, expected.heads);
  assert.equal(block.finalNorm, expected.finalNorm);
}

/** One row per block: name, placement, `kind:name:placement` of each sublayer, norm, confidence. */
export function blockRows(report: FileReport): Array<[string, string, string, string | null, string | null]> {
  return report.blocks.map((b) => [b.name, b.placement, b.sublayers.map((s) => `${s.kind}:${s.name}:${s.placement}`).join(' '), b.norm, b.confidence ?? null]);
}
