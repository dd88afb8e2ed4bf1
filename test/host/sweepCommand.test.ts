// "NormScope: Sweep Depth…" driven as a person would, through the built extension (dist/extension.js) and
// its real runners: the placements quick pick, the depths box (refusing bad text), the progress
// notification and its Cancel, and the setSweep message the panel's webview receives, drawn by the views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { counterparts } from '../../src/core/probe/probeConfig';
import { stallThreshold } from '../../src/core/probe/stall';
import type { SweepResult } from '../../src/core/probe/sweep';
import { isHostToWebview } from '../../src/protocol/messages';
import { buildSweepViewModel } from '../../webview/views/sweepModel';
import { renderSweep } from '../../webview/views/sweepView';
import { newDocument } from '../views/snapshot';
import { createFakeVscode, fakeDocument, requireWithFakeVscode } from './fakeVscode';
import type { QuickPickItemLike } from './fakeVscodeUi';
import { GPT_SOURCE, spanOf } from './fixtures';

const SWEEP = 'normscope.sweep';

/** The extension, activated with `settings`, with the nanoGPT-style file open and the cursor in its Block. */
function editorOnBlock(settings: Record<string, unknown>) {
  const fake = createFakeVscode(settings);
  const extension = requireWithFakeVscode<{ activate(context: unknown): unknown }>(resolve('dist/extension.js'), fake.api);
  extension.activate({ subscriptions: [], extensionUri: fake.api.Uri.file(process.cwd()) });
  const at = spanOf(GPT_SOURCE, 'self.ln_1(x)');
  const position = new fake.api.Position(at.line - 1, at.column);
  fake.api.window.activeTextEditor = {
    document: fakeDocument('/nonexistent/models/gpt.py', GPT_SOURCE),
    selection: new fake.api.Selection(position, position),
    viewColumn: 1,
  };
  const sweep = (): Promise<unknown> => Promise.resolve(fake.registered.commands.get(SWEEP)!());
  return { ...fake, sweep };
}

const placementOf = (item: QuickPickItemLike): string => (item as QuickPickItemLike & { placement: string }).placement;
const pick = (...placements: string[]) => ({ items }: { items: QuickPickItemLike[] }) => items.filter((item) => placements.includes(placementOf(item)));

test('a sweep from the editor: placements and depths asked, bad depths refused, progress to 100 %, the panel gets the whole sweep', async () => {
  const { ui, sweep } = editorOnBlock({ 'normscope.probe.width': 16, 'normscope.sweep.steps': 8 });
  ui.answerQuickPick = pick('pre', 'post');
  ui.typed = ['6,abc', '2,3'];
  await sweep();

  const [quickPick] = ui.quickPicks;
  assert.equal(quickPick.options.canPickMany, true);
  assert.deepEqual(quickPick.items.filter((i) => i.picked).map(placementOf).sort(), ['pre', ...counterparts('pre')].sort(), 'its own placement and its counterparts ticked');
  assert.ok(quickPick.items.length > 10, 'every named placement is offered');
  const [box] = ui.inputBoxes;
  assert.equal(box.options.value, '6,12,24,48');
  assert.deepEqual(box.refused, [{ text: '6,abc', message: "depths 1–128 separated by commas (6,12,24), got 'abc' in '6,abc'" }]);

  const [progress] = ui.progress;
  assert.equal(progress.options.cancellable, true);
  assert.match(progress.options.title ?? '', /sweeping Block over depth/);
  const total = progress.reports.reduce((sum, r) => sum + (r.increment ?? 0), 0);
  assert.ok(Math.abs(total - 100) < 1e-9, `the bar fills to 100 %, not ${total}`);
  assert.match(progress.reports.at(-1)!.message ?? '', /^4\/4 runs · (pre|post) L=[23] done$/);
  assert.deepEqual(ui.messages, [], 'nothing to warn about');

  // The panel queues its messages until the webview says it is ready, then sends the model, runs and sweep.
  assert.equal(ui.panels.length, 1);
  const [panel] = ui.panels;
  assert.deepEqual(panel.posted, []);
  panel.receive({ type: 'ready' });
  assert.deepEqual(panel.posted.map((m) => (m as { type: string }).type).sort(), ['setModel', 'setRuns', 'setSweep']);
  const message = panel.posted.find((m) => (m as { type: string }).type === 'setSweep')!;
  assert.ok(isHostToWebview(message), 'the webview\'s guard accepts it');
  const result = (message as { sweep: SweepResult }).sweep;
  assert.deepEqual(result.placements, ['pre', 'post']);
  assert.deepEqual(result.layers, [2, 3]);
  assert.equal(result.base.steps, 8);
  assert.equal(result.base.dModel, 16);
  assert.equal(result.cancelled, false);
  assert.deepEqual(result.points.map((p) => `${p.placement}@${p.layers}`), ['pre@2', 'pre@3', 'post@2', 'post@3']);
  const { plateau, threshold } = stallThreshold(result.base.vocab, result.base.seed);
  for (const point of result.points) {
    assert.equal(point.steps, 8);
    assert.ok(point.finalLoss !== null && Number.isFinite(point.finalLoss));
    assert.equal(point.layerImportance?.length, point.layers);
    // Eight steps at lr 10⁻³ cannot leave the unigram plateau: every run is judged stalled, by the task's numbers.
    assert.ok(point.stalled, `${point.placement}@${point.layers} is not marked stalled at loss ${point.finalLoss}`);
    assert.equal(point.stalled.plateau, plateau);
    assert.ok(point.stalled.loss > threshold);
  }

  // What the panel draws from it: three charts, a faded ring per stalled run, greyed table cells.
  const doc = newDocument();
  renderSweep(doc.body, buildSweepViewModel(result));
  assert.equal(doc.querySelectorAll('svg.ns-chart').length, 3);
  assert.equal(doc.querySelectorAll('svg.ns-chart-sweep-loss .ns-point-stalled').length, 4);
  assert.equal(doc.querySelectorAll('.ns-sweep-table td.ns-stalled-cell').length, 2 * 4 * 2, 'two depths × four measures × two placements');
});

