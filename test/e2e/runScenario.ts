// A training writes its run file into the workspace while VS Code is open: the block's CodeLens quotes the
// run, the panel shows it beside the block, and both follow the file as it grows and closes.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from './check';
import { heatmapFacts, panelFrame, runFacts } from './panel';
import type { Scenario } from './scenarios';
import { EXAMPLES } from './workspace';
import { editorLine, openFile, runCommand, SLOW_MS, waitForCodeLens } from './workbench';
import { everySteps, runFileLines } from '../runs/runFixtures';

export const trainingRunScenario: Scenario = {
  slug: 'training-run',
  title: 'a training writes its run file: the CodeLens and the panel follow it as it grows',
  async run({ page, workspace, note, screenshotPath }) {
    const example = EXAMPLES.preLn;
    await openFile(page, example.file);
    await editorLine(page, example.normDefinition);
    // The header names the example and its block class, and no placement: the analyzer supplies Pre-LN.
    const lines = runFileLines({ layers: example.depth, steps: everySteps(12), name: 'gpt-e2e', model: example.file, blockClass: 'Block', placement: null, dModel: 512, close: true });
    mkdirSync(join(workspace, 'runs'), { recursive: true });
    const path = join(workspace, 'runs', 'gpt-e2e.normscope.jsonl');
    writeFileSync(path, lines.slice(0, 4).join(''));
    const lenses = await waitForCodeLens(page, /gpt-e2e → Block: step 20 \(training\)/);
    note(`CodeLenses with the run written: ${JSON.stringify(lenses)}`);

    await runCommand(page, 'NormScope: Show Architecture Diagram');
    const frame = await panelFrame(page);
    const recorded = async () => (await runFacts(frame).catch(() => [])).find((run) => run.label.startsWith('gpt-e2e'));
    const deadline = Date.now() + SLOW_MS;
    let run = await recorded();
    while (!run && Date.now() < deadline) {
      await page.waitForTimeout(500);
      run = await recorded();
    }
    note(`panel run: ${JSON.stringify(run)}`);
    check(run?.status === 'recording' && /step 20 · 3 recorded · training/.test(run.text), `the panel does not show the run being written: ${JSON.stringify(run)}`);

    // The training writes eight more steps and closes the file.
    appendFileSync(path, lines.slice(4).join(''));
    let done = await recorded();
    while (done?.status !== 'done' && Date.now() < deadline + SLOW_MS) {
      await page.waitForTimeout(500);
      done = await recorded();
    }
    note(`panel run after the appends: ${JSON.stringify(done)}`);
    check(done?.status === 'done' && /step 110 · 12 recorded/.test(done.text), `the panel did not follow the file to its close: ${JSON.stringify(done)}`);
    const facts = await heatmapFacts(frame);
    note(`heatmaps: ${JSON.stringify(facts.map((f) => [f.run, f.metric, f.levels]))}`);
    check(facts.some((f) => /gpt-e2e · Pre-LN/.test(f.run) && f.metric === 'residualNorm' && f.levels > 1), 'no residualNorm heatmap with colours for the recorded run');
    await page.screenshot({ path: screenshotPath });
    const grown = await waitForCodeLens(page, /gpt-e2e → Block: step 110 ·/);
    note(`CodeLenses after the close: ${JSON.stringify(grown)}`);
  },
};
