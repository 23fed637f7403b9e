// Helpers for the real-kernel cgroup tests: a host process that blocks on stdin until the test has
// placed it in a cgroup (the same "placed before it runs user code" order the lifecycle uses), and
// a sweep that removes any directory a failed test left under our own cgroups.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Gated {
  child: ChildProcess;
  pid: number;
  /** Let the process continue past its `read`. */
  go(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(): Promise<void>;
}

/** `sh -c 'read _; <script>'`: does nothing until go(). */
export function gated(script: string): Gated {
  const child = spawn('/bin/sh', ['-c', `read _; ${script}`], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => setImmediate(() => resolve({ code, signal, stderr }))),
  );
  return {
    child,
    pid: child.pid!,
    go: () => child.stdin!.end('\n'),
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Kill every process still in `dir` (v1 or v2), e.g. the forks of a fork-bomb test. */
export async function killAll(dir: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const procs = existsSync(join(dir, 'cgroup.procs'))
      ? readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)
      : [];
    if (procs.length === 0) return;
    for (const p of procs) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Remove `dir` and everything below it, deepest first (cgroupfs only allows rmdir of leaves). */
export function sweep(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sweep(p);
  }
  try {
    rmdirSync(dir);
  } catch {
    // a process is still inside; the leak check names it
  }
}

/** Our own directory in a v1 controller's hierarchy (where the manager creates containers). */
export function ownV1Dir(controller: string): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes(controller));
  return join('/sys/fs/cgroup', controller, line?.split(':')[2] ?? '/');
}

export const V1_CONTROLLERS = ['devices', 'memory', 'cpu', 'cpuacct', 'blkio', 'freezer', 'pids', 'cpuset'];