test('Escape at either question, or only bad depths, runs nothing and says nothing alarming', async () => {
  const escaped = editorOnBlock({});
  await escaped.sweep();
  assert.equal(escaped.ui.quickPicks.length, 1);
  assert.equal(escaped.ui.inputBoxes.length, 0, 'no depths asked after Escape on the placements');

  const nothingTicked = editorOnBlock({});
  nothingTicked.ui.answerQuickPick = () => [];
  await nothingTicked.sweep();
  assert.equal(nothingTicked.ui.inputBoxes.length, 0);

  const badDepths = editorOnBlock({});
  badDepths.ui.answerQuickPick = pick('pre');
  badDepths.ui.typed = ['6,abc', '0', '6,,12', '4,999'];
  await badDepths.sweep();
  assert.deepEqual(badDepths.ui.inputBoxes[0].refused.map((r) => r.message), [
    "depths 1–128 separated by commas (6,12,24), got 'abc' in '6,abc'",
    "depths 1–128 separated by commas (6,12,24), got '0' in '0'",
    "depths 1–128 separated by commas (6,12,24), got '' in '6,,12'",
    "depths 1–128 separated by commas (6,12,24), got '999' in '4,999'",
  ]);
  for (const { ui } of [escaped, nothingTicked, badDepths]) {
    assert.equal(ui.progress.length, 0, 'no sweep ran');
    assert.equal(ui.panels.length, 0);
    assert.deepEqual(ui.messages, []);
  }

  // A Python file with no transformer block: the command says what to do instead.
  const elsewhere = editorOnBlock({});
  (elsewhere.api.window.activeTextEditor as { document: unknown }).document = fakeDocument('/nonexistent/models/util.py', 'def add(a, b):\n    return a + b\n');
  await elsewhere.sweep();
  assert.equal(elsewhere.ui.quickPicks.length, 0);
  assert.match(elsewhere.ui.messages[0]?.text ?? '', /no transformer block found under the cursor/);
});

test('Cancel stops the worker runs where they are: no progress after it, no panel update, a second sweep refused meanwhile', async () => {
  const { ui, sweep } = editorOnBlock({ 'normscope.probe.width': 16, 'normscope.sweep.steps': 5000 });
  ui.answerQuickPick = pick('pre', 'post');
  ui.typed = ['2,3'];
  let second: Promise<unknown> | null = null;
  ui.onProgress = (call) => {
    // While the first sweep trains, asking for another is refused with a pointer to the Cancel button;
    // then the person presses Cancel.
    second ??= sweep().then(() => call.cancel());
  };
  await sweep();
  await second;
  const [progress] = ui.progress;
  assert.ok(progress.cancelledAt !== null);
  assert.deepEqual(progress.reports.filter((r) => r.at > progress.cancelledAt!), [], 'nothing reported after Cancel');
  // 4 runs of 5000 steps: had the workers not stopped, they would have finished (and been counted) instead.
  assert.deepEqual(ui.messages.map((m) => [m.severity, m.text]), [
    ['warning', 'NormScope: a depth sweep is already running; cancel it from its notification first.'],
    ['info', 'NormScope: depth sweep cancelled after 0 of 4 runs; the panel is left as it was.'],
  ]);
  assert.equal(ui.panels.length, 0, 'no panel opened or updated for a cancelled sweep');
  assert.equal(ui.quickPicks.length, 1, 'the refused second sweep asked nothing');
});
