// Every NormScope command: ids and titles in one constant (package.json `contributes.commands` mirrors
// it, a test checks they agree) and the handlers beside them.

import * as vscode from 'vscode';
import type { ProbePlacement } from '../core/probe/types';
import type { Controller, ModelRef } from './controller';
import { renderReportHtml } from '../report/html';
import { exportJson } from './exportResults';
import { registerMonitorCommands } from './monitorCommands';
import { NormScopePanel } from './panel';
import { PLACEMENT_EQUATION, PLACEMENT_LABEL, effectivePlacement } from './placementText';
import { counterparts } from '../core/probe/probeConfig';
import { PROBE_PLACEMENTS, isProbePlacement } from './probeConfig';
import { runKey } from './runStore';
import type { TrainingRuns } from './trainingRuns';
import { sweepDepth } from './sweepCommand';

export const COMMANDS = {
  showDiagram: { id: 'normscope.showDiagram', title: 'Show Architecture Diagram' },
  probe: { id: 'normscope.probe', title: 'Probe Model Under Cursor' },
  compare: { id: 'normscope.compare', title: 'Compare Placements…' },
  cancel: { id: 'normscope.cancelProbe', title: 'Cancel Running Probe' },
  exportHtml: { id: 'normscope.exportHtml', title: 'Export Results as HTML Report' },
  exportJson: { id: 'normscope.exportJson', title: 'Export Results as JSON' },
  openRun: { id: 'normscope.openRun', title: 'Open Training Run…' },
  sweep: { id: 'normscope.sweep', title: 'Sweep Depth…' },
} as const;

const NO_MODEL = 'NormScope: no transformer block found under the cursor. Open a model file (Python or config.json) and place the cursor in a block class.';

export function registerCommands(controller: Controller, trainingRuns?: TrainingRuns): vscode.Disposable[] {
  const withModel = (action: (model: NonNullable<Awaited<ReturnType<Controller['resolveModel']>>>) => Promise<unknown> | unknown) =>
    async (ref?: ModelRef) => {
      const model = await controller.resolveModel(ref);
      if (!model) {
        void vscode.window.showInformationMessage(NO_MODEL);
        return;
      }
      await action(model);
    };

  return [
    vscode.commands.registerCommand(COMMANDS.showDiagram.id, withModel((model) => controller.showPanel(model))),

    vscode.commands.registerCommand(COMMANDS.probe.id, withModel((model) => controller.probe(model))),

    vscode.commands.registerCommand(COMMANDS.compare.id, withModel(async (model) => {
      const own = effectivePlacement(model.block);
      const defaults = new Set<ProbePlacement>(isProbePlacement(own) ? counterparts(own) : ['pre', 'post']);
      const picked = await vscode.window.showQuickPick(
        PROBE_PLACEMENTS.filter((p) => p !== own).map((placement) => ({
          label: PLACEMENT_LABEL[placement],
          description: PLACEMENT_EQUATION[placement],
          picked: defaults.has(placement),
          placement,
        })),
        { canPickMany: true, title: `Compare ${model.block.name} (${PLACEMENT_LABEL[model.block.placement]}) against…` },
      );
      if (!picked || picked.length === 0) return;
      await controller.probe(model, picked.map((item) => item.placement as ProbePlacement));
    })),

    vscode.commands.registerCommand(COMMANDS.cancel.id, () => {
      if (!controller.sessions.cancel()) void vscode.window.showInformationMessage('NormScope: no probe is running.');
    }),

    vscode.commands.registerCommand(COMMANDS.exportJson.id, () => exportResults(controller, 'json')),
    vscode.commands.registerCommand(COMMANDS.exportHtml.id, () => exportResults(controller, 'html')),
    ...registerMonitorCommands(controller),

    // From the palette (a file picker), the panel's toolbar, or the explorer's context menu (the file, or every selected one).
    vscode.commands.registerCommand(COMMANDS.openRun.id, (uri?: vscode.Uri, selected?: vscode.Uri[]) =>
      trainingRuns?.open(selected && selected.length > 0 ? selected : uri instanceof vscode.Uri ? [uri] : undefined)),
    vscode.commands.registerCommand(COMMANDS.sweep.id, withModel((model) => sweepDepth(controller, model))),
  ];
}

/** Writes the panel's current runs as JSON (whole results, re-creatable configs) or the self-contained HTML report. */
async function exportResults(controller: Controller, format: 'json' | 'html'): Promise<void> {
  const model = NormScopePanel.active?.model ?? (await controller.resolveModel());
  const runs = model ? controller.store.get(runKey(model.uri, model.blockIndex)).filter((run) => run.snapshot !== null) : [];
  if (!model || runs.length === 0) {
    void vscode.window.showInformationMessage('NormScope: nothing to export yet; probe a model first (NormScope: Probe Model Under Cursor).');
    return;
  }
  const extension = format === 'json' ? 'json' : 'html';
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(vscode.Uri.parse(model.uri), '..', `${model.block.name}.normscope.${extension}`),
    filters: format === 'json' ? { JSON: ['json'] } : { HTML: ['html'] },
  });
  if (!target) return;
  const results = runs.map((run) => run.snapshot!.result);
  const text = format === 'json'
    ? JSON.stringify(exportJson(model, runs), null, 2)
    : renderReportHtml(results, {
      title: `NormScope: ${model.block.name} (${PLACEMENT_LABEL[model.block.placement]})`,
      source: model.fileName,
    });
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  void vscode.window.showInformationMessage(`NormScope: ${format === 'json' ? 'results' : 'report'} written to ${target.fsPath}`);
}
