// join: a process enters a running container's namespaces through the target's pidfd, lands inside
// its PID namespace (not PID 1) while remaining our child, and sees the container's hostname/root.
import { spawn as spawnProcess } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { native, type Plan, type Spawned } from '../lib/index.js';
import { C, execStep, isRoot, mountsUnder, readAll, standardPlan } from './helpers/plan.js';
import { makeRootfs, type TestRootfs } from './helpers/rootfs.js';

const JOIN_NS = C.CLONE_NEWNS | C.CLONE_NEWUTS | C.CLONE_NEWIPC | C.CLONE_NEWPID | C.CLONE_NEWNET;

function joinPlan(argv: string[]): Plan {
  return {
    cloneFlags: 0,
    stdio: [-1, -1, -1],
    consoleFd: -1,
    steps: [{ op: 'chdir', path: '/' }, { op: 'close-fds' }, execStep(argv)],
  };
}

describe('join', () => {
  let fs: TestRootfs;
  let target: Spawned | undefined;

  beforeEach(async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    fs = makeRootfs();
    target = native.spawn(standardPlan(fs.path, ['sleep', '1000'], { hostname: 'target' }));
    native.go(target.sync);
    expect(await native.awaitExec(target.sync)).toBeNull();
  });

  afterEach(async () => {
    if (!isRoot) return;
    if (target) {
      native.pidfdSignal(target.pidfd, C.SIGKILL);
      await native.waitExit(target.pidfd);
      native.close(target.pidfd);
      target = undefined;
    }
    fs.remove();
    expect(mountsUnder(fs.dir)).toEqual([]);
  });

  async function joinAndRun(argv: string[]) {
    const [r, w] = native.pipe();
    const plan = joinPlan(argv);
    plan.stdio = [-1, w, w];
    let s: Spawned;
    try {
      s = await native.join(target!.pidfd, JOIN_NS, plan);
    } finally {
      native.close(w);
    }
    const out = readAll(r).finally(() => native.close(r));
    const nsSeen = ['mnt', 'uts', 'net', 'ipc', 'pid'].map((k) => readlinkSync(`/proc/${s.pid}/ns/${k}`));
    native.go(s.sync);
    const failure = await native.awaitExec(s.sync);
    const exit = await native.waitExit(s.pidfd);
    native.close(s.pidfd);
    return { output: await out, failure, exit, nsSeen, pid: s.pid };
  }

  it('enters every namespace of the target and is not its PID 1', async () => {
    const res = await joinAndRun(['sh', '-c', 'hostname; echo $$; ls /bin/busybox']);
    expect(res.failure).toBeNull();
    expect(res.exit).toEqual({ exitCode: 0, signal: null });
    const [host, pid, bb] = res.output.trim().split('\n');
    expect(host).toBe('target');
    expect(Number(pid)).toBeGreaterThan(1);
    expect(bb).toBe('/bin/busybox');
    const targetNs = ['mnt', 'uts', 'net', 'ipc', 'pid'].map((k) =>
      readlinkSync(`/proc/${target!.pid}/ns/${k}`),
    );
    expect(res.nsSeen).toEqual(targetNs);
  });

  it('sees the target as PID 1 of the shared PID namespace', async () => {
    const res = await joinAndRun(['cat', '/proc/1/cmdline']);
    expect(res.output.split('\0').filter(Boolean)).toEqual(['sleep', '1000']);
  });

  it('reports an exec failure in the joined process as a record', async () => {
    const res = await joinAndRun(['nosuch']);
    expect(res.failure).toMatchObject({ op: 'exec', syscall: 'execve', errno: 2, path: 'nosuch' });
  });

  it('cannot join a target that has exited, even though its pidfd is still open', async () => {
    native.pidfdSignal(target!.pidfd, C.SIGKILL);
    await native.waitExit(target!.pidfd);
    await expect(native.join(target!.pidfd, JOIN_NS, joinPlan(['true']))).rejects.toThrow(
      expect.objectContaining({ code: 'ESRCH', syscall: 'setns' }),
    );
    native.close(target!.pidfd);
    target = undefined;
  });

  it('a namespace the target does not own fails setns with EINVAL', async () => {
    await expect(native.join(target!.pidfd, C.CLONE_NEWUSER, joinPlan(['true']))).rejects.toThrow(
      expect.objectContaining({ code: 'EINVAL', syscall: 'setns' }),
    );
  });

  it('is non-dumpable while it waits for GO (CVE-2016-9962)', async () => {
    // The kernel shows a non-dumpable process's /proc/<pid> files as owned by root instead of its
    // euid, so the whole join runs as uid 1000 (keeping the needed caps as ambient ones); the
    // fixture itself, a dumpable uid-1000 process, is the control.
    const caps =
      '+sys_admin,+sys_chroot,+dac_override,+dac_read_search,+mknod,+fowner,+chown,+kill,+setuid,+setgid';
    const asUser = [
      '--reuid=1000',
      '--regid=1000',
      '--clear-groups',
      `--inh-caps=${caps}`,
      `--ambient-caps=${caps}`,
    ];
    const fixture = fileURLToPath(new URL('./fixtures/join-waiting.mjs', import.meta.url));
    const targetPlan = standardPlan(fs.path, ['sleep', '1000']);
    const child = spawnProcess(
      'setpriv',
      [
        ...asUser,
        process.execPath,
        fixture,
        JSON.stringify(targetPlan),
        JSON.stringify(joinPlan(['true'])),
        String(JOIN_NS),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const first = await new Promise<string>((resolve) =>
        createInterface({ input: child.stdout! }).once('line', (l) => resolve(l)),
      );
      const pids = JSON.parse(first) as { target: number; joined: number; self: number };
      const owner = (pid: number) => statSync(`/proc/${pid}/environ`).uid;
      expect(owner(pids.self)).toBe(1000);
      expect(owner(pids.joined)).toBe(0);
    } finally {
      child.stdin!.end('go\n');
    }
    expect(await exited).toBe(0);
  });
});
