// The one place where the core's Spans (1-based lines, UTF-16 columns) become vscode Ranges and back.

import * as vscode from 'vscode';
import type { Span } from '../core/ir/model';

export function spanToRange(span: Span): vscode.Range {
  return new vscode.Range(span.line - 1, span.column, span.endLine - 1, span.endColumn);
}

/** A whole 1-based line, for diagnostics and lenses that concern a line rather than a span. */
export function lineToRange(line: number): vscode.Range {
  const zeroBased = Math.max(0, line - 1);
  return new vscode.Range(zeroBased, 0, zeroBased, Number.MAX_SAFE_INTEGER);
}

/** An editor position as the core speaks it: 1-based line, 0-based UTF-16 column. */
export function positionToCore(position: vscode.Position): { line: number; column: number } {
  return { line: position.line + 1, column: position.character };
}

export function corePosition(line: number, column: number): vscode.Position {
  return new vscode.Position(Math.max(0, line - 1), Math.max(0, column));
}
