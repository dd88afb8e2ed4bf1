import { dom } from './domGlobals';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeSnapshot } from '../../src/core/probe/types';
import type { PanelState, WebviewToHost } from '../../src/protocol/messages';
import { PanelApp, type WebviewProbeRunner } from '../../webview/ui/panelApp';
import { gptBlock, probeResult } from '../host/fixtures';

function setup(runner: WebviewProbeRunner | null = null, saved: unknown = undefined) {
  const root = dom.window.document.createElement('div');
  dom.window.document.body.replaceChildren(root);
  const posted: WebviewToHost[] = [];
  const states: PanelState[] = [];
  const app = new PanelApp({ postMessage: (m) => posted.push(m), getState: () => saved, setState: (s) => states.push(s) }, root, {
    runner,
    probeGl: () => ({ renderer: 'NVIDIA H100', roundTripMs: 0.3 }),
  });
  app.start();
  return { root, app, posted, states };
}

/** Waits for a condition the panel reaches asynchronously; fails after twenty seconds (the machine is shared and jsdom renders every snapshot). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the panel');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const model = { uri: 'file:///m/gpt.py', fileName: '/m/gpt.py', blockIndex: 0, block: gptBlock() };

test('the panel says ready once, ignores malformed messages, renders the model and persists it', () => {
  const { root, app, posted, states } = setup();
  assert.deepEqual(posted, [{ type: 'ready' }]);
  assert.equal(root.getAttribute('data-state'), 'empty');
  app.receive({ type: 'setModel', model: { ...model, block: { ...model.block, placement: 'bogus' } } });
  assert.equal(root.getAttribute('data-state'), 'empty');
  app.receive({ type: 'setModel', model });
  assert.equal(root.getAttribute('data-state'), 'model');
  assert.equal(root.querySelector('.ns-model')?.getAttribute('data-placement'), 'pre');
  assert.deepEqual(states.at(-1)?.model, model);
  assert.deepEqual([...root.querySelectorAll('[data-command]')].map((b) => b.getAttribute('data-command')), ['probe', 'compare', 'cancel', 'exportHtml', 'exportJson', 'openRun']);
});

test('clicking a diagram element asks the host to reveal its source line', () => {
  const { root, app, posted } = setup();
  app.receive({ type: 'setModel', model });
  const lines = [...root.querySelectorAll('.ns-node[data-line]')].map((n) => n.getAttribute('data-line'));
  assert.ok(lines.includes('12'), `a node for line 12 (the attn call) among ${lines.join(',')}`);
  const node = root.querySelector('.ns-node[data-line="12"]')!;
  node.dispatchEvent(new dom.window.MouseEvent('click', { bubbles: true }));
  const reveal = posted.find((m) => m.type === 'reveal');
  assert.equal(reveal?.type === 'reveal' && reveal.line, 12);
});

test('host snapshots fill the views: one heatmap per metric and run on shared scales, loss and theory charts', () => {
  const { root, app } = setup();
  app.receive({ type: 'setModel', model });
  const snapshot: ProbeSnapshot = { step: 4, totalSteps: 4, done: true, result: probeResult() };
  const post = probeResult();
  post.config = { ...post.config, placement: 'post' };
  app.receive({ type: 'setRuns', runs: [
    { runId: 'a', label: 'Pre-LN', snapshot: null, backendNote: 'cpu: asked for', error: null },
    { runId: 'b', label: 'Post-LN', snapshot: null, backendNote: null, error: null },
  ] });
  assert.equal(root.querySelector('.ns-run-status')?.getAttribute('data-status'), 'running');
  assert.ok(root.querySelector('svg.ns-diagram'), 'before data: the source block diagram');
  app.receive({ type: 'snapshot', runId: 'a', snapshot });
  app.receive({ type: 'snapshot', runId: 'b', snapshot: { ...snapshot, result: post } });
  assert.equal(root.querySelector('.ns-run-status')?.getAttribute('data-status'), 'done');
  // The e2e tests read each run's label from its badge.
  assert.deepEqual([...root.querySelectorAll('.ns-run-status .ns-badge')].map((b) => b.textContent), ['Pre-LN', 'Post-LN']);
  assert.equal(root.querySelector('.ns-comparison')?.getAttribute('data-runs'), '2');
  for (const metric of ['residualNorm', 'contribution', 'gradNorm']) {
    assert.equal(root.querySelectorAll(`svg.ns-heatmap[data-metric="${metric}"]`).length, 2, metric);
  }
  assert.equal(root.querySelectorAll('svg.ns-heatmap[data-metric="cosine"]').length, 0);
  assert.match(root.querySelector('svg.ns-heatmap[data-metric="residualNorm"]')?.getAttribute('aria-label') ?? '', /4 layers × 3 steps/);
  assert.ok(root.querySelector('svg.ns-chart-loss'));
  const theory = root.querySelector('svg.ns-chart-theory-residualNorm');
  assert.match(theory?.getAttribute('aria-label') ?? '', /Pre-LN: Pre-LN band √\(1 \+ l\/2\).*Post-LN: after the norm: 1 by construction/);
});

test('a saved state restores before the host speaks', () => {
  const saved: PanelState = { model, runs: [] };
  const { root } = setup(null, saved);
  assert.equal(root.getAttribute('data-state'), 'model');
});

test('startProbe runs in the webview, reports the backend, streams snapshots and honours cancel', async () => {
  const result = probeResult();
  let seenBackend = '';
  const runner: WebviewProbeRunner = async function* (config, decision, signal) {
    seenBackend = `${config.backend}/${decision.backend}`;
    for (let step = 0; step <= 4; step += 2) {
      if (signal.aborted) return;
      yield { step, totalSteps: 4, done: step === 4, result };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const { app, posted } = setup(runner);
  app.receive({ type: 'setModel', model });
  app.receive({ type: 'startProbe', runId: 'g1', label: 'Pre-LN', config: result.config, mode: 'auto' });
  await until(() => app.current.runs[0]?.snapshot?.done === true);
  assert.equal(seenBackend, 'gpujs/gpujs');
  const chosen = posted.find((m) => m.type === 'backendChosen');
  assert.equal(chosen?.type === 'backendChosen' && chosen.reason, 'WebGL2 on NVIDIA H100 (0.3 ms per 256² round trip)');
  const snapshots = posted.filter((m) => m.type === 'snapshot');
  assert.deepEqual(snapshots.map((m) => m.type === 'snapshot' && m.snapshot.step), [0, 2, 4]);
  assert.match(snapshots[0].type === 'snapshot' ? snapshots[0].snapshot.result.backendNote ?? '' : '', /^gpujs: WebGL2 on NVIDIA/);
  assert.equal(app.current.runs[0].snapshot?.done, true);

  const slow: WebviewProbeRunner = async function* (_config, _decision, signal) {
    for (let step = 0; !signal.aborted; step++) {
      yield { step, totalSteps: 1000, done: false, result };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const second = setup(slow);
  second.app.receive({ type: 'startProbe', runId: 'g2', label: 'Post-LN', config: result.config, mode: 'auto' });
  await until(() => second.posted.some((m) => m.type === 'snapshot'));
  second.app.receive({ type: 'cancelProbe', runId: 'g2' });
  const count = second.posted.filter((m) => m.type === 'snapshot').length;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.ok(count > 0 && second.posted.filter((m) => m.type === 'snapshot').length <= count + 1, 'stops after cancel');
});

test('without an engine the panel reports an error instead of pretending', async () => {
  const { app, posted } = setup(null);
  app.receive({ type: 'startProbe', runId: 'x', label: 'Pre-LN', config: probeResult().config, mode: 'auto' });
  await until(() => posted.some((m) => m.type === 'probeError'));
  assert.ok(posted.some((m) => m.type === 'probeError' && m.runId === 'x'));
});

test('style attributes the CSP would refuse are re-applied through the CSSOM', async () => {
  const { adoptInlineStyles } = await import('../../webview/ui/panelApp');
  const host = dom.window.document.createElement('div');
  host.innerHTML = '<svg><path style="stroke: var(--vscode-charts-blue, #1a85ff); fill: none"></path></svg><div style="grid-template-columns: repeat(2, 1fr)"></div>';
  adoptInlineStyles(host);
  const path = host.querySelector('path') as unknown as SVGElement;
  assert.equal(path.style.getPropertyValue('stroke'), 'var(--vscode-charts-blue, #1a85ff)');
  assert.equal(path.style.getPropertyValue('fill'), 'none');
  assert.equal((host.querySelector('div') as HTMLElement).style.getPropertyValue('grid-template-columns'), 'repeat(2, 1fr)');
});

test('a CPU choice with hostFallback leaves the run to the host: the panel reports the choice and runs nothing', async () => {
  let ran = false;
  const runner: WebviewProbeRunner = async function* () {
    ran = true;
  };
  const { app, posted } = setup(runner);
  app.receive({ type: 'setModel', model });
  app.receive({ type: 'startProbe', runId: 'c1', label: 'Pre-LN', config: probeResult().config, mode: 'cpu', hostFallback: true });
  await until(() => posted.some((m) => m.type === 'backendChosen'));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(ran, false);
  assert.deepEqual(posted.filter((m) => m.type !== 'ready').map((m) => m.type), ['backendChosen']);
  const chosen = posted.find((m) => m.type === 'backendChosen');
  assert.equal(chosen?.type === 'backendChosen' && chosen.backend, 'cpu');
});

test('a depth sweep from the host draws its charts and table in the panel and is persisted', async () => {
  const { fixtureSweep } = await import('../sweep/sweepFixtures');
  const { root, app, states } = setup();
  app.receive({ type: 'setModel', model });
  app.receive({ type: 'setSweep', sweep: { ...fixtureSweep(true), layers: [6, 0] } });
  assert.equal(root.querySelector('.ns-sweep-section'), null, 'a malformed sweep is ignored');
  app.receive({ type: 'setSweep', sweep: fixtureSweep(true) });
  const section = root.querySelector('.ns-sweep-section')!;
  assert.equal(section.getAttribute('data-points'), '8');
  assert.equal(section.querySelectorAll('svg.ns-chart').length, 3);
  assert.match(section.querySelector('h3')!.textContent!, /^Depth sweep: pre, post, layernorm-scaling at L = 6, 12, 24, 48 · 100 steps$/);
  assert.equal(states.at(-1)?.sweep?.points.length, 8);
  app.receive({ type: 'setSweep', sweep: null });
  assert.equal(root.querySelector('.ns-sweep-section'), null);
});
