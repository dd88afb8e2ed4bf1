// Every NormScope command: ids and titles in one constant (package.json `contributes.commands` mirrors
// it, a test checks they agree) and the handlers beside them.

import * as vscode from 'vscode';
import type { ProbePlacement } from '../core/probe/types';
import type { Controller, ModelRef } from './controller';
import { exportJson } from './exportResults';
import { NormScopePanel } from './panel';
import { PLACEMENT_EQUATION, PLACEMENT_LABEL, effectivePlacement } from './placementText';
import { counterparts } from '../core/probe/probeConfig';
import { PROBE_PLACEMENTS } from './probeConfig';
import { runKey } from './runStore';

export const COMMANDS = {
  showDiagram: { id: 'normscope.showDiagram', title: 'Show Architecture Diagram' },
  probe: { id: 'normscope.probe', title: 'Probe Model Under Cursor' },
  compare: { id: 'normscope.compare', title: 'Compare Placements…' },
  cancel: { id: 'normscope.cancelProbe', title: 'Cancel Running Probe' },
  exportHtml: { id: 'normscope.exportHtml', title: 'Export Results as HTML Report' },
  exportJson: { id: 'normscope.exportJson', title: 'Export Results as JSON' },
} as const;

const NO_MODEL = 'NormScope: no transformer block found under the cursor. Open a model file (Python or config.json) and place the cursor in a block class.';

export function registerCommands(controller: Controller): vscode.Disposable[] {
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
      const defaults = new Set<ProbePlacement>(own === 'conditional' || own === 'unknown' ? ['pre', 'post'] : counterparts(own));
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

    vscode.commands.registerCommand(COMMANDS.exportJson.id, async () => {
      const model = NormScopePanel.active?.model ?? (await controller.resolveModel());
      const runs = model ? controller.store.get(runKey(model.uri, model.blockIndex)) : [];
      if (!model || runs.every((run) => run.snapshot === null)) {
        void vscode.window.showInformationMessage('NormScope: nothing to export yet; probe a model first.');
        return;
      }
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(vscode.Uri.parse(model.uri), '..', `${model.block.name}.normscope.json`),
        filters: { JSON: ['json'] },
      });
      if (!target) return;
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(JSON.stringify(exportJson(model, runs), null, 2)));
      void vscode.window.showInformationMessage(`NormScope: results written to ${target.fsPath}`);
    }),

    vscode.commands.registerCommand(COMMANDS.exportHtml.id, async () => {
      // The self-contained report renderer (src/report/html.ts) belongs to the views work and is not in
      // this build yet: say so instead of writing a lesser report.
      void vscode.window.showWarningMessage('NormScope: the HTML report renderer is not in this build yet; use “Export Results as JSON”.');
    }),
  ];
}
