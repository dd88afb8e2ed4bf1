import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../src/host/webviewHtml';

const CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

test('the CSP allows only nonce scripts, local styles, local/data images; nothing remote, no eval', () => {
  const csp = contentSecurityPolicy(CSP_SOURCE, 'abc123');
  const directives = Object.fromEntries(csp.split('; ').map((d) => { const [name, ...values] = d.split(' '); return [name, values]; }));
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.deepEqual(directives['script-src'], ["'nonce-abc123'"]);
  assert.deepEqual(directives['style-src'], [CSP_SOURCE, "'nonce-abc123'"]);
  assert.deepEqual(directives['img-src'], [CSP_SOURCE, 'data:']);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|https?:\/\/(?!file\+)|\*/);
});

test('the page loads exactly one script and one stylesheet, both carrying the nonce', () => {
  const html = webviewHtml({ cspSource: CSP_SOURCE, scriptUri: `${CSP_SOURCE}/ext/dist/webview.js`, styleUri: `${CSP_SOURCE}/ext/media/panel.css`, nonce: 'N0nce' });
  assert.equal(html.match(/<script /g)?.length, 1);
  assert.match(html, /<script nonce="N0nce" src="[^"]+\/dist\/webview\.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="[^"]+\/media\/panel\.css" nonce="N0nce">/);
  assert.match(html, /http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-N0nce';/);
  assert.match(html, /id="normscope-root"/);
});

test('nonces are 32 base-62 characters and differ per load', () => {
  let seed = 0;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) % 256));
  const a = makeNonce(bytes);
  const b = makeNonce(bytes);
  assert.match(a, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(a, b);
});
