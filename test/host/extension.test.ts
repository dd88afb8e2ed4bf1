// Loads the built extension bundle (dist/extension.js) against a fake vscode and checks what it
// registers against package.json's contributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createFakeVscode, fakeDocument, requireWithFakeVscode } from './fakeVscode';
import { GPT_SOURCE, spanOf } from './fixtures';

interface ExtensionModule {
  activate(context: unknown): { activationMs: number };
}

function activate() {
  const { api, registered } = createFakeVscode();
  const extension = requireWithFakeVscode<ExtensionModule>(resolve('dist/extension.js'), api);
  const context = { subscriptions: [] as unknown[], extensionUri: api.Uri.file(process.cwd()) };
  const result = extension.activate(context);
  return { registered, result, context };
}

test('activation registers every contributed command, the hover, CodeLens and panel serializer, and nothing slow', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  const { registered, result, context } = activate();
  const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual([...registered.commands.keys()].sort(), contributed);
  for (const command of manifest.contributes.commands) assert.equal(command.category, 'NormScope');
  assert.equal(registered.hovers.length, 1);
  assert.equal(registered.codeLenses.length, 1);
  assert.deepEqual(registered.serializers, ['normscope.panel']);
  assert.ok(manifest.activationEvents.includes('onWebviewPanel:normscope.panel'));
  assert.ok(context.subscriptions.length >= 10);
  // Activation only registers: no wasm is loaded until the first analysis (a generous bound, not a benchmark).
  assert.ok(result.activationMs < 500, `activation took ${result.activationMs} ms`);
});

test('every normscope.* setting the host reads is declared in package.json', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  const declared = Object.keys(manifest.contributes.configuration.properties).sort();
  const source = readFileSync('src/host/settings.ts', 'utf8');
  const keys = new Set<string>();
  for (const match of source.matchAll(/c\.get<\w+>\('(\w+)'/g)) keys.add(`normscope.probe.${match[1]}`);
  for (const match of source.matchAll(/getConfiguration\('normscope'\)\.get<\w+>\('([\w.]+)'/g)) keys.add(`normscope.${match[1]}`);
  assert.ok(keys.size >= 9);
  assert.deepEqual([...keys].sort(), declared);
});

test('through the real analyzer: CodeLens and hover on a nanoGPT-style file', async () => {
  const { api, registered } = createFakeVscode();
  const extension = requireWithFakeVscode<ExtensionModule>(resolve('dist/extension.js'), api);
  extension.activate({ subscriptions: [], extensionUri: api.Uri.file(process.cwd()) });
  const document = fakeDocument('/nonexistent/models/gpt.py', GPT_SOURCE);
  const lenses = await registered.codeLenses[0].provideCodeLenses(document);
  const titles = lenses.map((lens) => `${lens.range.start.line}:${lens.command?.title}`);
  // Depth and width live in a config object the analyzer does not execute: unknown without a config.json.
  assert.deepEqual(titles, [
    '2:$(type-hierarchy) Pre-LN · ? blocks · d=?',
    '2:$(beaker) Probe',
    '15:$(type-hierarchy) GPT: Pre-LN · ? blocks · d=?',
    '15:$(beaker) Probe',
  ]);
  assert.equal(lenses[0].command?.command, 'normscope.showDiagram');
  const use = spanOf(GPT_SOURCE, 'self.ln_1(x)');
  const hover = await registered.hovers[0].provideHover(document, new api.Position(use.line - 1, use.column + 6));
  assert.ok(hover, 'a hover on the ln_1 use');
  assert.match(hover.contents.value, /norm `ln_1` applied/);
  assert.match(hover.contents.value, /x ← x \+ F\(N\(x\)\)/);
  assert.equal(hover.range?.start.line, use.line - 1);
  assert.equal(await registered.hovers[0].provideHover(document, new api.Position(0, 0)), null);
});

test('a CodeLens whose title an edit changes asks VS Code to redraw, once; unchanged titles ask nothing', async () => {
  const { api, registered } = createFakeVscode();
  const extension = requireWithFakeVscode<ExtensionModule>(resolve('dist/extension.js'), api);
  extension.activate({ subscriptions: [], extensionUri: api.Uri.file(process.cwd()) });
  const provider = registered.codeLenses[0];
  let redraws = 0;
  provider.onDidChangeCodeLenses?.(() => redraws++);
  const settle = () => new Promise((done) => setTimeout(done, 120));
  const titles = async (version: number, text: string) => (await provider.provideCodeLenses(fakeDocument('/nonexistent/models/gpt.py', text, 'python', version))).map((l) => l.command?.title ?? '');
  assert.match((await titles(1, GPT_SOURCE))[0], /Pre-LN/);
  await settle();
  assert.equal(redraws, 0, 'the first answer for a document needs no redraw');
  // An edit that only adds a comment line keeps every title: no redraw.
  await titles(2, `# a comment\n${GPT_SOURCE}`);
  await settle();
  assert.equal(redraws, 0);
  const postLn = GPT_SOURCE.replace('x = x + self.attn(self.ln_1(x))', 'x = self.ln_1(x + self.attn(x))').replace('x = x + self.mlp(self.ln_2(x))', 'x = self.ln_2(x + self.mlp(x))');
  assert.notEqual(postLn, GPT_SOURCE);
  assert.match((await titles(3, postLn))[0], /Post-LN/);
  await settle();
  assert.equal(redraws, 1, 'changed titles ask for one redraw');
  await titles(3, postLn);
  await settle();
  assert.equal(redraws, 1, 'the redraw itself asks for nothing more');
});
