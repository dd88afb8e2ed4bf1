// "NormScope: Sweep Depth…": asks which placements and depths, runs the sweep on the run pool in worker
// threads beside the extension host (one run per core), reports progress in a cancellable notification,
// and shows the charts in the panel. The CLI's `normscope sweep` runs the same sweep.

import * as vscode from 'vscode';
import { PLACEMENTS } from '../core/ir/model';
import { counterparts } from '../core/probe/probeConfig';
import { DEFAULT_SWEEP_LAYERS, parseDepthList, planSweep } from '../core/probe/sweep';
import { isProbePlacement } from '../core/probe/types';
import { runSweep } from '../node/sweepRunner';
import type { SweepRequest } from '../node/sweepRunner';
import type { PanelModel } from '../protocol/messages';
import type { Controller } from './controller';
import { PLACEMENT_EQUATION, PLACEMENT_LABEL, effectivePlacement } from './placementText';
import { probeSettings, sweepSteps } from './settings';

/** Placements a sweep may be asked for: every named one; those the probe cannot train are marked. */
const SWEEPABLE = PLACEMENTS.filter((p) => p !== 'conditional' && p !== 'unknown');

let running: AbortController | null = null;

export async function sweepDepth(controller: Controller, model: PanelModel): Promise<void> {
  if (running) {
    void vscode.window.showWarningMessage('NormScope: a depth sweep is already running; cancel it from its notification first.');
    return;
  }
  const own = effectivePlacement(model.block);
  const defaults = new Set<string>(isProbePlacement(own) ? [own, ...counterparts(own)] : ['pre', 'post']);
  const picked = await vscode.window.showQuickPick(
    SWEEPABLE.map((placement) => ({
      label: PLACEMENT_LABEL[placement],
      description: isProbePlacement(placement) ? PLACEMENT_EQUATION[placement] : `${PLACEMENT_EQUATION[placement]} (the probe cannot train it yet)`,
      picked: defaults.has(placement),
      placement,
    })),
    { canPickMany: true, title: `Sweep ${model.block.name} over depth: which placements?` },
  );
  if (!picked || picked.length === 0) return;
  const depthText = await vscode.window.showInputBox({
    title: 'Depths L to probe, separated by commas',
    value: DEFAULT_SWEEP_LAYERS.join(','),
    validateInput: (text) => {
      const parsed = parseDepthList(text);
      return 'error' in parsed ? parsed.error : null;
    },
  });
  if (depthText === undefined) return;
  const layers = parseDepthList(depthText);
  if ('error' in layers) {
    // The input box refuses such text as it is typed; this is for any caller that gets past it.
    void vscode.window.showErrorMessage(`NormScope: no sweep run: ${layers.error}.`);
    return;
  }

  const settings = probeSettings();
  const block = model.block;
  const request: SweepRequest = {
    model: { norm: block.norm === 'rmsnorm' ? 'rmsnorm' : 'layernorm', dModel: block.dModel, heads: block.heads },
    placements: picked.map((item) => item.placement),
    layers: layers.depths,
    overrides: {
      dModel: Math.max(8, Math.round(settings.width / 8) * 8), steps: sweepSteps(), lr: settings.learningRate,
      warmup: Math.max(0, Math.round(settings.warmup)), seed: Math.round(settings.seed), backend: 'cpu',
    },
    source: { file: model.fileName, block: block.name, line: block.line, placement: block.placement },
  };
  const abort = new AbortController();
  running = abort;
  try {
    let sweep: Awaited<ReturnType<typeof runSweep>>;
    try {
      sweep = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `NormScope: sweeping ${block.name} over depth`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          let reported = 0;
          return runSweep(request, {
            signal: abort.signal,
            onProgress: (p) => {
              // The runs finish their current step after a cancel; the notification says nothing more.
              if (abort.signal.aborted) return;
              const percent = p.totalSteps > 0 ? (100 * p.steps) / p.totalSteps : 100;
              progress.report({ increment: Math.max(0, percent - reported), message: `${p.done}/${p.total} runs · ${p.latest}` });
              reported = Math.max(reported, percent);
            },
          });
        },
      );
    } catch (error) {
      void vscode.window.showErrorMessage(`NormScope: the depth sweep of ${block.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (sweep.cancelled) {
      // Runs stopped half-way would sit on the charts beside finished ones: the panel keeps what it showed.
      const finished = sweep.points.filter((p) => !p.cancelled).length;
      void vscode.window.showInformationMessage(`NormScope: depth sweep cancelled after ${finished} of ${planSweep(request.placements, request.layers).runs.length} runs; the panel is left as it was.`);
      return;
    }
    const panel = controller.showPanel(model);
    panel.setSweep(sweep);
    const missing = [...sweep.skipped.map((s) => `${PLACEMENT_LABEL[s.placement as keyof typeof PLACEMENT_LABEL] ?? s.placement}: ${s.reason}`),
      ...sweep.failed.map((f) => `${f.placement} L=${f.layers} failed: ${f.message}`)];
    if (missing.length > 0) void vscode.window.showWarningMessage(`NormScope: ${missing.join('; ')}`);
  } finally {
    running = null;
  }
}
