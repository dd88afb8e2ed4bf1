// Placeholder until the Python analyzer lands (issue 2): the signature is the contract.

import type { FileReport } from '../../ir/model';
import type { PythonParser } from '../treeSitter';

/** Classifies every transformer block in a Python source. Never throws. */
export function analyzePython(file: string, source: string, parser: PythonParser): FileReport {
  const tree = parser.parser.parse(source);
  tree?.delete();
  return { file, language: 'python', blocks: [], diagnostics: [{ severity: 'info', message: 'analyzer not built yet', line: 0 }] };
}
