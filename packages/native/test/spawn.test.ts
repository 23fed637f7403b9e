// spawn/go/awaitExec/waitExit end to end: a busybox container in new namespaces whose output the
// test reads; each namespace differs from the host's; the command is PID 1 of its PID namespace.
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { native } from '../lib/index.js';
import { NS_ALL, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('spawn', () => {
  const rootfs = useRootfs();

  it('runs hostname in new namespaces and reports exec success as null', async () => {
    const res = await run(standardPlan(rootfs().path, ['hostname'], { hostname: 'koye' }));
    expect(res.failure).toBeNull();
    expect(res.exit).toEqual({ exitCode: 0, signal: null });
    expect(res.output).toBe('koye\n');
  });

  it('puts the child in new namespaces while it waits for GO', async () => {
    const kinds = ['mnt', 'uts', 'ipc', 'pid', 'net'];
    const seen: Record<string, string> = {};
    const res = await run(standardPlan(rootfs().path, ['true']), {
      beforeGo: (s) => {
        for (const k of kinds) seen[k] = readlinkSync(`/proc/${s.pid}/ns/${k}`);
      },
    });
    expect(res.failure).toBeNull();
    for (const k of kinds) {
      // The pid namespace link of the child itself stays the parent's; pid_for_children is new.
      const host = readlinkSync(`/proc/self/ns/${k}`);
      if (k === 'pid') continue;
      expect(seen[k], k).not.toBe(host);
    }
  });

  it('runs the command as PID 1 of a new PID namespace', async () => {
    const res = await run(standardPlan(rootfs().path, ['sh', '-c', 'echo $$; readlink /proc/self/ns/pid']));
    expect(res.failure).toBeNull();
    const [pid, nsLink] = res.output.trim().split('\n');
    expect(pid).toBe('1');
    expect(nsLink).not.toBe(readlinkSync('/proc/self/ns/pid'));
  });

  it('keeps the host namespaces when cloneFlags is 0 except the mount namespace', async () => {
    const res = await run(
      standardPlan(rootfs().path, ['readlink', '/proc/self/ns/uts'], {
        cloneFlags: native.constants.CLONE_NEWNS,
      }),
    );
    expect(res.failure).toBeNull();
    expect(res.output.trim()).toBe(readlinkSync('/proc/self/ns/uts'));
  });

  it('reports a signal death as { exitCode: null, signal }', async () => {
    // PID 1 of a PID namespace cannot SIGKILL itself, so this container shares the host's.
    const flags = NS_ALL & ~native.constants.CLONE_NEWPID;
    const res = await run(standardPlan(rootfs().path, ['sh', '-c', 'kill -KILL $$'], { cloneFlags: flags }));
    expect(res.failure).toBeNull();
    expect(res.exit).toEqual({ exitCode: null, signal: 'SIGKILL' });
  });

  it('passes the exit code through', async () => {
    const res = await run(standardPlan(rootfs().path, ['sh', '-c', 'exit 42']));
    expect(res.exit).toEqual({ exitCode: 42, signal: null });
  });

  it('uses only the plan environment, with argv[0] found through its PATH', async () => {
    const res = await run(standardPlan(rootfs().path, ['env'], { env: ['PATH=/bin', 'FOO=bar'] }));
    expect(res.output.split('\n').filter(Boolean).sort()).toEqual(['FOO=bar', 'PATH=/bin']);
  });

  it('kills a waiting child through its pidfd and reports the signal', async () => {
    const plan = standardPlan(rootfs().path, ['true']);
    const s = native.spawn(plan);
    try {
      expect(native.pidfdSignal(s.pidfd, native.constants.SIGKILL)).toBe(true);
      expect(await native.waitExit(s.pidfd)).toEqual({ exitCode: null, signal: 'SIGKILL' });
      expect(native.pidfdSignal(s.pidfd, native.constants.SIGKILL)).toBe(false);
    } finally {
      native.close(s.sync);
      native.close(s.pidfd);
    }
  });

  it('the child exits without running a step when the parent closes the sync socket', async () => {
    const s = native.spawn(standardPlan(rootfs().path, ['true'], { hostname: 'never' }));
    native.close(s.sync);
    expect(await native.waitExit(s.pidfd)).toEqual({ exitCode: 1, signal: null });
    native.close(s.pidfd);
  });

  it('serves many containers at once with one watcher', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        run(standardPlan(rootfs().path, ['sh', '-c', `echo ${i}; exit ${i}`])),
      ),
    );
    results.forEach((r, i) => {
      expect(r.output).toBe(`${i}\n`);
      expect(r.exit.exitCode).toBe(i);
    });
  });

  it('refuses mount steps without a new mount namespace (they would change the host)', () => {
    const plan = standardPlan(rootfs().path, ['true'], { cloneFlags: native.constants.CLONE_NEWUTS });
    expect(() => native.spawn(plan)).toThrow(
      expect.objectContaining({
        code: 'ERR_NSINIT_INVALID_PLAN',
        message: expect.stringMatching(/step 0 \(propagation\).*CLONE_NEWNS/),
      }),
    );
  });

  it('rejects a malformed plan before cloning', () => {
    const plan = standardPlan(rootfs().path, ['true']);
    plan.steps.pop();
    expect(() => native.spawn(plan)).toThrow(expect.objectContaining({ code: 'ERR_NSINIT_INVALID_PLAN' }));
  });

  it('an idle process exits by itself once nothing is watched (the watcher does not hold the loop)', () => {
    const fixture = fileURLToPath(new URL('./fixtures/idle-exit.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 10_000 });
    expect(JSON.parse(out)).toEqual({ failure: null, status: { exitCode: 0, signal: null } });
  });
});
