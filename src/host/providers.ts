// Hover, CodeLens and diagnostics: thin adapters from the pure text modules to vscode objects.

import * as vscode from 'vscode';
import { codeLensSpecs, recordedLensTitle, type LensSpec } from './codeLensText';
import type { Controller } from './controller';
import { diagnosticFindings, type RuleFinding } from './diagnosticRules';
import { hoverMarkdown, hoverTargetAt } from './hoverText';
import { effectivePlacement } from './placementText';
import { lineToRange, positionToCore, spanToRange } from './ranges';
import { runKey } from './runStore';
import { codeLensEnabled, diagnosticsEnabled, ruleOptions } from './settings';
import { COMMANDS } from './commands';

export const SELECTOR: vscode.DocumentSelector = [{ language: 'python' }, { language: 'json' }];

export class NormScopeHover implements vscode.HoverProvider {
  constructor(private readonly controller: Controller) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | null> {
    const report = await this.controller.cache.analyze(document);
    const { line, column } = positionToCore(position);
    const target = hoverTargetAt(report, line, column);
    if (!target) return null;
    const key = runKey(document.uri.toString(), target.blockIndex);
    const probe = this.controller.store.resultFor(key, effectivePlacement(target.block));
    const markdown = new vscode.MarkdownString(hoverMarkdown(target, probe, this.controller.store.recordedFor(key)));
    const span = target.kind === 'block' || target.kind === 'model' ? null : target.item.span;
    return new vscode.Hover(markdown, span ? spanToRange(span) : undefined);
  }
}

/** The lenses' titles as one string, to tell whether a report changes what the lenses say (VS Code moves them with the text itself). */
function lensTitles(specs: readonly LensSpec[]): string {
  return specs.map((spec) => spec.title).join('\n');
}

const LENS_TOOLTIP: Record<LensSpec['action'], string> = {
  diagram: 'Open the NormScope diagram of this block',
  probe: 'Run a short probe training of this placement and depth',
  run: 'Open the panel with the training run recorded for this block (it updates while the run is written)',
};

export class NormScopeCodeLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly shown = new Map<string, string>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly controller: Controller) {}

  refresh(): void {
    this.changed.fire();
  }

  forget(document: vscode.TextDocument): void {
    this.shown.delete(document.uri.toString());
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!codeLensEnabled()) return [];
    const report = await this.controller.cache.analyze(document);
    const specs = codeLensSpecs(report, (blockIndex) => {
      const run = this.controller.store.recordedFor(runKey(document.uri.toString(), blockIndex));
      return run ? recordedLensTitle(run.label, run.result) : null;
    });
    // VS Code asks again after an edit, but with the panel open beside the editor it draws the new titles
    // only once the editor scrolls (seen in code-server 4.139); a change event makes it redraw them. So
    // when what the lenses say changed since the last answer for this document, one event follows.
    const key = document.uri.toString();
    const titles = lensTitles(specs);
    const before = this.shown.get(key);
    this.shown.set(key, titles);
    if (before !== undefined && before !== titles) setTimeout(() => this.refresh(), 50);
    return specs.map((spec) => new vscode.CodeLens(lineToRange(spec.line), {
      title: spec.title,
      command: spec.action === 'probe' ? COMMANDS.probe.id : COMMANDS.showDiagram.id,
      arguments: [{ uri: document.uri, blockIndex: spec.blockIndex }],
      tooltip: LENS_TOOLTIP[spec.action],
    }));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const SEVERITY: Record<RuleFinding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export class NormScopeDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('normscope');

  constructor(private readonly controller: Controller) {}

  async update(document: vscode.TextDocument): Promise<void> {
    if (!diagnosticsEnabled() || (document.languageId !== 'python' && document.languageId !== 'json')) {
      this.collection.delete(document.uri);
      return;
    }
    const version = document.version;
    const report = await this.controller.cache.analyze(document);
    if (document.version !== version) return; // a newer edit will update again
    const diagnostics = diagnosticFindings(report, document.getText(), ruleOptions()).map((finding) => {
      // Underline the class header (or the analyzer's line), not the whole class body.
      const line = Math.min(document.lineCount, finding.span ? finding.span.line : finding.line);
      const diagnostic = new vscode.Diagnostic(document.lineAt(line - 1).range, finding.message, SEVERITY[finding.severity]);
      diagnostic.source = 'NormScope';
      diagnostic.code = finding.code;
      return diagnostic;
    });
    this.collection.set(document.uri, diagnostics);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
