// Shared helpers of the CLI integration tests: bundles without the pieces a test does not
// exercise, polling for the pid file, and starting a long-running `nsinit exec` in the background.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import {
  type CliResult,
  nsinitBin,
  type PtyOptions,
  type PtySession,
  runCli,
  spawnInPty,
} from '@nsinit/testkit';
import { onTestFinished } from 'vitest';

/** Config edit: no cgroups and no networks (features tested in their own files). */
export function plain(c: ContainerConfig): ContainerConfig {
  delete c.cgroups;
  delete c.networks;
  return c;
}

export async function until<T>(
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The pid in <dataDir>/pid once it exists. */
export function waitForPid(dataDir: string, timeoutMs?: number): Promise<number> {
  return until(
    `${dataDir}/pid`,
    () => {
      const file = join(dataDir, 'pid');
      if (!existsSync(file)) return null;
      const text = readFileSync(file, 'utf8');
      return /^\d+$/.test(text) ? Number(text) : null;
    },
    timeoutMs,
  );
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

export interface Background {
  /** pid of the nsinit supervisor */
  pid: number;
  done: Promise<CliResult>;
  stdoutSoFar(): string;
}

/** `nsinit <args>` running in the background with piped stdio. */
export function background(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; bin?: string; uid?: number; gid?: number },
): Background {
  const child = spawn(opts.bin ?? nsinitBin, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end();
  let closed = false;
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      closed = true;
      resolve({ exitCode, signal, stdout, stderr });
    });
  });
  // A failed assertion must not leave the supervisor (and with it the container) running.
  onTestFinished(async () => {
    if (closed) return;
    child.kill('SIGKILL');
    await done.catch(() => {});
  });
  return { pid: child.pid!, done, stdoutSoFar: () => stdout };
}

export { runCli };

/** /proc/self/status capability lines as bigints. */
export function parseCaps(text: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const m of text.matchAll(/^(Cap\w+):\s+([0-9a-f]+)\s*$/gm)) out[m[1]!] = BigInt(`0x${m[2]}`);
  return out;
}

/** spawnInPty that kills the session if the test ends first (a failed expect must not leak it). */
export function ptySession(file: string, args: string[], opts: PtyOptions): PtySession {
  const session = spawnInPty(file, args, opts);
  let finished = false;
  const exit = session.exit.bind(session);
  const exited = exit().finally(() => {
    finished = true;
  });
  session.exit = () => exited;
  onTestFinished(async () => {
    if (!finished) session.kill('SIGKILL');
    await exited.catch(() => {});
  });
  return session;
}

/** busybox ash's prompt, possibly followed by its cursor-position query (ESC [6n). */
export const PROMPT = new RegExp(`# (${String.fromCharCode(27)}\\[6n)?$`);
