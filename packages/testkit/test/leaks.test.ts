// The leak checker against the real kernel: each kind of resource is planted for real, must show
// up in the diff, and must disappear from it once removed. Network links are only ever created in
// a network namespace this file creates (a `sleep` under unshare -n), never in the host's.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireHostLock } from '../src/exclusive.js';
import { diffHost, settledDiff, snapshotHost, unmet, useLeakCheck } from '../src/index.js';

const cleanups: (() => void)[] = [];
function runCleanups(): void {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      c();
    } catch {
      /* best effort: the test itself may have removed it */
    }
  }
}
afterEach(runCleanups);

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('snapshotHost', () => {
  it('is stable and cheap when nothing changes', () => {
    const t0 = performance.now();
    const a = snapshotHost();
    const elapsed = performance.now() - t0;
    expect(diffHost(a, snapshotHost())).toEqual([]);
    expect(a.mounts.some((m) => m.startsWith('/proc (proc'))).toBe(true);
    expect(a.links).toContain('lo');
    expect(a.fds.some((f) => f.startsWith('0 -> '))).toBe(true);
    expect(elapsed).toBeLessThan(50);
  });

  it('walks cgroup v1 controllers and the unified hierarchy', ({ skip }) => {
    const reason = unmet('root', 'cgroup-v1');
    if (reason) skip(reason);
    const name = `nsinit-testkit-walk-${process.pid}`;
    const dirs = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified'].map((d) => join(d, name, 'inner'));
    for (const d of dirs) {
      mkdirSync(d, { recursive: true });
      cleanups.push(
        () => rmdirSync(join(d, '..')),
        () => rmdirSync(d),
      );
    }
    const cgroups = snapshotHost().cgroups;
    expect(cgroups).toContain(`pids:/${name}`);
    expect(cgroups).toContain(`pids:/${name}/inner`);
    expect(cgroups).toContain(`unified:/${name}/inner`);
  });
});

describe('the leak checker catches a planted leak', () => {
  // Planted mounts and cgroups are host-global: hold the lock leak-checked tests elsewhere take.
  let release: (() => void) | null = null;
  beforeEach(async () => {
    release = await acquireHostLock(20_000);
  });
  afterEach(() => {
    runCleanups(); // before releasing, so no planted leak outlives the lock
    release?.();
  });

  it('a tmpfs mount left behind', async ({ skip }) => {
    const reason = unmet('root');
    if (reason) skip(reason);
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-leak-mount-'));
    cleanups.push(() => rmSync(dir, { recursive: true }));
    const before = snapshotHost();
    execFileSync('mount', ['-t', 'tmpfs', 'nsinit-leak', dir]);
    cleanups.push(() => execFileSync('umount', [dir], { stdio: 'ignore' }));
    expect(await settledDiff(before, { settleMs: 100 })).toEqual([
      `mount left behind: ${dir} (tmpfs from nsinit-leak)`,
    ]);
    execFileSync('umount', [dir]);
    expect(await settledDiff(before)).toEqual([]);
  });

  it('a cgroup directory left behind', async ({ skip }) => {
    const reason = unmet('root', 'cgroup-v1');
    if (reason) skip(reason);
    const dir = `/sys/fs/cgroup/pids/nsinit-testkit-leak-${process.pid}`;
    const before = snapshotHost();
    mkdirSync(dir);
    cleanups.push(() => rmdirSync(dir));
    expect(await settledDiff(before, { settleMs: 100 })).toEqual([
      `cgroup directory left behind: pids:/nsinit-testkit-leak-${process.pid}`,
    ]);
    rmdirSync(dir);
    expect(await settledDiff(before)).toEqual([]);
  });

  it('an fd left open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-leak-fd-'));
    cleanups.push(() => rmSync(dir, { recursive: true }));
    const before = snapshotHost();
    const fd = openSync(join(dir, 'f'), 'w');
    cleanups.push(() => closeSync(fd));
    expect(await settledDiff(before, { settleMs: 100 })).toEqual([
      `fd left open: ${fd} -> ${join(dir, 'f')}`,
    ]);
    closeSync(fd);
    expect(await settledDiff(before)).toEqual([]);
  });

  it('a child process left running, then a zombie grandchild', async () => {
    const before = snapshotHost();
    // sh backgrounds a short sleep, then execs into a long one that never reaps it: a zombie.
    const child = spawn('/bin/sh', ['-c', 'sleep 0.05 & exec sleep 30'], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    await new Promise((r) => setTimeout(r, 300));
    const lines = await settledDiff(before, { settleMs: 100 });
    expect(lines).toContain(`child process left running: pid ${child.pid} (sleep)`);
    expect(lines.some((l) => /^zombie child process not reaped: pid \d+ \(sleep\)$/.test(l))).toBe(true);
    child.kill('SIGKILL');
    await waitExit(child);
    expect(await settledDiff(before)).toEqual([]);
  });

  it('a network link left in a network namespace', async ({ skip }) => {
    const reason = unmet('root');
    if (reason) skip(reason);
    const holder = spawn('unshare', ['--net', 'sleep', '30'], { stdio: 'ignore' });
    cleanups.push(() => holder.kill('SIGKILL'));
    const netns = `/proc/${holder.pid}/ns/net`;
    // Wait until unshare has exec'd sleep in its new namespace (its netns differs from ours).
    const ours = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' });
    // Never go on while it is still in ours: the link below would be made in the host's netns.
    let separate = false;
    for (let i = 0; i < 1000 && !separate; i++) {
      separate = execFileSync('readlink', [netns], { encoding: 'utf8' }) !== ours;
      if (!separate) await new Promise((r) => setTimeout(r, 10));
    }
    if (!separate) throw new Error('unshare --net did not enter a new network namespace within 10 s');
    const before = snapshotHost({ netns });
    expect(before.links).toEqual(['lo']);
    execFileSync('nsenter', [`--net=${netns}`, 'ip', 'link', 'add', 'nsleak0', 'type', 'bridge']);
    expect(await settledDiff(before, { netns, settleMs: 100 })).toEqual([
      'network link left behind: nsleak0',
    ]);
    execFileSync('nsenter', [`--net=${netns}`, 'ip', 'link', 'del', 'nsleak0']);
    expect(await settledDiff(before, { netns })).toEqual([]);
    holder.kill('SIGKILL');
    await waitExit(holder);
  });
});

describe('useLeakCheck on a clean test', () => {
  useLeakCheck();
  it('passes when a test opens, spawns and mounts but cleans up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-clean-'));
    closeSync(openSync(join(dir, 'f'), 'w'));
    const child = spawn('true');
    await waitExit(child);
    if (unmet('root') === null) {
      execFileSync('mount', ['-t', 'tmpfs', 'none', dir]);
      execFileSync('umount', [dir]);
    }
    rmSync(dir, { recursive: true });
  });
});
