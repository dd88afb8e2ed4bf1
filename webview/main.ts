// The panel webview's entry (bundled to dist/webview.js): starts the PanelApp on the page's root.

import { PanelApp } from './ui/panelApp';
import type { WebviewApi } from './ui/panelApp';

declare function acquireVsCodeApi(): WebviewApi;

const root = document.getElementById('normscope-root');
if (root) new PanelApp(acquireVsCodeApi(), root, { runner: null }).start();
