import type { Step } from '@nsinit/native';
import { createNativeFake } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { compilePlan, type KernelTables, namespaceFlags } from '../plan/compile.js';
import { fromOci } from './from-oci.js';
import type { OciConfigInput } from './oci-input.js';
import { withOciProcess } from './oci-process.js';

const fake = createNativeFake();
const tables: KernelTables = {
  capabilities: fake.capabilities,
  rlimits: fake.rlimits,
  constants: fake.constants,
};
const C = fake.constants as Record<string, number>;
function minimal(): OciConfigInput {
  return {
    ociVersion: '1.2.0',
    process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
  };
}

const ops = (steps: Step[]) => steps.map((s) => s.op);
const find = <K extends Step['op']>(steps: Step[], op: K) =>
  steps.filter((s): s is Extract<Step, { op: K }> => s.op === op);

describe('withOciProcess (exec into a running container)', () => {
  it('swaps in another process, names its fields under the process file, and joins every namespace', () => {
    const c = minimal();
    c.linux!.namespaces!.push({ type: 'cgroup' }, { type: 'network', path: '/run/netns/pod' });
    const spec = withOciProcess(fromOci(c, '/bundle'), {
      args: ['ps'],
      cwd: '/tmp',
      env: ['A=1'],
      user: { uid: 1000, gid: 1000, additionalGids: [5], umask: 0o077 },
      capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
    });
    const plan = compilePlan(spec, { rootfs: '/bundle/rootfs', tables, stdio: [0, 1, 2], join: true });
    expect(plan.cloneFlags).toBe(0);
    // A non-root user without ambient capabilities enters its cwd before its capabilities are
    // raised; the default RLIMIT_NOFILE soft limit applies.
    expect(ops(plan.steps)).toEqual([
      'session',
      'umask',
      'rlimit',
      'close-fds',
      'identity',
      'pdeathsig',
      'chdir',
      'caps',
      'exec',
    ]);
    expect(plan.steps[1]).toEqual({ op: 'umask', mask: 0o077 });
    expect(find(plan.steps, 'identity')[0]).toEqual({ op: 'identity', uid: 1000, gid: 1000, groups: [5] });
    expect(namespaceFlags(spec, C, { forJoin: true })).toBe(
      C.CLONE_NEWNS! | C.CLONE_NEWPID! | C.CLONE_NEWCGROUP! | C.CLONE_NEWNET!,
    );
    expect(namespaceFlags(spec, C)).toBe(C.CLONE_NEWNS! | C.CLONE_NEWPID!);
    const bad = (p: Parameters<typeof withOciProcess>[1]) => () =>
      compilePlan(withOciProcess(fromOci(minimal(), '/bundle'), p), {
        rootfs: '/r',
        tables,
        stdio: [0, 1, 2],
        join: true,
      });
    expect(bad({ args: ['x'], cwd: '/', env: ['NOPE'] })).toThrow(/invalid config: \/env\/0/);
    expect(bad({ args: ['x'], cwd: '/', capabilities: { ambient: ['CAP_NOPE'] } })).toThrow(
      /\/capabilities\/ambient\/0: unknown capability/,
    );
    expect(bad({ args: ['x'], cwd: '/', scheduler: { policy: 'SCHED_FIFO' } })).toThrow(
      /invalid config: \/scheduler:/,
    );
    expect(bad({ args: ['x'], cwd: '/', apparmorProfile: 'p' })).toThrow(
      /\/apparmorProfile: AppArmor is not enabled/,
    );
  });
});
