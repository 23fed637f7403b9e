// Helpers for the network integration tests: a throwaway network namespace per test (never the
// host's own network) holding a bridge, and `nsinit exec` run inside it with nsenter --net (not
// `ip netns exec`, which remounts /sys and would hide the cgroup hierarchies from nsinit).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliResult, nsinitBin, runCommand } from '@nsinit/testkit';

let count = 0;

export interface TestNetns {
  name: string;
  path: string;
  ip(...args: string[]): string;
  /** Interface names in the namespace (the "host" side of the containers started in it). */
  links(): string[];
  /** Background runs started in it, stopped before the namespace is deleted. */
  running: Running[];
}

/**
 * Run `body` with a fresh namespace (`ip netns add`) holding lo (up) and `bridge` at `cidr`, and
 * delete the namespace afterwards, also on failure. (Deleted here rather than in onTestFinished,
 * which runs after the leak check's afterEach.) Containers still inside it are killed first.
 */
export async function withNetns<T>(
  bridge: string,
  cidr: string,
  body: (ns: TestNetns) => Promise<T>,
): Promise<T> {
  const name = `nsinit-t${process.pid}-${++count}`;
  execFileSync('ip', ['netns', 'add', name]);
  const running: Running[] = [];
  try {
    const ip = (...args: string[]) => execFileSync('ip', ['-n', name, ...args], { encoding: 'utf8' });
    ip('link', 'set', 'lo', 'up');
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', cidr, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    return await body({
      name,
      path: `/run/netns/${name}`,
      ip,
      links: () =>
        ip('-o', 'link', 'show')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(': ')[1]!.split('@')[0]!),
      running,
    });
  } finally {
    for (const r of running) {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await r.done;
    }
    execFileSync('ip', ['netns', 'del', name]);
  }
}

/** `nsinit exec <args>` inside the namespace, to completion. */
export function execIn(ns: TestNetns, dir: string, args: string[]): Promise<CliResult> {
  return runCommand('nsenter', [`--net=${ns.path}`, nsinitBin, 'exec', ...args], {
    cwd: dir,
    timeout: 20_000,
  });
}

export interface Running {
  child: ChildProcess;
  done: Promise<{ exitCode: number | null; stderr: string; stdout: string }>;
}

/** `nsinit exec <args>` inside the namespace in the background; killed if the test ends first. */
export function startIn(ns: TestNetns, dir: string, args: string[]): Running {
  const child = spawn('nsenter', [`--net=${ns.path}`, nsinitBin, 'exec', ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<{ exitCode: number | null; stderr: string; stdout: string }>((resolve) =>
    child.on('close', (exitCode) => resolve({ exitCode, stderr, stdout })),
  );
  const run = { child, done };
  ns.running.push(run);
  return run;
}

/** The container's PID 1 (host pid) once its pid file exists. */
export async function waitForPid(dataDir: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const file = join(dataDir, 'pid');
    if (existsSync(file) && /^\d+$/.test(readFileSync(file, 'utf8')))
      return Number(readFileSync(file, 'utf8'));
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A command for PID 1 that runs until the test creates <rootfs>/tmp/stop. */
export const UNTIL_STOPPED = ['sh', '-c', 'while [ ! -e /tmp/stop ]; do sleep 0.05; done'];
