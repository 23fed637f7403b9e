// uid, gid and supplementary groups from the identity step, numeric ids taken as given (even when
// the passwd file has no such user), the working directory, and the hostname.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Step } from '../lib/index.js';
import { run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('identity, cwd and hostname', () => {
  const rootfs = useRootfs();

  async function ids(steps: Step[]) {
    const res = await run(
      standardPlan(rootfs().path, ['sh', '-c', 'grep -E "^(Uid|Gid|Groups):" /proc/self/status; id'], {
        afterPivot: steps,
      }),
    );
    expect(res.failure).toBeNull();
    return res.output.trim().split('\n');
  }

  it('switches uid, gid and groups (all of real, effective, saved, rootfs())', async () => {
    const out = await ids([{ op: 'identity', uid: 1000, gid: 1000, groups: [5, 65534] }]);
    expect(out[0]).toBe('Uid:\t1000\t1000\t1000\t1000');
    expect(out[1]).toBe('Gid:\t1000\t1000\t1000\t1000');
    expect(out[2]!.trim()).toBe('Groups:\t5 65534');
    expect(out[3]).toBe('uid=1000(user) gid=1000(user) groups=5(tty),65534(nogroup)');
  });

  it('numeric ids missing from /etc/passwd are used as given', async () => {
    const out = await ids([{ op: 'identity', uid: 4242, gid: 4343, groups: [] }]);
    expect(out[0]).toBe('Uid:\t4242\t4242\t4242\t4242');
    expect(out[1]).toBe('Gid:\t4343\t4343\t4343\t4343');
    expect(out[2]!.trim()).toBe('Groups:');
  });

  it('root with no groups clears the inherited supplementary groups', async () => {
    const out = await ids([{ op: 'identity', uid: 0, gid: 0, groups: [] }]);
    expect(out[2]!.trim()).toBe('Groups:');
  });

  it('changes the working directory inside the container, after the user switch', async () => {
    mkdirSync(join(rootfs().path, 'home/user/work'), { recursive: true });
    const res = await run(
      standardPlan(rootfs().path, ['pwd'], {
        afterPivot: [
          { op: 'identity', uid: 1000, gid: 1000, groups: [] },
          { op: 'chdir', path: '/home/user/work' },
        ],
      }),
    );
    expect(res.output).toBe('/home/user/work\n');
  });

  it('refuses a cwd through a magic link such as /proc/self/fd/N (CVE-2024-21626)', async () => {
    const res = await run(
      standardPlan(rootfs().path, ['pwd'], { afterPivot: [{ op: 'chdir', path: '/proc/self/cwd' }] }),
    );
    expect(res.failure).toMatchObject({ op: 'chdir', errno: 40, path: '/proc/self/cwd' });
  });

  it('the default cwd is / and the hostname is set in the new UTS namespace only', async () => {
    const res = await run(standardPlan(rootfs().path, ['sh', '-c', 'pwd; hostname'], { hostname: 'box' }));
    expect(res.output.trim().split('\n')).toEqual(['/', 'box']);
  });
});
