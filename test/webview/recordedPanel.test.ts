import { dom } from './domGlobals';
// The watcher's path end to end, short of VS Code: a run file on disk grows, the follower reads the
// appended lines, the host's store publishes whole runs, and the panel (jsdom) redraws with the new
// columns, linked to its model block or on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PanelState, WebviewToHost } from '../../src/protocol/messages';
import { RunFollower, panelRunView } from '../../src/host/runFollower';
import { readRunFile } from '../../src/core/runs/runFile';
import { recordedResult, recordedSnapshot } from '../../src/core/runs/recorded';
import { runExtensions } from '../../src/protocol/runPatch';
import { RunStore, runKey } from '../../src/host/runStore';
import { PanelApp } from '../../webview/ui/panelApp';
import { everySteps, runFileLines } from '../runs/runFixtures';
import { gptBlock, probeResult } from '../host/fixtures';

const wire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));
const model = { uri: 'file:///m/gpt.py', fileName: '/m/gpt.py', blockIndex: 0, block: gptBlock() };

function panel() {
  const root = dom.window.document.createElement('div');
  dom.window.document.body.replaceChildren(root);
  const posted: WebviewToHost[] = [];
  const app = new PanelApp({ postMessage: (m) => posted.push(m), getState: () => undefined, setState: (_s: PanelState) => undefined }, root, { runner: null });
  app.start();
  return { root, app };
}

const stepsShown = (root: Element): string => root.querySelector('svg.ns-heatmap[data-metric="residualNorm"]')?.getAttribute('aria-label') ?? '';

test('a growing run file, linked to the model the panel shows, adds columns beside the probe run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-panel-run-'));
  const path = join(dir, 'gpt.normscope.jsonl');
  try {
    const lines = runFileLines({ layers: 4, steps: everySteps(12), placement: null, close: true });
    const store = new RunStore();
    const key = runKey(model.uri, model.blockIndex);
    store.set(key, [{ runId: 'p1', label: 'Pre-LN', snapshot: { step: 4, totalSteps: 4, done: true, result: probeResult() }, backendNote: null, error: null }]);
    const { root, app } = panel();
    app.receive({ type: 'setModel', model });
    const follower = new RunFollower({
      link: async () => ({ model, detected: { placement: 'pre', from: 'gpt.py (Block)' } }),
      keyOf: (linked, file) => (linked ? runKey(linked.uri, linked.blockIndex) : runKey(file, -1)),
      publish: (file) => {
        store.setRecorded(file.key, follower.followed.filter((f) => f.key === file.key).flatMap((f) => f.runs));
        app.receive(wire({ type: 'setRuns', runs: store.get(file.key) }));
      },
      throttleMs: 10,
    });
    writeFileSync(path, lines.slice(0, 4).join(''));
    await follower.changed(path);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(root.querySelector('.ns-comparison')?.getAttribute('data-runs'), '2', 'the probe and the recorded run side by side');
    const headers = [...root.querySelectorAll('.ns-cell-header h2')].map((h) => h.textContent);
    assert.deepEqual(headers, ['Pre-LN', 'gpt-small · Pre-LN']);
    const [, recordedStatus] = [...root.querySelectorAll('.ns-run-status')];
    assert.equal(recordedStatus.getAttribute('data-status'), 'recording');
    assert.equal(recordedStatus.getAttribute('data-step'), '20');
    const heatmaps = [...root.querySelectorAll('svg.ns-heatmap[data-metric="residualNorm"]')].map((s) => s.getAttribute('aria-label'));
    assert.match(heatmaps[1] ?? '', /5 layers × 3 steps/);
    // The training writes nine more steps and closes the file.
    appendFileSync(path, lines.slice(4).join(''));
    await follower.changed(path);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const grown = [...root.querySelectorAll('svg.ns-heatmap[data-metric="residualNorm"]')].map((s) => s.getAttribute('aria-label'));
    assert.match(grown[1] ?? '', /5 layers × 12 steps/);
    assert.equal(root.querySelectorAll('.ns-run-status')[1].getAttribute('data-status'), 'done');
    assert.ok(root.querySelector('svg.ns-chart-theory-residualNorm path.ns-band'), 'the detected placement draws its theory band');
    follower.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unlinked run is drawn on its own, with a note where its placement is unknown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-panel-run-'));
  try {
    const { root, app } = panel();
    const path = join(dir, 'r.normscope.jsonl');
    writeFileSync(path, runFileLines({ layers: 3, steps: everySteps(5), placement: null, model: null }).join(''));
    const store = new RunStore();
    const follower = new RunFollower({ link: async () => null, keyOf: (_m, file) => runKey(file, -1), publish: (file) => store.setRecorded(file.key, file.runs) });
    const file = await follower.open(path);
    app.receive(wire({ type: 'setRuns', runs: store.get(file.key) }));
    assert.equal(root.getAttribute('data-state'), 'runs');
    assert.match(stepsShown(root), /4 layers × 5 steps/);
    assert.match(root.querySelector('[data-run="0"] .ns-empty')?.textContent ?? '', /Placement not recorded/);
    assert.match(root.querySelector('.ns-run-notes')?.textContent ?? '', /does not say its placement/);
    follower.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a long run that grows is sent as its new columns, drawn once per frame, and the panel shows what the whole run draws', async () => {
  const lines = runFileLines({ layers: 4, steps: everySteps(700), placement: 'pre' });
  const view = (steps: number) => panelRunView({
    runId: 'recorded:g#0', label: 'gpt-small',
    snapshot: recordedSnapshot(recordedResult(readRunFile(lines.slice(0, steps + 1).join('')).runs[0], { file: 'g.normscope.jsonl' })),
    backendNote: null, error: null,
  });
  const growing = panel();
  growing.app.receive({ type: 'setModel', model });
  let sent = [view(600)];
  growing.app.receive(wire({ type: 'setRuns', runs: sent }));
  const sizes: number[] = [];
  for (let steps = 601; steps <= 640; steps++) {
    const next = [view(steps)];
    const extensions = runExtensions(sent, next);
    assert.ok(extensions && extensions.length === 1, `${steps} steps: sent as new columns`);
    for (const { runId, from, snapshot } of extensions) {
      const message = { type: 'extendRun', runId, from, snapshot };
      sizes.push(JSON.stringify(message).length);
      growing.app.receive(wire(message));
    }
    sent = next;
  }
  assert.match(stepsShown(growing.root), /5 layers × 301 steps/, 'forty extensions in one task: not drawn yet (the next frame draws them once)');
  await new Promise((resolve) => setTimeout(resolve, 40));
  const whole = panel();
  whole.app.receive({ type: 'setModel', model });
  whole.app.receive(wire({ type: 'setRuns', runs: sent }));
  const drawn = (root: Element) => root.querySelector('.ns-comparison')?.innerHTML ?? '';
  assert.match(stepsShown(whole.root), /5 layers × 321 steps/, 'one step in two, and the last');
  assert.equal(drawn(growing.root), drawn(whole.root), 'forty extensions draw what the whole run draws');
  assert.equal(growing.app.current.runs[0].snapshot!.result.metrics.steps.length, 321);
  const wholeSize = JSON.stringify({ type: 'setRuns', runs: sent }).length;
  assert.ok(Math.max(...sizes) * 50 < wholeSize, `an extension (${Math.max(...sizes)} bytes) is a small part of the whole run (${wholeSize})`);
});
