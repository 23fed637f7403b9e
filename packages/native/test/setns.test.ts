// Joining namespaces by path (how a pod's containers share the infra container's network, IPC,
// UTS and PID namespaces): setns steps on fds the parent opened. The PID namespace is entered by
// the parent around clone3 (it applies to children), so the new container is born inside it, and
// the parent's own pid_for_children is restored afterwards.
import { closeSync, constants, openSync, readlinkSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { native, type Spawned } from '../lib/index.js';
import { C, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('setns by path', () => {
  const rootfs = useRootfs();

  async function infra(): Promise<Spawned> {
    const s = native.spawn(standardPlan(rootfs().path, ['sleep', '1000'], { hostname: 'infra' }));
    native.go(s.sync);
    expect(await native.awaitExec(s.sync)).toBeNull();
    onTestFinished(async () => {
      native.pidfdSignal(s.pidfd, C.SIGKILL);
      await native.waitExit(s.pidfd);
      native.close(s.pidfd);
    });
    return s;
  }

  function nsFd(pid: number, kind: string): number {
    const fd = openSync(`/proc/${pid}/ns/${kind}`, constants.O_RDONLY);
    onTestFinished(() => closeSync(fd));
    return fd;
  }

  it('shares the infra container network, UTS, IPC and PID namespaces', async () => {
    const pod = await infra();
    const want = Object.fromEntries(
      ['net', 'uts', 'ipc', 'pid'].map((k) => [k, readlinkSync(`/proc/${pod.pid}/ns/${k}`)]),
    );
    const own = readlinkSync('/proc/thread-self/ns/pid_for_children');
    const steps = [
      { op: 'setns' as const, fd: nsFd(pod.pid, 'net'), nstype: C.CLONE_NEWNET },
      { op: 'setns' as const, fd: nsFd(pod.pid, 'uts'), nstype: C.CLONE_NEWUTS },
      { op: 'setns' as const, fd: nsFd(pod.pid, 'ipc'), nstype: C.CLONE_NEWIPC },
      { op: 'setns' as const, fd: nsFd(pod.pid, 'pid'), nstype: C.CLONE_NEWPID },
    ];
    const plan = standardPlan(
      rootfs().path,
      ['sh', '-c', 'for k in net uts ipc pid; do readlink /proc/self/ns/$k; done; hostname; ps -o pid,args'],
      { cloneFlags: C.CLONE_NEWNS },
    );
    plan.steps.unshift(...steps);
    const res = await run(plan);
    expect(res.failure).toBeNull();
    const lines = res.output.trim().split('\n');
    expect(lines.slice(0, 4)).toEqual([want.net, want.uts, want.ipc, want.pid]);
    expect(lines[4]).toBe('infra');
    // The infra's sleep is PID 1 of the shared PID namespace, and we are not.
    expect(lines.slice(5).join('\n')).toMatch(/^\s*1 sleep 1000$/m);
    expect(lines.slice(5).join('\n')).not.toMatch(/^\s*1 sh /m);
    // Our own thread is back in its own PID namespace for the next clone.
    expect(readlinkSync('/proc/thread-self/ns/pid_for_children')).toBe(own);
  });

  it('reports a PID namespace fd that is not one, and leaves nothing changed', async () => {
    const own = readlinkSync('/proc/thread-self/ns/pid_for_children');
    const fd = openSync('/proc/self/ns/net', constants.O_RDONLY);
    onTestFinished(() => closeSync(fd));
    const plan = standardPlan(rootfs().path, ['true'], { cloneFlags: C.CLONE_NEWNS });
    plan.steps.unshift({ op: 'setns', fd, nstype: C.CLONE_NEWPID });
    expect(() => native.spawn(plan)).toThrow(/setns/);
    expect(readlinkSync('/proc/thread-self/ns/pid_for_children')).toBe(own);
  });
});
