// The panel webview's entry (bundled to dist/webview.js): starts the PanelApp on the page's root.

import { PanelApp } from './ui/panelApp';
import type { WebviewApi } from './ui/panelApp';
import { createWebviewRunner } from './ui/engineRunner';
import { GpujsBackend } from '../src/core/probe/backends/gpujs';

declare function acquireVsCodeApi(): WebviewApi;

const root = document.getElementById('normscope-root');
// The CSP nonce of this load, read from our own script tag, admits the views' <style> element.
const styleNonce = (document.currentScript as HTMLScriptElement | null)?.nonce || undefined;
if (root) new PanelApp(acquireVsCodeApi(), root, { runner: createWebviewRunner(() => new GpujsBackend({ mode: 'webgl2' })), styleNonce }).start();
