// The lsm-label step: the exec label is written to our own /proc/<pid>/attr file through the
// container's verified procfs. This host has neither AppArmor nor SELinux, so what runs here is
// the failure naming the attribute and the refusal of a /proc that is not procfs; applying a
// profile runs where the LSM is enabled.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Step } from '../lib/index.js';
import { mountSteps, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

function lsms(): string[] {
  try {
    return readFileSync('/sys/kernel/security/lsm', 'utf8').trim().split(',');
  } catch {
    return [];
  }
}

describe('lsm-label', () => {
  const rootfs = useRootfs();

  it('runs the program under the AppArmor profile written before exec', async (ctx) => {
    if (!lsms().includes('apparmor')) ctx.skip('AppArmor is not enabled on this host');
    const res = await run(
      standardPlan(rootfs().path, ['cat', '/proc/self/attr/current'], {
        afterPivot: [{ op: 'lsm-label', attr: 'apparmor/exec', value: 'exec unconfined' }],
      }),
    );
    expect(res.failure).toBeNull();
    expect(res.output.trim()).toBe('unconfined');
  });

  it('fails naming the attribute when the LSM is absent', async (ctx) => {
    if (lsms().includes('apparmor'))
      ctx.skip('AppArmor is enabled here: the missing-LSM failure cannot happen');
    const res = await run(
      standardPlan(rootfs().path, ['true'], {
        afterPivot: [{ op: 'lsm-label', attr: 'apparmor/exec', value: 'exec docker-default' }],
      }),
    );
    expect(res.failure).toMatchObject({ op: 'lsm-label', path: 'apparmor/exec' });
    expect(res.exit.exitCode).not.toBe(0);
  });

  it('refuses a /proc that is not procfs before writing anything', async () => {
    const fake = join(rootfs().dir, 'fakeproc');
    mkdirSync(join(fake, '1/attr/apparmor'), { recursive: true });
    writeFileSync(join(fake, '1/attr/apparmor/exec'), '');
    const mounts: Step[] = mountSteps().filter((s) => s.op !== 'mount' || s.target !== '/proc');
    mounts.unshift({ op: 'bind', source: fake, target: '/proc', flags: 0, recursive: false, propagation: 0 });
    const res = await run(
      standardPlan(rootfs().path, ['true'], {
        mounts,
        afterPivot: [{ op: 'lsm-label', attr: 'apparmor/exec', value: 'exec unconfined' }],
      }),
    );
    expect(res.failure).toMatchObject({ op: 'lsm-label', syscall: 'fstatfs', errno: 18, path: '/proc' });
    expect(readFileSync(join(fake, '1/attr/apparmor/exec'), 'utf8')).toBe('');
  });
});
