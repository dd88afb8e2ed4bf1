import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileReport } from '../../src/core/ir/model';
import { AnalysisCache, type Analyzer } from '../../src/host/analysisCache';

function doc(version: number, text = 'class A: pass', uri = 'file:///m/a.py') {
  return { uri: { toString: () => uri }, version, languageId: 'python', fileName: '/m/a.py', getText: () => text };
}

test('reports are cached by URI and version; the parser loads once, on first use', async () => {
  let analyses = 0;
  let parserLoads = 0;
  const analyzer: Analyzer = async (file, _language, source, parser) => {
    analyses++;
    await parser();
    return { file, language: 'python', blocks: [], diagnostics: [{ severity: 'info', message: source, line: 0 }] };
  };
  const cache = new AnalysisCache(async () => { parserLoads++; return {} as never; }, analyzer, 2);
  assert.equal(cache.parserLoaded, false);
  const a1 = await cache.analyze(doc(1));
  assert.equal(await cache.analyze(doc(1)), a1);
  assert.equal(analyses, 1);
  assert.equal(parserLoads, 1);
  await cache.analyze(doc(2, 'class B: pass'));
  assert.equal(analyses, 2);
  assert.equal(cache.peek(doc(1)), undefined);
  assert.ok(cache.peek(doc(2)));
  // Capacity 2: the least recently used document is dropped.
  await cache.analyze(doc(1, 'x', 'file:///m/b.py'));
  await cache.analyze(doc(1, 'y', 'file:///m/c.py'));
  assert.equal(cache.peek(doc(2)), undefined);
  cache.clear();
  assert.equal(cache.peek(doc(1, 'y', 'file:///m/c.py')), undefined);
  assert.equal(parserLoads, 1);
});

test('an analyzer that throws becomes an error report, never an exception', async () => {
  const cache = new AnalysisCache(async () => ({} as never), async () => { throw new Error('boom'); });
  const report: FileReport = await cache.analyze(doc(1));
  assert.equal(report.diagnostics[0].code, 'analyzer-failed');
  assert.match(report.diagnostics[0].message, /boom/);
});

test('with the real analyzer, each version re-parses from the kept tree and closing the document frees it', async () => {
  const { coreAnalyzer } = await import('../../src/host/analysisCache');
  const { createPythonParser } = await import('../../src/core/parse/treeSitter');
  const { readGrammarBinaries } = await import('../../src/node/grammars');
  const { analyzeFile } = await import('../../src/core/parse/analyze');
  const { readFileSync } = await import('node:fs');
  const parser = createPythonParser(readGrammarBinaries(process.cwd()));
  const cache = new AnalysisCache(() => parser, coreAnalyzer());
  const text = readFileSync('test/fixtures/python/llama_residual.py', 'utf8');
  const untitled = (version: number, source: string) => ({ ...doc(version, source, 'untitled:Untitled-1'), fileName: 'Untitled-1' });
  const edits = [text, text.replace('hidden_states = residual + hidden_states', 'hidden_states = self.input_layernorm(residual + hidden_states)'), text.replace('class ', 'class  ')];
  for (const [i, source] of edits.entries()) {
    const report = await cache.analyze(untitled(i + 1, source));
    const fresh = analyzeFile('Untitled-1.py', new TextEncoder().encode(source), await parser);
    assert.deepEqual(report, { ...fresh, file: 'Untitled-1' }, `version ${i + 1}`);
    assert.equal(cache.keptTrees, 1);
  }
  cache.forget(untitled(3, edits[2]));
  assert.equal(cache.keptTrees, 0);
});
