// "NormScope: Add Training Monitor to Workspace" through the built extension on a fake vscode whose file
// system is the real one: it asks first, writes the shipped monitor beside the active file, and never
// overwrites a copy the user changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createFakeVscode, requireWithFakeVscode } from '../host/fakeVscode';

interface FsUri { fsPath: string }

function activateWith(answer: string | undefined, activeFile: string | null) {
  const { api, registered } = createFakeVscode();
  const messages: string[] = [];
  const window = api.window as Record<string, unknown>;
  window.activeTextEditor = activeFile === null ? undefined : { document: { uri: api.Uri.file(activeFile), fileName: activeFile } };
  window.showInformationMessage = async (message: string, ...items: unknown[]) => {
    messages.push(message);
    return items.includes('Add') ? answer : undefined;
  };
  (api.workspace as Record<string, unknown>).fs = {
    readFile: async (uri: FsUri) => new Uint8Array(readFileSync(uri.fsPath)),
    writeFile: async (uri: FsUri, data: Uint8Array) => writeFileSync(uri.fsPath, data),
  };
  const extension = requireWithFakeVscode<{ activate(context: unknown): unknown }>(resolve('dist/extension.js'), api);
  extension.activate({ subscriptions: [], extensionUri: api.Uri.file(process.cwd()) });
  const command = registered.commands.get('normscope.addMonitor');
  assert.ok(command, 'normscope.addMonitor is registered');
  return { run: async () => { await command(); }, messages };
}

test('Add Training Monitor asks first, writes the shipped monitor beside the active file, keeps a changed copy', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-add-monitor-'));
  const target = join(dir, 'normscope_monitor.py');
  const shipped = readFileSync('dist/normscope_monitor.py', 'utf8');
  try {
    const declined = activateWith(undefined, join(dir, 'model.py'));
    await declined.run();
    assert.match(declined.messages[0], /^Add normscope_monitor\.py .* to .*\?$/);
    assert.equal(existsSync(target), false, 'nothing written without consent');

    const accepted = activateWith('Add', join(dir, 'model.py'));
    await accepted.run();
    assert.equal(readFileSync(target, 'utf8'), shipped);
    assert.match(accepted.messages.at(-1)!, /wrote .*normscope_monitor\.py/);

    await accepted.run();
    assert.match(accepted.messages.at(-1)!, /already there and up to date/);

    writeFileSync(target, shipped + '\n# my change\n');
    await accepted.run();
    assert.match(accepted.messages.at(-1)!, /kept your changed .*normscope_monitor\.py/);
    assert.ok(readFileSync(target, 'utf8').endsWith('# my change\n'));

    const noEditor = activateWith('Add', null);
    await noEditor.run();
    assert.match(noEditor.messages[0], /open your model or training file first/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
