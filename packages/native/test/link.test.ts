// The link-up step: the child brings an interface of its own network namespace up (and sets its
// MTU) with netdevice(7) ioctls, as a rootless container's loopback needs (its parent cannot enter
// that namespace). Checked from inside through /sys/class/net of the container's own netns.
import { describe, expect, it } from 'vitest';
import { encodePlan } from '../lib/encode-plan.js';
import { loadNative, loadRaw } from '../lib/native.js';
import type { Plan } from '../lib/plan.js';
import { run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

const probe = ['cat', '/sys/class/net/lo/operstate', '/sys/class/net/lo/mtu', '/sys/class/net/lo/flags'];

describe('link-up', () => {
  const rootfs = useRootfs();
  const sysfs = {
    op: 'mount',
    source: 'sysfs',
    target: '/sys',
    fstype: 'sysfs',
    flags: 0,
    data: '',
    mkdir: 0o755,
    noSymlinks: true,
  } as const;

  it('brings lo of the new network namespace up with the asked MTU; without it lo stays down', async () => {
    const up = await run(
      standardPlan(rootfs().path, probe, { beforePivot: [sysfs, { op: 'link-up', name: 'lo', mtu: 1500 }] }),
    );
    expect(up.failure).toBeNull();
    const [state, mtu, flags] = up.output.trim().split('\n');
    expect(state).toBe('unknown'); // lo has no carrier state; IFF_UP shows in flags
    expect(mtu).toBe('1500');
    expect(Number(flags) & 1).toBe(1);
    const down = await run(standardPlan(rootfs().path, probe, { beforePivot: [sysfs] }));
    expect(Number(down.output.trim().split('\n')[2]) & 1).toBe(0);
  });

  it('reports a missing interface as the step, syscall and name', async () => {
    const res = await run(
      standardPlan(rootfs().path, ['true'], { beforePivot: [{ op: 'link-up', name: 'nosuch0', mtu: 0 }] }),
    );
    expect(res.failure).toMatchObject({
      op: 'link-up',
      syscall: 'ioctl(SIOCGIFFLAGS)',
      errno: 19,
      path: 'nosuch0',
    });
  });
});

describe('link-up decoding', () => {
  loadNative(); // installs the error factories
  const raw = loadRaw();
  const exec = { op: 'exec', candidates: ['/bin/true'], argv: ['true'], envp: [] } as const;
  const plan = (name: string, mtu: number): Plan => ({
    cloneFlags: 0,
    stdio: [-1, -1, -1],
    consoleFd: -1,
    steps: [{ op: 'link-up', name, mtu }, exec],
  });

  it('accepts an interface name and MTU, refuses what no interface can be', () => {
    expect(raw.decodePlan(encodePlan(plan('lo', 1500)))).toEqual(['link-up', 'exec']);
    expect(() => raw.decodePlan(encodePlan(plan('x'.repeat(16), 0)))).toThrow(/name is longer than 15 bytes/);
    for (const bad of ['', 'a/b', 'a b', '..'])
      expect(() => raw.decodePlan(encodePlan(plan(bad, 0)))).toThrow(/is not an interface name/);
    expect(() => raw.decodePlan(encodePlan(plan('lo', 67)))).toThrow(/mtu 67 is out of range/);
  });

  it('rejects the unassigned op codes below it, as any unknown op', () => {
    const buf = Buffer.from(encodePlan(plan('lo', 0)));
    buf.writeUInt32LE(47, 40); // the first step's op
    expect(() => raw.decodePlan(buf)).toThrow(/unknown op 47/);
  });
});
