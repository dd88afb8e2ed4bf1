// Loads the built extension bundle (dist/extension.js) against a fake vscode and checks what it
// registers against package.json's contributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createFakeVscode, requireWithFakeVscode } from './fakeVscode';

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
