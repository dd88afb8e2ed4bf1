// The one module that knows the panel's controls come from @vscode/webview-ui-toolkit: swap the toolkit
// here and nothing else changes. Controls theme themselves from the --vscode-* variables.

import { provideVSCodeDesignSystem, vsCodeButton, vsCodeDivider, vsCodeProgressRing } from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDivider(), vsCodeProgressRing());
}

export function button(doc: Document, label: string, onClick: () => void, options: { secondary?: boolean; command?: string } = {}): HTMLElement {
  const element = doc.createElement('vscode-button');
  element.textContent = label;
  if (options.secondary) element.setAttribute('appearance', 'secondary');
  if (options.command) element.setAttribute('data-command', options.command);
  element.addEventListener('click', onClick);
  return element;
}

/**
 * A badge in the toolkit's colours, drawn by our own stylesheet (`.ns-badge` in views/theme.ts): the toolkit's
 * `vscode-badge` template carries an inline `style` attribute, which the panel's CSP (no 'unsafe-inline')
 * blocks and reports on every load.
 */
export function badge(doc: Document, text: string): HTMLElement {
  const element = doc.createElement('span');
  element.className = 'ns-badge';
  element.textContent = text;
  return element;
}

export function progressRing(doc: Document): HTMLElement {
  return doc.createElement('vscode-progress-ring');
}

export function divider(doc: Document): HTMLElement {
  return doc.createElement('vscode-divider');
}
