// The end-to-end run's log: every line goes to the console and to .e2e/e2e.log with the seconds since start.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const started = Date.now();
let logFile: string | null = null;

export function openLog(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
  logFile = path;
}

export function elapsedSeconds(since = started): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

export function log(message: string): void {
  const line = `[${elapsedSeconds().padStart(6)}s] ${message}`;
  console.log(line);
  if (logFile) appendFileSync(logFile, line + '\n');
}

/** Writes output of a child process into the log file only: it is long and rarely needed. */
export function logQuietly(prefix: string, chunk: string): void {
  if (!logFile) return;
  const lines = chunk.split('\n').filter((line) => line.trim() !== '');
  if (lines.length > 0) appendFileSync(logFile, lines.map((line) => `${prefix} ${line}`).join('\n') + '\n');
}
