// `npm run bench:runs`: a recorded training of 1,000 steps × 96 layers (docs/run-format.md), as the
// watcher meets it. Prints the cost of reading the whole file, of one appended line early and late in the
// file (it should not grow with the file), of reading an append from disk through the tail, of the
// snapshot the host posts (size, build and serialisation), and of drawing it: view models and d3 under
// jsdom, and the real panel in headless Chromium (when /usr/bin/chromium is there) as the run grows.
// "Smooth" is measured as: the host's work per appended line (read, views, thinning, JSON of what is
// posted) well under a 16.7 ms frame, and the panel's main-thread time per update bounded by the thinned
// width (not by the run's length), drawn at most once per frame. Both are printed for the whole run posted
// on every update (before) and for only its new columns (now), with their ratio, in the same run.
//   node out/bench/runs.bench.js [--steps N] [--layers N]

import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { RunFileReader, readRunFile } from '../../src/core/runs/runFile';
import { RunTail } from '../../src/host/runTail';
import { PANEL_COLUMNS, panelRunView, recordedViews } from '../../src/host/runFollower';
import type { HostToWebview, RunView } from '../../src/protocol/messages';
import { runExtensions } from '../../src/protocol/runPatch';
import { buildComparison } from '../../webview/views/compare';
import { renderComparison } from '../../webview/views/comparisonView';
import { everySteps, runFileLines } from '../runs/runFixtures';
import { openPanelPage } from './panelPage';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const STEPS = option('--steps', 1000);
const LAYERS = option('--layers', 96);
const PANEL_METRICS = ['residualNorm', 'contribution', 'gradNorm'] as const;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value: number): string => `${value.toFixed(value < 1 ? 3 : 1)} ms`;
/** Wall time, and the process's CPU time over the same span (the work itself, on a machine where others wait for cores too). */
let lastCpu = 0;
function time<T>(work: () => T): [T, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = work();
  const used = process.cpuUsage(c0);
  lastCpu = (used.user + used.system) / 1000;
  return [value, performance.now() - t0];
}
function timeCpu(work: () => unknown): { wall: number; cpu: number } {
  const [, wall] = time(work);
  return { wall, cpu: lastCpu };
}

