// Reads the `normscope.*` settings declared in package.json `contributes.configuration`.

import * as vscode from 'vscode';
import { DEFAULT_SWEEP_STEPS } from '../core/probe/sweep';
import { DEFAULT_RULE_OPTIONS, type RuleOptions } from './diagnosticRules';
import { DEFAULT_PROBE_SETTINGS, type ProbeSettings } from './probeConfig';

export function probeSettings(): ProbeSettings {
  const c = vscode.workspace.getConfiguration('normscope.probe');
  const d = DEFAULT_PROBE_SETTINGS;
  const backend = c.get<string>('backend', d.backend);
  return {
    steps: c.get<number>('steps', d.steps),
    width: c.get<number>('width', d.width),
    learningRate: c.get<number>('learningRate', d.learningRate),
    warmup: c.get<number>('warmup', d.warmup),
    seed: c.get<number>('seed', d.seed),
    backend: backend === 'gpu' || backend === 'cpu' ? backend : 'auto',
    defaultLayers: d.defaultLayers,
    maxLayers: c.get<number>('maxLayers', d.maxLayers),
  };
}

/** Steps per run of "NormScope: Sweep Depth…" (the CLI's --steps); every run of a sweep trains this long. */
export function sweepSteps(): number {
  const steps = vscode.workspace.getConfiguration('normscope').get<number>('sweep.steps', DEFAULT_SWEEP_STEPS);
  return Number.isFinite(steps) && steps >= 1 ? Math.round(steps) : DEFAULT_SWEEP_STEPS;
}

export function codeLensEnabled(): boolean {
  return vscode.workspace.getConfiguration('normscope').get<boolean>('codeLens.enabled', true);
}

export function diagnosticsEnabled(): boolean {
  return vscode.workspace.getConfiguration('normscope').get<boolean>('diagnostics.enabled', true);
}

export function ruleOptions(): RuleOptions {
  const threshold = vscode.workspace.getConfiguration('normscope').get<number>('diagnostics.postLnDepthThreshold', DEFAULT_RULE_OPTIONS.postLnDepthThreshold);
  return { postLnDepthThreshold: threshold };
}
