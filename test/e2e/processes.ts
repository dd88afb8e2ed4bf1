// Every process the end-to-end run starts, kept in one place so that all of them stop, also on failure.
// Each child leads its own process group (detached), so killing the group also ends what it spawned
// (code-server's extension host, file watcher and pty host).
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { log, logQuietly } from './log';

const running = new Set<ChildProcess>();
let pidFile: string | null = null;

/** The shell wrapper reads this file after the run and kills any group still alive (belt and braces). */
export function recordPidsIn(path: string): void {
  pidFile = path;
}

export function startProcess(name: string, command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  if (child.pid !== undefined && pidFile) appendFileSync(pidFile, `${child.pid}\n`);
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => logQuietly(`[${name}]`, chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => logQuietly(`[${name}!]`, chunk));
  child.on('exit', (code, signal) => {
    running.delete(child);
    log(`${name} (pid ${child.pid}) exited: ${signal ?? code}`);
  });
  return child;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the whole group, then SIGKILL after a grace period if anything in it is still alive. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (groupAlive(pid)) {
    log(`process group ${pid} ignored SIGTERM; sending SIGKILL`);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // It ended between the check and the kill.
    }
  }
  running.delete(child);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopProcess(child)));
}

/** Runs a command to completion (its own group too), failing with its output when it fails or takes too long. */
export function runToEnd(name: string, command: string, args: string[], options: SpawnOptions, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = startProcess(name, command, args, options);
    let output = '';
    child.stdout?.on('data', (chunk: string) => (output += chunk));
    child.stderr?.on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      void stopProcess(child, 1000);
      reject(new Error(`${name} took longer than ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
}
