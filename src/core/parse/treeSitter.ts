// Loads tree-sitter and its Python grammar from wasm bytes handed in by the caller, so the core never
// touches the file system or the network: the host, the CLI and the tests each read the bytes their way.

import { Language, Parser } from 'web-tree-sitter';

export interface GrammarBinaries {
  /** web-tree-sitter's own runtime, tree-sitter.wasm. */
  runtime: Uint8Array;
  /** tree-sitter-python.wasm. */
  python: Uint8Array;
}

export interface PythonParser {
  parser: Parser;
  language: Language;
}

let runtimeReady: Promise<void> | undefined;
/** The options object handed to Parser.init: emscripten fills it with the runtime's exports. */
const runtimeModule: Record<string, unknown> = {};

/**
 * The initialised web-tree-sitter runtime (its emscripten module), or null before the first
 * createPythonParser. Only for walks that must skip the binding's per-call marshalling; see syntax.ts.
 */
export function treeSitterRuntime(): Record<string, unknown> | null {
  return typeof runtimeModule._ts_init === 'function' ? runtimeModule : null;
}

/** Creates a parser for Python. The runtime is initialised once per process; call as often as needed. */
export async function createPythonParser(binaries: GrammarBinaries): Promise<PythonParser> {
  runtimeReady ??= Parser.init(Object.assign(runtimeModule, { wasmBinary: binaries.runtime }));
  await runtimeReady;
  const language = await Language.load(binaries.python);
  const parser = new Parser();
  parser.setLanguage(language);
  return { parser, language };
}