async function main(): Promise<void> {
  const lines = runFileLines({ layers: LAYERS, steps: everySteps(STEPS), name: 'bench', close: false });
  const text = lines.join('');
  console.log(`runs.bench: ${STEPS} recorded steps × ${LAYERS} layers, ${(text.length / 1e6).toFixed(1)} MB of JSONL (${lines.length} lines)`);
  console.log(`  load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine (shared: wall times include waiting for a core)`);

  const whole = [0, 1, 2, 3, 4].map(() => timeCpu(() => readRunFile(text)));
  const wholeCpu = median(whole.map((w) => w.cpu));
  console.log(`  whole file parsed             median ${ms(median(whole.map((w) => w.wall)))} wall, ${ms(wholeCpu)} CPU over 5 (${ms(wholeCpu / lines.length)} CPU per line)`);

  // One appended line early in a file and late in it: the cost must not depend on what was read before.
  const appendCost = (before: number): number => {
    const reader = new RunFileReader();
    reader.push(lines.slice(0, before).join(''));
    return median(lines.slice(before, before + 50).map((line) => time(() => reader.push(line))[1]));
  };
  const early = appendCost(10);
  const late = appendCost(Math.max(11, lines.length - 60));
  console.log(`  one appended line (${(lines[5].length / 1024).toFixed(1)} KB)   median ${ms(early)} after 10 lines, ${ms(late)} after ${lines.length - 60} (ratio ${(late / early).toFixed(2)})`);

  // Through the tail from disk: the first read of a long file, then appends read alone.
  const dir = mkdtempSync(join(tmpdir(), 'normscope-runs-bench-'));
  try {
    const path = join(dir, 'bench.normscope.jsonl');
    writeFileSync(path, lines.slice(0, -20).join(''));
    const tail = new RunTail(path);
    let t0 = performance.now();
    await tail.update();
    const first = performance.now() - t0;
    const appends: number[] = [];
    for (const line of lines.slice(-20)) {
      appendFileSync(path, line);
      t0 = performance.now();
      await tail.update();
      appends.push(performance.now() - t0);
    }
    console.log(`  tail from disk                first read ${ms(first)}; each append read alone median ${ms(median(appends))} over 20`);
    await hostPerAppend(path, lines);

    const [views, build] = time(() => recordedViews(path, 'bench.normscope.jsonl', tail.state, null));
    const [sent, thin] = time(() => views.map(panelRunView));
    for (const [what, runs, extra] of [[`all ${STEPS} steps`, views, build], [`thinned to ${PANEL_COLUMNS} (sent)`, sent, build + thin]] as const) {
      const [json, serialise] = time(() => JSON.stringify({ type: 'setRuns', runs }));
      const result = runs[0].snapshot!.result;
      const serialiseCpu = lastCpu;
      const jsdom: number[] = [];
      const models: number[] = [];
      for (let round = 0; round < 5; round++) {
        const doc = new JSDOM('<!DOCTYPE html><body></body>').window.document;
        let comparison: ReturnType<typeof buildComparison> | null = null;
        const model = timeCpu(() => { comparison = buildComparison([result], { metrics: PANEL_METRICS }); });
        const render = timeCpu(() => renderComparison(doc.body.appendChild(doc.createElement('div')), comparison!));
        models.push(model.cpu);
        jsdom.push(model.cpu + render.cpu);
      }
      console.log(`  snapshot, ${what}: built in ${ms(extra)}; JSON ${(json.length / 1e6).toFixed(1)} MB, serialised in ${ms(serialise)} wall / ${ms(serialiseCpu)} CPU`);
      console.log(`    panel views (3 heatmaps, loss, theory), CPU median of 5: view models ${ms(median(models))}, with the d3 render under jsdom ${ms(median(jsdom))}`);
    }

    if (existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium')) await inChromium(path);
    else console.log('  (no Chromium: skipped the in-browser figures)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the panel is sent when the host publishes a grown run: the whole run (before), or its new columns (now). */
function growthMessages(previous: RunView[], next: RunView[], whole: boolean): HostToWebview[] {
  const extensions = whole ? null : runExtensions(previous, next);
  return extensions ? extensions.map(({ runId, from, snapshot }) => ({ type: 'extendRun', runId, from, snapshot })) : [{ type: 'setRuns', runs: next }];
}

/**
 * The host's work for one appended line, as the extension does it: read the append, build the views, thin
 * them for the panel, and serialise what is posted (VS Code sends webview messages as JSON). CPU time, the
 * median over 20 appends, with the whole run posted (before) and with only its new columns (now).
 */
async function hostPerAppend(path: string, lines: string[]): Promise<void> {
  const figures = { whole: { cpu: [] as number[], bytes: [] as number[] }, columns: { cpu: [] as number[], bytes: [] as number[] } };
  for (const mode of ['whole', 'columns'] as const) {
    writeFileSync(path, lines.slice(0, -20).join(''));
    const tail = new RunTail(path);
    let sent: RunView[] = [];
    const publish = async (): Promise<{ cpu: number; bytes: number }> => {
      const c0 = process.cpuUsage();
      await tail.update();
      const next = recordedViews(path, 'bench.normscope.jsonl', tail.state, null).map(panelRunView);
      const json = growthMessages(sent, next, mode === 'whole').map((message) => JSON.stringify(message));
      sent = next;
      const used = process.cpuUsage(c0);
      return { cpu: (used.user + used.system) / 1000, bytes: json.reduce((sum, text) => sum + text.length, 0) };
    };
    await publish();
    for (const line of lines.slice(-20)) {
      appendFileSync(path, line);
      const { cpu, bytes } = await publish();
      figures[mode].cpu.push(cpu);
      figures[mode].bytes.push(bytes);
    }
  }
  const before = median(figures.whole.cpu);
  const now = median(figures.columns.cpu);
  console.log(`  host work per appended line (read, views, thinning, JSON of what is posted), CPU median over 20:`);
  console.log(`    whole run posted (before)    ${ms(before)}, ${(median(figures.whole.bytes) / 1e6).toFixed(2)} MB posted`);
  console.log(`    new columns only (now)       ${ms(now)}, ${(median(figures.columns.bytes) / 1e3).toFixed(1)} KB posted; ratio before/now ${(before / now).toFixed(0)}× (a 60 Hz frame is 16.7 ms)`);
}

/** The real panel: the run opened whole, then redrawn as it grows by one recorded step per update. */
async function inChromium(path: string): Promise<void> {
  const panel = await openPanelPage({ width: 1100, height: 1400 });
  try {
    const lines = runFileLines({ layers: LAYERS, steps: everySteps(STEPS), name: 'bench' });
    const tail = new RunTail(path);
    writeFileSync(path, lines.slice(0, -20).join(''));
    await tail.update();
    // t0 before the first message is posted; done at the second frame after the handlers ran (the panel
    // draws a grown run in an animation frame, so the first one may be its drawing; the second follows its paint).
    const draw = (messages: HostToWebview[]) => panel.page.evaluate((list) => {
      const t0 = performance.now();
      for (const message of list) window.postMessage(message, '*');
      return new Promise<number>((done) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0))), 0));
    }, messages);
    // What the host sends: the whole run, thinned to the heatmaps' width.
    const snapshot = () => recordedViews(path, 'bench.normscope.jsonl', tail.state, null).map(panelRunView);
    // The renderer's main-thread CPU time (Chromium's ThreadTime metric), which waiting for a core does not inflate.
    const cdp = await panel.page.context().newCDPSession(panel.page);
    await cdp.send('Performance.enable');
    const threadTime = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics') as { metrics: { name: string; value: number }[] };
      return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? Number.NaN) * 1000;
    };
    const cpu0 = await threadTime();
    let sent = snapshot();
    const opened = await draw([{ type: 'setRuns', runs: sent }]);
    const openedCpu = (await threadTime()) - cpu0;
    const figures = { whole: { wall: [] as number[], cpu: [] as number[] }, columns: { wall: [] as number[], cpu: [] as number[] } };
    const grow = lines.slice(-20);
    for (const [i, line] of grow.entries()) {
      const mode = i < grow.length / 2 ? 'whole' : 'columns';
      appendFileSync(path, line);
      await tail.update();
      const next = snapshot();
      const messages = growthMessages(sent, next, mode === 'whole');
      sent = next;
      const before = await threadTime();
      figures[mode].wall.push(await draw(messages));
      figures[mode].cpu.push((await threadTime()) - before);
    }
    const heatmaps = await panel.page.locator('svg.ns-heatmap').count();
    const label = await panel.page.locator('svg.ns-heatmap[data-metric="residualNorm"]').getAttribute('aria-label');
    const violations = await panel.violations();
    const problems = panel.consoleLines.filter((line) => /^(error|pageerror)/.test(line));
    console.log(`  panel in headless Chromium (${await panel.browser.version()}): ${heatmaps} heatmaps (${label?.match(/\d+ layers × \d+ steps/)?.[0] ?? '?'})`);
    console.log(`    open the run             ${ms(opened)} wall (message handled, drawn, next frame); main-thread CPU ${ms(openedCpu)}`);
    const line = (what: string, f: { wall: number[]; cpu: number[] }) => console.log(`    ${what} median ${ms(median(f.wall))} wall over ${f.wall.length} (min ${ms(Math.min(...f.wall))}, max ${ms(Math.max(...f.wall))}); main-thread CPU median ${ms(median(f.cpu))}`);
    line('growth, whole run (before) ', figures.whole);
    line('growth, new columns (now)  ', figures.columns);
    console.log(`    ratio before/now: wall ${(median(figures.whole.wall) / median(figures.columns.wall)).toFixed(1)}×, main-thread CPU ${(median(figures.whole.cpu) / median(figures.columns.cpu)).toFixed(1)}× (CPU includes receiving the message; here through the DevTools protocol)`);
    console.log(`    CSP violations: ${violations.length === 0 ? 'none' : violations.join('; ')}; console errors: ${problems.length === 0 ? 'none' : problems.slice(0, 3).join(' | ')}`);
  } finally {
    await panel.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
