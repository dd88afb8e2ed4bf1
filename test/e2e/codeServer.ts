// Starts a fresh code-server (VS Code in the browser) for one end-to-end run: its own port, user data,
// extensions, config and XDG folders under the output folder, the extension under test installed first.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { log } from './log';
import { runToEnd, startProcess } from './processes';

export interface CodeServer {
  url: string;
  process: ChildProcess;
  userDataDir: string;
}

export interface CodeServerOptions {
  node24: string;
  /** code-server's entry script (node_modules/code-server/out/node/entry.js). */
  entry: string;
  vsix: string;
  outDir: string;
  workspace: string;
  settings: Record<string, unknown>;
}

/** Asks the kernel for a free loopback port; the tiny window before code-server binds it is acceptable. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isolatedEnv(outDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing of the developer's own VS Code or code-server may leak in, and nothing may be written to $HOME.
  for (const key of Object.keys(env)) if (key.startsWith('VSCODE_') || key.startsWith('CODE_SERVER')) delete env[key];
  env.XDG_CONFIG_HOME = join(outDir, 'xdg', 'config');
  env.XDG_DATA_HOME = join(outDir, 'xdg', 'data');
  env.XDG_CACHE_HOME = join(outDir, 'xdg', 'cache');
  env.XDG_STATE_HOME = join(outDir, 'xdg', 'state');
  for (const dir of [env.XDG_CONFIG_HOME, env.XDG_DATA_HOME, env.XDG_CACHE_HOME, env.XDG_STATE_HOME]) mkdirSync(dir, { recursive: true });
  // No extension gallery: the machine has no route to one, and waiting on it slows start-up.
  env.EXTENSIONS_GALLERY = JSON.stringify({ serviceUrl: '', itemUrl: '' });
  return env;
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before it was ready (see .e2e/e2e.log)`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s`);
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const { node24, entry, vsix, outDir, workspace, settings } = options;
  const userDataDir = join(outDir, 'user-data');
  const extensionsDir = join(outDir, 'extensions');
  const configFile = join(outDir, 'code-server.yaml');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const env = isolatedEnv(outDir);
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const t0 = Date.now();
  const installed = await runToEnd('install-extension', node24, [entry, ...common, '--install-extension', vsix], { env }, 180_000);
  log(`installed ${vsix} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${installed.trim().split('\n').pop() ?? ''}`);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startProcess('code-server', node24, [
    entry, ...common,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--reconnection-grace-time', '5',
    '--ignore-last-opened',
    workspace,
  ], { env, cwd: outDir });
  await waitForHealth(url, child, 120_000);
  log(`code-server ready at ${url} in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${child.pid})`);
  return { url, process: child, userDataDir };
}
