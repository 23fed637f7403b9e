// Every kind of child-side failure comes back as a record naming the step, syscall, errno and path,
// and childFailureError turns it into `ENOENT: no such file or directory, execve 'nosuch'`.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childFailureError, type Plan, type Step } from '../lib/index.js';
import { C, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('child failures', () => {
  const rootfs = useRootfs();

  async function failWith(plan: Plan) {
    const res = await run(plan);
    expect(res.failure).not.toBeNull();
    expect(res.exit).toEqual({ exitCode: 1, signal: null });
    return { failure: res.failure!, error: childFailureError(res.failure!, plan) };
  }

  it('a bare command that is nowhere on PATH is ENOENT execve with the name as given', async () => {
    const plan = standardPlan(rootfs().path, ['nosuch']);
    const { failure, error } = await failWith(plan);
    expect(failure).toEqual({
      step: plan.steps.length - 1,
      op: 'exec',
      syscall: 'execve',
      errno: 2,
      path: 'nosuch',
    });
    expect(error.message).toBe("ENOENT: no such file or directory, execve 'nosuch'");
    expect(error).toMatchObject({
      code: 'ENOENT',
      errno: -2,
      syscall: 'execve',
      path: 'nosuch',
      step: 'exec',
    });
  });

  it('a missing absolute path reports that path', async () => {
    const { error } = await failWith(standardPlan(rootfs().path, ['/bin/nosuch']));
    expect(error.message).toBe("ENOENT: no such file or directory, execve '/bin/nosuch'");
  });

  it('a file without execute permission is EACCES, reported even when later candidates are missing', async () => {
    writeFileSync(join(rootfs().path, 'usr/bin/app'), '#!/bin/sh\n');
    chmodSync(join(rootfs().path, 'usr/bin/app'), 0o644);
    const { failure, error } = await failWith(standardPlan(rootfs().path, ['app']));
    expect(failure).toMatchObject({ op: 'exec', errno: 13, path: '/usr/bin/app' });
    expect(error.message).toBe("EACCES: permission denied, execve '/usr/bin/app'");
  });

  it('a bind mount whose source is missing names source and destination', async () => {
    const bind: Step = {
      op: 'bind',
      source: join(rootfs().dir, 'missing'),
      target: '/mnt',
      flags: 0,
      recursive: true,
      propagation: 0,
    };
    const plan = standardPlan(rootfs().path, ['true'], { beforePivot: [bind] });
    const { failure, error } = await failWith(plan);
    expect(failure).toMatchObject({
      step: plan.steps.indexOf(bind),
      op: 'bind',
      syscall: 'open_tree',
      errno: 2,
    });
    expect(error.message).toBe(
      `ENOENT: no such file or directory, open_tree '${join(rootfs().dir, 'missing')}' -> '/mnt'`,
    );
    expect(error.dest).toBe('/mnt');
  });

  it('an unknown filesystem type fails in fsopen', async () => {
    const m: Step = {
      op: 'mount',
      source: 'x',
      target: '/mnt',
      fstype: 'nosuchfs',
      flags: 0,
      data: '',
      mkdir: 0o755,
      noSymlinks: false,
    };
    const { failure } = await failWith(standardPlan(rootfs().path, ['true'], { beforePivot: [m] }));
    expect(failure).toMatchObject({ op: 'mount', syscall: 'fsopen', errno: 19, path: 'nosuchfs' });
  });

  it('a bad mount option fails in fsconfig with the target', async () => {
    const m: Step = {
      op: 'mount',
      source: 'tmpfs',
      target: '/mnt',
      fstype: 'tmpfs',
      flags: 0,
      data: 'nosuchopt=1',
      mkdir: 0o755,
      noSymlinks: false,
    };
    const { failure } = await failWith(standardPlan(rootfs().path, ['true'], { beforePivot: [m] }));
    expect(failure).toMatchObject({ op: 'mount', syscall: 'fsconfig', errno: 22, path: '/mnt' });
  });

  it('a mount target that must exist but does not is ENOENT openat2', async () => {
    const m: Step = {
      op: 'mount',
      source: 'tmpfs',
      target: '/nope',
      fstype: 'tmpfs',
      flags: 0,
      data: '',
      mkdir: 0,
      noSymlinks: false,
    };
    const { failure } = await failWith(standardPlan(rootfs().path, ['true'], { beforePivot: [m] }));
    expect(failure).toMatchObject({ op: 'mount', syscall: 'openat2', errno: 2, path: '/nope' });
  });

  it('an unprivileged identity cannot switch back: EPERM setgroups', async () => {
    const steps: Step[] = [
      { op: 'identity', uid: 1000, gid: 1000, groups: [] },
      { op: 'identity', uid: 0, gid: 0, groups: [] },
    ];
    const plan = standardPlan(rootfs().path, ['true'], { afterPivot: steps });
    const { failure, error } = await failWith(plan);
    expect(failure).toMatchObject({
      step: plan.steps.indexOf(steps[1]!),
      op: 'identity',
      syscall: 'setgroups',
      errno: 1,
    });
    expect(error.message).toBe('EPERM: operation not permitted, setgroups');
  });

  it('a missing working directory is ENOENT chdir', async () => {
    const { failure, error } = await failWith(
      standardPlan(rootfs().path, ['true'], { afterPivot: [{ op: 'chdir', path: '/nodir' }] }),
    );
    expect(failure).toMatchObject({ op: 'chdir', syscall: 'chdir', errno: 2, path: '/nodir' });
    expect(error.step).toBe('chdir');
  });

  it('a stdio fd that is not open fails in setup before any step', async () => {
    const plan = standardPlan(rootfs().path, ['true']);
    const res = await run(plan, { stdin: 999 });
    expect(res.failure).toMatchObject({ step: -1, op: 'setup', syscall: 'fcntl', errno: 9 });
    expect(childFailureError(res.failure!, plan).message).toBe('EBADF: bad file descriptor, fcntl');
  });

  it('sethostname without CAP_SYS_ADMIN is EPERM', async () => {
    const caps: Step = {
      op: 'caps',
      bounding: 0n,
      effective: 0n,
      permitted: 0n,
      inheritable: 0n,
      ambient: 0n,
    };
    const { failure } = await failWith(
      standardPlan(rootfs().path, ['true'], { afterPivot: [caps, { op: 'hostname', name: 'x' }] }),
    );
    expect(failure).toMatchObject({ op: 'hostname', syscall: 'sethostname', errno: 1, path: 'x' });
    expect(C.MS_BIND).toBeGreaterThan(0);
  });
});
