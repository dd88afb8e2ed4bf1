// The commands that reach past the probe into the user's PyTorch: "Export Probe as PyTorch Script" (the
// probe of the block under the cursor, at the model's full width, as one torch-only script) and "Add
// Training Monitor to Workspace" (normscope_monitor.py beside the active model file). Both ask before
// writing and never overwrite a monitor the user changed.

import * as vscode from 'vscode';
import type { BlockIR } from '../core/ir/model';
import { EXPORTABLE_PLACEMENTS, exportConfigFor, exportFileName, exportTorchScript, isExportable, MONITOR_FILE_NAME } from '../core/export/torchScript';
import type { ProbeConfig, ProbePlacement } from '../core/probe/types';
import type { Controller, ModelRef } from './controller';
import { PLACEMENT_EQUATION, PLACEMENT_LABEL, effectivePlacement } from './placementText';
import { probeSettings } from './settings';

export const MONITOR_COMMANDS = {
  exportTorch: { id: 'normscope.exportTorchScript', title: 'Export Probe as PyTorch Script' },
  addMonitor: { id: 'normscope.addMonitor', title: 'Add Training Monitor to Workspace' },
} as const;

/** What placing the monitor over `existing` (null: no file) does: write it, nothing, or keep the user's copy. */
export function monitorWritePlan(existing: Uint8Array | null, shipped: Uint8Array): 'write' | 'same' | 'changed' {
  if (existing === null) return 'write';
  return Buffer.from(existing).equals(Buffer.from(shipped)) ? 'same' : 'changed';
}

/** The export config of a block: its placement, norm, depth and full width; the probe settings for the rest. */
export function exportConfigForBlock(block: BlockIR, placement: ProbePlacement): { config: ProbeConfig; notes: string[] } {
  const settings = probeSettings();
  const steps = Math.max(1, Math.round(settings.steps));
  return exportConfigFor(
    {
      placement,
      norm: block.norm === 'rmsnorm' ? 'rmsnorm' : 'layernorm',
      layers: block.layers ?? settings.defaultLayers,
      dModel: block.dModel ?? settings.width,
      heads: block.heads,
      rezero: placement === 'none',
    },
    { steps, recordEvery: Math.max(1, Math.floor(steps / 50)), lr: settings.learningRate, warmup: Math.max(0, Math.round(settings.warmup)), seed: Math.round(settings.seed) },
  );
}

async function readOrNull(uri: vscode.Uri): Promise<Uint8Array | null> {
  try {
    return await vscode.workspace.fs.readFile(uri);
  } catch {
    return null;
  }
}

/** Writes the shipped monitor into `folder` unless a copy is there; returns a sentence on what happened. */
async function placeMonitor(extensionUri: vscode.Uri, folder: vscode.Uri): Promise<string> {
  const shipped = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'dist', MONITOR_FILE_NAME));
  const target = vscode.Uri.joinPath(folder, MONITOR_FILE_NAME);
  switch (monitorWritePlan(await readOrNull(target), shipped)) {
    case 'write':
      await vscode.workspace.fs.writeFile(target, shipped);
      return `wrote ${target.fsPath}`;
    case 'same':
      return `${MONITOR_FILE_NAME} is already there and up to date`;
    case 'changed':
      return `kept your changed ${target.fsPath} (it differs from this version's monitor)`;
  }
}

async function pickPlacement(block: BlockIR): Promise<ProbePlacement | undefined> {
  const own = effectivePlacement(block);
  if (isExportable(own)) return own;
  const picked = await vscode.window.showQuickPick(
    EXPORTABLE_PLACEMENTS.map((placement) => ({ label: PLACEMENT_LABEL[placement], description: PLACEMENT_EQUATION[placement], placement })),
    { title: `${block.name} is ${PLACEMENT_LABEL[own]}: export which placement?` },
  );
  return picked?.placement;
}

export function registerMonitorCommands(controller: Controller): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(MONITOR_COMMANDS.exportTorch.id, async (ref?: ModelRef) => {
      const model = await controller.resolveModel(ref);
      if (!model) {
        void vscode.window.showInformationMessage('NormScope: no transformer block found under the cursor; place the cursor in a block class to export its probe.');
        return;
      }
      const placement = await pickPlacement(model.block);
      if (!placement) return;
      const { config, notes } = exportConfigForBlock(model.block, placement);
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(vscode.Uri.parse(model.uri), '..', exportFileName(config)),
        filters: { Python: ['py'] },
        title: `Export the ${PLACEMENT_LABEL[placement]} probe of ${model.block.name} (L=${config.layers}, d=${config.dModel}) as a PyTorch script`,
      });
      if (!target) return;
      const name = target.path.split('/').pop() ?? 'probe.py';
      const script = exportTorchScript(config, { source: model.fileName, fileName: name });
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(script));
      const monitor = await placeMonitor(controller.extensionUri, vscode.Uri.joinPath(target, '..'));
      void vscode.window.showInformationMessage(
        `NormScope: wrote ${target.fsPath}; ${monitor}.${notes.length > 0 ? ` (${notes.join('; ')})` : ''} Run it with \`python ${name}\` or \`torchrun --nproc_per_node=N ${name}\`.`,
      );
    }),

    vscode.commands.registerCommand(MONITOR_COMMANDS.addMonitor.id, async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.uri.scheme !== 'file') {
        void vscode.window.showInformationMessage('NormScope: open your model or training file first; the monitor is written beside it.');
        return;
      }
      const folder = vscode.Uri.joinPath(editor.document.uri, '..');
      const answer = await vscode.window.showInformationMessage(
        `Add ${MONITOR_FILE_NAME} (the NormScope training monitor, torch only) to ${folder.fsPath}?`, { modal: true }, 'Add',
      );
      if (answer !== 'Add') return;
      const monitor = await placeMonitor(controller.extensionUri, folder);
      void vscode.window.showInformationMessage(
        `NormScope: ${monitor}. In the training loop: mon = Monitor(model, out="runs/NAME.normscope.jsonl", every=10), then mon.step(step, loss) after loss.backward().`,
      );
    }),
  ];
}
