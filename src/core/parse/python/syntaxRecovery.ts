// A forward with a syntax error in it: the statements before the error are read as usual, and what
// the error hides is one `unknown` sublayer that names the line, instead of losing the whole block.

import type { DecomposeResult } from './decompose';
import { decompose } from './decompose';
import type { Frame } from './interpreter';
import { lineOf } from './syntax';
import type { Node } from './syntaxNode';
import type { Value } from './values';
import { isTensorOfStream } from './values';

/** The first ERROR or MISSING node inside a function, in source order. */
function firstError(node: Node): Node | null {
  if (node.isError || node.isMissing) return node;
  if (!node.hasError) return null;
  for (let i = 0; i < node.childCount; i++) {
    const child = node.child(i);
    const found = child ? firstError(child) : null;
    if (found) return found;
  }
  return null;
}

/**
 * Re-reads a forward whose body holds a syntax error: the residual steps the stream variable took
 * before the error, plus an unknown sublayer for the rest. `frame` is the forward's frame after it ran.
 */
export function readAroundError(forward: Node, frame: Frame | null, stream: Value, first: DecomposeResult): DecomposeResult {
  const error = firstError(forward);
  if (!error || !frame) return first;
  const line = lineOf(error);
  const hidden = `the statements from line ${line} are hidden by a syntax error there`;
  // The stream variable as it stood: the first parameter's name, else the last tensor assigned.
  const params = forward.childForFieldName('parameters')?.namedChildren ?? [];
  const input = params.map((p) => (p.type === 'identifier' ? p.text : p.childForFieldName('name')?.text ?? '')).find((n) => n && n !== 'self');
  const tensors = [...frame.env.entries()].filter(([, v]) => isTensorOfStream(v) && v.k !== 'stream');
  const current = (input ? frame.env.get(input) : undefined) ?? tensors[tensors.length - 1]?.[1];
  const base = first.ok ? first : current && current.k !== 'stream' ? decompose(current, stream) : null;
  const sublayers = base?.ok ? base.value.sublayers : [];
  const unknown = { kind: 'other' as const, name: `line ${line}`, placement: 'unknown' as const, node: error, inputNorms: [], outputNorms: [], sumNorm: null, reason: hidden };
  return { ok: true, value: { sublayers: [...sublayers, unknown], streamScale: base?.ok ? base.value.streamScale : null, finalNorm: null } };
}
