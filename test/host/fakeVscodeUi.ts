// The interactive parts of the fake `vscode` (fakeVscode.ts): quick picks and input boxes answered by the
// test as a person would answer them, progress notifications with a Cancel button, messages, and webview
// panels whose posted messages are recorded and which can talk back. They behave as VS Code documents:
// an input box does not accept text its validateInput refuses; a cancelled token fires its listeners once.

type Listener<T> = (value: T) => void;

class Emitter<T> {
  private listeners: Listener<T>[] = [];
  event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => { this.listeners = this.listeners.filter((l) => l !== listener); } };
  };
  fire(value: T): void { for (const l of [...this.listeners]) l(value); }
}

export interface QuickPickItemLike { label: string; description?: string; picked?: boolean }
export interface QuickPickCall { items: QuickPickItemLike[]; options: { canPickMany?: boolean; title?: string } }
export interface InputBoxCall { options: { title?: string; value?: string; validateInput?: (text: string) => string | null | undefined | Promise<string | null | undefined> }; refused: { text: string; message: string }[] }
export interface ProgressCall {
  options: { title?: string; cancellable?: boolean };
  reports: { increment?: number; message?: string; at: number }[];
  /** When the person pressed Cancel (Date.now()), or null. */
  cancelledAt: number | null;
  /** Presses the notification's Cancel button. */
  cancel(): void;
}

export class FakeWebviewPanel {
  /** Messages the host posted, in order, as the webview receives them (after a JSON round trip). */
  readonly posted: unknown[] = [];
  private readonly inbound = new Emitter<unknown>();
  private readonly disposed = new Emitter<void>();
  visible = true;
  iconPath: unknown;
  readonly webview = {
    html: '',
    options: {} as unknown,
    cspSource: 'vscode-webview://fake',
    asWebviewUri: (uri: { toString(): string }) => uri,
    onDidReceiveMessage: this.inbound.event,
    postMessage: async (message: unknown) => { this.posted.push(JSON.parse(JSON.stringify(message))); return true; },
  };
  onDidDispose = this.disposed.event;
  revealed = 0;
  constructor(readonly viewType: string, readonly title: string) {}
  reveal(): void { this.revealed++; }
  /** The webview script posting `message` to the host (e.g. `{ type: 'ready' }`). */
  receive(message: unknown): void { this.inbound.fire(message); }
  dispose(): void { this.disposed.fire(); }
}

/** What a test scripts and reads back: set the answers before running a command, read the calls after. */
export class FakeUi {
  /** The person's choice in a quick pick: the items they leave ticked (or pick), undefined for Escape. */
  answerQuickPick: (call: QuickPickCall) => QuickPickItemLike[] | QuickPickItemLike | undefined = () => undefined;
  /** What the person types into input boxes, attempt after attempt; an empty list is Escape. */
  typed: string[] = [];
  /** Called on each progress report (a test may press Cancel from here). */
  onProgress: (call: ProgressCall) => void = () => undefined;
  readonly quickPicks: QuickPickCall[] = [];
  readonly inputBoxes: InputBoxCall[] = [];
  readonly progress: ProgressCall[] = [];
  readonly messages: { severity: 'info' | 'warning' | 'error'; text: string }[] = [];
  readonly panels: FakeWebviewPanel[] = [];

  readonly window = {
    showQuickPick: async (items: QuickPickItemLike[] | Promise<QuickPickItemLike[]>, options: QuickPickCall['options'] = {}) => {
      const call = { items: await items, options };
      this.quickPicks.push(call);
      return this.answerQuickPick(call);
    },
    showInputBox: async (options: InputBoxCall['options'] = {}) => {
      const call: InputBoxCall = { options, refused: [] };
      this.inputBoxes.push(call);
      // VS Code keeps the box open while validateInput returns a message: the person tries again or leaves.
      while (this.typed.length > 0) {
        const text = this.typed.shift()!;
        const message = options.validateInput ? await options.validateInput(text) : null;
        if (!message) return text;
        call.refused.push({ text, message });
      }
      return undefined;
    },
    withProgress: async <T>(options: ProgressCall['options'], task: (progress: { report(value: { increment?: number; message?: string }): void }, token: unknown) => Promise<T>): Promise<T> => {
      const cancelled = new Emitter<void>();
      const token = { isCancellationRequested: false, onCancellationRequested: cancelled.event };
      const call: ProgressCall = {
        options, reports: [], cancelledAt: null,
        cancel: () => {
          if (token.isCancellationRequested) return;
          token.isCancellationRequested = true;
          call.cancelledAt = Date.now();
          cancelled.fire();
        },
      };
      this.progress.push(call);
      return task({ report: (value) => { call.reports.push({ ...value, at: Date.now() }); this.onProgress(call); } }, token);
    },
    createWebviewPanel: (viewType: string, title: string) => {
      const panel = new FakeWebviewPanel(viewType, title);
      this.panels.push(panel);
      return panel;
    },
    showInformationMessage: async (text: string) => { this.messages.push({ severity: 'info', text }); return undefined; },
    showWarningMessage: async (text: string) => { this.messages.push({ severity: 'warning', text }); return undefined; },
    showErrorMessage: async (text: string) => { this.messages.push({ severity: 'error', text }); return undefined; },
  };
}
