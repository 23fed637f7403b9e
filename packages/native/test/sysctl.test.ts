// The sysctl step: a value written below the container's own /proc/sys after /proc is mounted,
// and refused when /proc is not a procfs mount root (a bound host directory standing in for it)
// or the target crosses a mount: the write must never land in a host file (CVE-2019-16884 class).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Step } from '../lib/index.js';
import { mountSteps, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('sysctl', () => {
  const rootfs = useRootfs();

  it('writes namespaced values through the container procfs: net in its netns, kernel.shm in its ipc ns', async () => {
    const host = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const hostShm = readFileSync('/proc/sys/kernel/shmmni', 'utf8');
    const res = await run(
      standardPlan(rootfs().path, ['cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/kernel/shmmni'], {
        afterPivot: [
          { op: 'sysctl', key: 'net/ipv4/ip_forward', value: host.trim() === '1' ? '0' : '1' },
          { op: 'sysctl', key: 'kernel/shmmni', value: '1234' },
        ],
      }),
    );
    expect(res.failure).toBeNull();
    expect(res.output).toBe(`${host.trim() === '1' ? '0' : '1'}\n1234\n`);
    // The host's own values did not move.
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(host);
    expect(readFileSync('/proc/sys/kernel/shmmni', 'utf8')).toBe(hostShm);
  });

  it('refuses a /proc that is a bound host directory of fake files, and the host file is untouched', async () => {
    const fake = join(rootfs().dir, 'fakeproc');
    mkdirSync(join(fake, 'sys/net/ipv4'), { recursive: true });
    writeFileSync(join(fake, 'sys/net/ipv4/ip_forward'), 'host-file\n');
    const mounts: Step[] = mountSteps().filter((s) => s.op !== 'mount' || s.target !== '/proc');
    mounts.unshift({ op: 'bind', source: fake, target: '/proc', flags: 0, recursive: false, propagation: 0 });
    const res = await run(
      standardPlan(rootfs().path, ['true'], {
        mounts,
        afterPivot: [{ op: 'sysctl', key: 'net/ipv4/ip_forward', value: '1' }],
      }),
    );
    expect(res.failure).toMatchObject({ op: 'sysctl', syscall: 'fstatfs', errno: 18, path: '/proc' });
    expect(readFileSync(join(fake, 'sys/net/ipv4/ip_forward'), 'utf8')).toBe('host-file\n');
  });

  it('refuses a target with another procfs file mounted over it (CVE-2025-52881 class)', async () => {
    // The decoy is itself a procfs file (the host's own kernel/domainname), so only refusing to
    // cross the mount, not the filesystem check, stops the write from landing in it.
    const res = await run(
      standardPlan(rootfs().path, ['cat', '/proc/sys/kernel/domainname'], {
        beforePivot: [
          {
            op: 'bind',
            source: '/proc/sys/kernel/domainname',
            target: '/proc/sys/net/ipv4/ip_forward',
            flags: 0,
            recursive: false,
            propagation: 0,
          },
        ],
        afterPivot: [{ op: 'sysctl', key: 'net/ipv4/ip_forward', value: 'redirected' }],
      }),
    );
    expect(res.failure).toMatchObject({ op: 'sysctl', syscall: 'openat2', errno: 18 });
    expect(res.output).not.toContain('redirected');
  });

  it('names the key when the kernel refuses it', async () => {
    const res = await run(
      standardPlan(rootfs().path, ['true'], {
        afterPivot: [{ op: 'sysctl', key: 'net/ipv4/no_such_knob', value: '1' }],
      }),
    );
    expect(res.failure).toMatchObject({
      op: 'sysctl',
      syscall: 'openat2',
      errno: 2,
      path: 'net/ipv4/no_such_knob',
    });
  });
});
