// Runs analyzeFile in a worker thread, so that the caller (boundedAnalyzer.ts) can stop a file that runs
// past its hard time limit: the analyzer is synchronous, and only terminating its thread stops it.

import { parentPort } from 'node:worker_threads';
import { analyzeFile } from '../core/parse/analyze';
import { createPythonParser } from '../core/parse/treeSitter';
import type { PythonParser } from '../core/parse/treeSitter';
import type { AnalyzeRequest, AnalyzeResponse } from './boundedAnalyzer';
import { readGrammarBinaries } from './grammars';

let parser: Promise<PythonParser> | undefined;

parentPort?.on('message', (request: AnalyzeRequest) => {
  void (async () => {
    parser ??= createPythonParser(readGrammarBinaries());
    const report = analyzeFile(request.file, request.bytes, await parser, request.options);
    const response: AnalyzeResponse = { id: request.id, report };
    parentPort!.postMessage(response);
  })().catch((error: unknown) => {
    // Loading the grammar is the one step analyzeFile does not guard; the caller turns this into a diagnostic.
    throw error instanceof Error ? error : new Error(String(error));
  });
});
