// The built extension (dist/extension.js) against the fake vscode: a run file the watcher sees links to
// the model its header names, and that model's hover and CodeLens then quote the real run's numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createFakeVscode, fakeDocument, requireWithFakeVscode } from './fakeVscode';
import { GPT_SOURCE } from './fixtures';
import { everySteps, lossAt, residualAt, runFileLines } from '../runs/runFixtures';

interface ExtensionModule {
  activate(context: unknown): { activationMs: number };
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

test('a run file the watcher sees feeds the hover and CodeLens of the block its header names, and follows its growth', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-runs-ext-'));
  try {
    mkdirSync(join(dir, 'runs'));
    const modelPath = join(dir, 'model.py');
    writeFileSync(modelPath, GPT_SOURCE);
    const runPath = join(dir, 'runs', 'gpt.normscope.jsonl');
    const lines = runFileLines({ layers: 6, steps: everySteps(10), placement: null, model: 'model.py', blockClass: 'Block' });
    writeFileSync(runPath, lines.slice(0, 5).join(''));

    const { api, registered, documents } = createFakeVscode();
    const document = fakeDocument(modelPath, GPT_SOURCE);
    documents.set(modelPath, document);
    const extension = requireWithFakeVscode<ExtensionModule>(resolve('dist/extension.js'), api);
    extension.activate({ subscriptions: [], extensionUri: api.Uri.file(process.cwd()) });
    assert.ok(registered.commands.has('normscope.openRun'));
    const watcher = registered.watchers.find((w) => w.glob === '**/*.normscope.jsonl');
    assert.ok(watcher, 'a watcher on run files');

    const lensTitles = async () => (await registered.codeLenses[0].provideCodeLenses(document)).map((lens) => lens.command?.title ?? '');
    assert.ok(!(await lensTitles()).some((t) => t.includes('$(pulse)')), 'no run linked yet');
    watcher.create.fire(api.Uri.file(runPath));
    await until(async () => (await lensTitles()).some((t) => t.includes('$(pulse)')), 'the run lens');
    const runLens = (await lensTitles()).find((t) => t.includes('$(pulse)'))!;
    // Four recorded steps (0…30): the last column's loss and the stream after the last block.
    assert.equal(runLens, `$(pulse) gpt-small → Block: step 30 (training) · loss ${lossAt(30).toFixed(2)} · ‖x_L‖/√d ${residualAt(6, 30).toFixed(2)}`);

    const header = await registered.hovers[0].provideHover(document, new api.Position(2, 7));
    assert.ok(header);
    assert.match(header.contents.value, /\*\*Measured\*\* \(gpt-small → Block, recorded run, still training, L=6, d=768, step 30\)/);
    assert.doesNotMatch(header.contents.value, /Run “NormScope: Probe Model Under Cursor”/);

    appendFileSync(runPath, lines.slice(5).join(''));
    watcher.change.fire(api.Uri.file(runPath));
    await until(async () => (await lensTitles()).some((t) => t.includes('step 90 (training)')), 'the grown run');
    watcher.delete.fire(api.Uri.file(runPath));
    await until(async () => !(await lensTitles()).some((t) => t.includes('$(pulse)')), 'the run to leave');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// What the Linux watcher does when a training makes its folder and writes its run file at once
// (os.makedirs then open): it reports the folder created and nothing for the file, whose create happened
// before the folder was watched (e2e scenario 8 failed this way on an idle machine, issue 10). With
// `mkdir -p runs/exp1` the inner folder is never watched, so its file's growth gets no event either.
test('a run file written into a folder made a moment before, with no event of its own, is found and followed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-runs-new-folder-'));
  try {
    const modelPath = join(dir, 'model.py');
    writeFileSync(modelPath, GPT_SOURCE);
    const { api, registered, documents } = createFakeVscode();
    const document = fakeDocument(modelPath, GPT_SOURCE);
    documents.set(modelPath, document);
    const extension = requireWithFakeVscode<ExtensionModule>(resolve('dist/extension.js'), api);
    extension.activate({ subscriptions: [], extensionUri: api.Uri.file(process.cwd()) });
    const lensTitles = async () => (await registered.codeLenses[0].provideCodeLenses(document)).map((lens) => lens.command?.title ?? '');
    let lensEvents = 0;
    registered.codeLenses[0].onDidChangeCodeLenses?.(() => { lensEvents++; });

    const lines = runFileLines({ layers: 6, steps: everySteps(10), placement: null, model: 'model.py', blockClass: 'Block' });
    const runPath = join(dir, 'runs', 'exp1', 'gpt.normscope.jsonl');
    mkdirSync(join(dir, 'runs', 'exp1'), { recursive: true });
    writeFileSync(runPath, lines.slice(0, 3).join(''));
    // Only the outer folder's create is reported, on whichever watcher asked for every created path.
    const anyPath = registered.watchers.filter((w) => w.glob !== '**/*.normscope.jsonl');
    assert.ok(anyPath.length > 0, 'a watcher that sees created folders, not only run files');
    for (const w of anyPath) w.create.fire(api.Uri.file(join(dir, 'runs')));
    await until(async () => (await lensTitles()).some((t) => t.includes('$(pulse) gpt-small → Block: step 10 (training)')), 'the run lens of a file no event named');
    assert.ok(lensEvents > 0, 'the CodeLens provider told VS Code to ask again');

    // The inner folder is not watched: the training's next lines come with no event at all.
    appendFileSync(runPath, lines.slice(3).join(''));
    await until(async () => (await lensTitles()).some((t) => t.includes('step 90 (training)')), 'the grown run, with no change event');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A training that ran before VS Code was opened: its run file gets no watcher event, ever. The extension
// activates on `workspaceContains:**/*.normscope.jsonl` and follows the files already there.
test('a run file already in the workspace when the extension starts is linked without any event', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-runs-existing-'));
  try {
    const modelPath = join(dir, 'model.py');
    writeFileSync(modelPath, GPT_SOURCE);
    mkdirSync(join(dir, 'runs'));
    const runPath = join(dir, 'runs', 'done.normscope.jsonl');
    const lines = runFileLines({ layers: 6, steps: everySteps(10), placement: null, model: 'model.py', blockClass: 'Block' });
    writeFileSync(runPath, lines.join(''));
    const { api, registered, documents, existing } = createFakeVscode();
    existing.push(join(dir, 'model.py'), runPath);
    const document = fakeDocument(modelPath, GPT_SOURCE);
    documents.set(modelPath, document);
    const extension = requireWithFakeVscode<ExtensionModule>(resolve('dist/extension.js'), api);
    extension.activate({ subscriptions: [], extensionUri: api.Uri.file(process.cwd()) });
    const lensTitles = async () => (await registered.codeLenses[0].provideCodeLenses(document)).map((lens) => lens.command?.title ?? '');
    await until(async () => (await lensTitles()).some((t) => t.includes('$(pulse) gpt-small → Block: step 90')), 'the lens of the run that was already there');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
