// Recorded trainings in VS Code: "NormScope: Open Training Run…" and a watcher on **/*.normscope.jsonl.
// A run links to the model block its header names (`run.model`, looked up from the run file's folder
// upwards and in the workspace folders; the block named `run.blockClass`, else the first), or, when
// that fails, to the block active when the run was opened. Linked runs join that block's runs in the
// store (hovers, CodeLens, the panel); a run file that grows updates the panel while it shows them.

import * as vscode from 'vscode';
import type { RunHeader } from '../core/runs/runLines';
import type { ProbePlacement } from '../core/probe/types';
import { formatRunDiagnostic } from '../core/runs/runFile';
import type { PanelModel } from '../protocol/messages';
import { findModelFile } from '../node/runModel';
import type { Controller } from './controller';
import { NormScopePanel } from './panel';
import { effectivePlacement } from './placementText';
import { PROBE_PLACEMENTS } from './probeConfig';
import { CreatedPathScanner } from './runDiscovery';
import { RunFollower } from './runFollower';
import type { FollowedFile, RunLink } from './runFollower';
import { runKey } from './runStore';

export const RUN_FILE_GLOB = '**/*.normscope.jsonl';
const ANY_PATH_GLOB = '**/*';
/** At most this many run files already in the workspace are followed when the extension starts. */
const MAX_EXISTING_RUNS = 100;

export class TrainingRuns implements vscode.Disposable {
  readonly follower: RunFollower;
  /** Searches created folders for run files the watcher did not report (runDiscovery.ts says why). */
  readonly scanner: CreatedPathScanner;
  private readonly disposables: vscode.Disposable[] = [];
  /** The key of the runs the panel shows when they are linked to no model (the panel's model is null). */
  private shownUnlinked: string | null = null;

  constructor(private readonly controller: Controller, throttleMs = 250) {
    this.follower = new RunFollower({
      link: (path, header) => this.linkFromHeader(path, header),
      keyOf: (model, path) => (model ? runKey(model.uri, model.blockIndex) : runKey(vscode.Uri.file(path).toString(), -1)),
      publish: (file, previousKey) => this.publish(file, previousKey),
      throttleMs,
    });
    const watcher = vscode.workspace.createFileSystemWatcher(RUN_FILE_GLOB);
    this.scanner = new CreatedPathScanner({ found: (path) => void this.follower.changed(path) });
    // Every path created in the workspace, for the folders among them: a run file written into a folder
    // made a moment before gets no event of its own on Linux.
    const created = vscode.workspace.createFileSystemWatcher(ANY_PATH_GLOB, false, true, true);
    this.disposables.push(
      watcher,
      created,
      created.onDidCreate((uri) => this.scanner.created(uri.fsPath)),
      watcher.onDidCreate((uri) => void this.follower.changed(uri.fsPath)),
      watcher.onDidChange((uri) => void this.follower.changed(uri.fsPath)),
      watcher.onDidDelete((uri) => this.follower.deleted(uri.fsPath)),
    );
    void this.followExisting();
  }

  /**
   * Run files already in the workspace when the extension starts (a training that ran before VS Code was
   * opened; the extension activates on `workspaceContains:**\/*.normscope.jsonl`): followed as if just
   * created, so their models' hovers and CodeLens quote them without a change to the file.
   */
  private async followExisting(): Promise<void> {
    let found: readonly vscode.Uri[];
    try {
      found = await vscode.workspace.findFiles(RUN_FILE_GLOB, '**/node_modules/**', MAX_EXISTING_RUNS);
    } catch {
      return;
    }
    for (const uri of found) await this.follower.changed(uri.fsPath);
  }

  /** The command: the given run files, or those picked in a dialog, opened in the panel. */
  async open(uris?: readonly vscode.Uri[]): Promise<void> {
    const picked = uris && uris.length > 0 ? uris : await vscode.window.showOpenDialog({
      canSelectMany: true,
      openLabel: 'Open Training Run',
      filters: { 'NormScope training runs': ['jsonl'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (!picked || picked.length === 0) return;
    const active = await this.activeLink();
    let shown: FollowedFile | null = null;
    for (const uri of picked) {
      const file = await this.follower.open(uri.fsPath, active);
      const state = file.tail.state;
      const errors = state.diagnostics.filter((d) => d.severity === 'error');
      const name = vscode.workspace.asRelativePath(uri);
      if (file.runs.length === 0) {
        const why = errors[0] ? formatRunDiagnostic(name, errors[0]) : `${name}: no recorded step yet; the panel fills in when the training writes one`;
        void vscode.window.showWarningMessage(`NormScope: ${why}`);
        if (state.stopped || state.runs.length === 0) continue;
      } else if (errors.length > 0) {
        void vscode.window.showWarningMessage(`NormScope: ${errors.length} line${errors.length === 1 ? '' : 's'} of ${name} could not be read; first: ${formatRunDiagnostic(name, errors[0])}`);
      }
      shown = file;
    }
    if (shown) this.show(shown);
  }

  private show(file: FollowedFile): void {
    if (file.link) {
      this.shownUnlinked = null;
      this.controller.showPanel(file.link.model);
      return;
    }
    const panel = this.controller.showPanel(null);
    panel.setModel(null);
    this.shownUnlinked = file.key;
    panel.setRuns(this.controller.store.get(file.key));
  }

  /** Puts a file's runs in the store under their key, and refreshes the panel if it shows that key. */
  private publish(file: FollowedFile, previousKey: string | null): void {
    const store = this.controller.store;
    for (const key of previousKey ? [previousKey, file.key] : [file.key]) {
      store.setRecorded(key, this.follower.followed.filter((f) => f.key === key).flatMap((f) => f.runs));
      const panel = NormScopePanel.active;
      if (!panel) continue;
      const showing = panel.model ? runKey(panel.model.uri, panel.model.blockIndex) : this.shownUnlinked;
      if (showing === key) panel.setRuns(store.get(key));
    }
  }

  private async linkFromHeader(path: string, header: RunHeader): Promise<RunLink | null> {
    if (header.model === null) return null;
    const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath);
    const modelPath = findModelFile(path, header.model, folders);
    if (!modelPath) return null;
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(modelPath));
      const report = await this.controller.cache.analyze(document);
      const named = report.blocks.findIndex((block) => block.name === header.blockClass);
      const blockIndex = named >= 0 ? named : 0;
      const block = report.blocks[blockIndex];
      if (!block) return null;
      return linkTo({ uri: document.uri.toString(), fileName: document.fileName, blockIndex, block }, header.model);
    } catch {
      return null;
    }
  }

  /** The block the cursor is in, else the active file's first block: a run with no link of its own joins it. */
  private async activeLink(): Promise<RunLink | null> {
    const model = await this.controller.resolveModel();
    if (model) return linkTo(model, vscode.workspace.asRelativePath(model.fileName));
    const active = await this.controller.activeReport();
    const block = active?.report.blocks[0];
    if (!active || !block) return null;
    const document = active.editor.document;
    return linkTo({ uri: document.uri.toString(), fileName: document.fileName, blockIndex: 0, block }, vscode.workspace.asRelativePath(document.fileName));
  }

  dispose(): void {
    this.follower.dispose();
    this.scanner.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function linkTo(model: PanelModel, from: string): RunLink {
  const placement = effectivePlacement(model.block);
  const trainable = (PROBE_PLACEMENTS as readonly string[]).includes(placement);
  return { model, detected: trainable ? { placement: placement as ProbePlacement, from: `${from} (${model.block.name})` } : null };
}
