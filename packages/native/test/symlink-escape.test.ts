// A hostile rootfs whose paths are symlinks to a canary directory OUTSIDE it: for every kind of
// created or mounted path (mount target, bind target, device node, symlink, mkdir, /dev itself,
// /proc, /dev/console, mask) nothing may appear in the canary and the host gains no mount.
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { native, type Step } from '../lib/index.js';
import { C, deviceSteps, isRoot, mountSteps, mountsUnder, run, standardPlan } from './helpers/plan.js';
import { makeRootfs, type TestRootfs } from './helpers/rootfs.js';

describe('symlink escapes', () => {
  let fs: TestRootfs;
  let canary: string;
  beforeEach((ctx) => {
    if (!isRoot) ctx.skip('needs root');
    fs = makeRootfs();
    canary = join(fs.dir, 'canary');
    mkdirSync(canary);
  });
  afterEach(() => {
    if (!isRoot) return;
    const leftInCanary = readdirSync(canary);
    const leftMounts = mountsUnder(fs.dir);
    fs.remove();
    expect(leftInCanary).toEqual([]);
    expect(leftMounts).toEqual([]);
  });

  /** Replace a rootfs path with a symlink to the canary (absolute host path). */
  function plant(path: string, to = canary) {
    rmSync(join(fs.path, path), { recursive: true, force: true });
    symlinkSync(to, join(fs.path, path));
  }

  const noDevMounts = () => mountSteps().filter((s) => s.op !== 'mount' || !s.target.startsWith('/dev'));

  it('mount target: a symlink resolves inside the rootfs, never to the host canary', async () => {
    plant('mnt');
    const m: Step = {
      op: 'mount',
      source: 'tmpfs',
      target: '/mnt',
      fstype: 'tmpfs',
      flags: 0,
      data: '',
      mkdir: 0o755,
      noSymlinks: false,
    };
    const res = await run(standardPlan(fs.path, ['true'], { beforePivot: [m] }));
    // The link's target does not exist inside the rootfs, so the step fails instead of escaping.
    expect(res.failure).toMatchObject({ op: 'mount', errno: 2, path: '/mnt' });
  });

  it('mount target: when the symlink target exists inside the rootfs the mount lands there', async () => {
    plant('mnt');
    mkdirSync(join(fs.path, canary), { recursive: true });
    const m: Step = {
      op: 'mount',
      source: 'tmpfs',
      target: '/mnt',
      fstype: 'tmpfs',
      flags: 0,
      data: '',
      mkdir: 0,
      noSymlinks: false,
    };
    const res = await run(
      standardPlan(fs.path, ['grep', '-c', ` ${canary} `, '/proc/self/mountinfo'], { beforePivot: [m] }),
    );
    expect(res.failure).toBeNull();
    expect(res.output.trim()).toBe('1');
  });

  it('mount target: a relative ../ symlink is clamped at the rootfs', async () => {
    symlinkSync('../../../../../../../../canary', join(fs.path, 'up'));
    const m: Step = {
      op: 'mount',
      source: 'tmpfs',
      target: '/up',
      fstype: 'tmpfs',
      flags: 0,
      data: '',
      mkdir: 0o755,
      noSymlinks: false,
    };
    const res = await run(standardPlan(fs.path, ['true'], { beforePivot: [m] }));
    expect(res.failure).toMatchObject({ op: 'mount', errno: 2 });
  });

  it('bind target: a file bind through a symlinked parent creates nothing outside', async () => {
    plant('data');
    const src = join(fs.dir, 'file');
    writeFileSync(src, 'x');
    const b: Step = {
      op: 'bind',
      source: src,
      target: '/data/file',
      flags: 0,
      recursive: false,
      propagation: 0,
    };
    const res = await run(standardPlan(fs.path, ['true'], { beforePivot: [b] }));
    expect(res.failure).toMatchObject({ op: 'bind', errno: 2 });
  });

  it('/dev itself: a symlinked /dev is refused for the /dev tmpfs (noSymlinks)', async () => {
    plant('dev');
    const res = await run(standardPlan(fs.path, ['true']));
    expect(res.failure).toMatchObject({ op: 'mount', syscall: 'openat2', errno: 40, path: '/dev' });
  });

  it('device node: mknod under a symlinked /dev never reaches the canary', async () => {
    plant('dev');
    const res = await run(standardPlan(fs.path, ['true'], { mounts: [...noDevMounts(), ...deviceSteps()] }));
    expect(res.failure).toMatchObject({ op: 'mknod', errno: 2, path: '/dev/null' });
  });

  it('symlink and mkdir steps under a symlinked parent never reach the canary', async () => {
    plant('dev');
    for (const step of [
      { op: 'symlink', value: '/proc/self/fd', target: '/dev/fd' },
      { op: 'mkdir', target: '/dev/net', mode: 0o755 },
    ] as Step[]) {
      const res = await run(standardPlan(fs.path, ['true'], { mounts: [...noDevMounts(), step] }));
      expect(res.failure).toMatchObject({ op: step.op, errno: 2 });
    }
  });

  it('/proc: a symlinked /proc is refused (CVE-2019-19921 class)', async () => {
    plant('proc');
    const res = await run(standardPlan(fs.path, ['true']));
    expect(res.failure).toMatchObject({ op: 'mount', syscall: 'openat2', errno: 40, path: '/proc' });
  });

  it('/dev/console: a pre-planted symlink is refused, not followed (CVE-2025-52565)', async () => {
    mkdirSync(join(fs.path, 'dev'), { recursive: true });
    symlinkSync(join(canary, 'console'), join(fs.path, 'dev/console'));
    const { master, slave } = native.openPty();
    try {
      const res = await run(
        standardPlan(fs.path, ['true'], {
          consoleFd: slave,
          mounts: [...noDevMounts(), { op: 'console', target: '/dev/console' }],
        }),
      );
      expect(res.failure).toMatchObject({ op: 'console', errno: 40, path: '/dev/console' });
    } finally {
      native.close(slave);
      native.close(master);
    }
  });

  it('mask: uses a runtime-owned empty file even when the image /dev/null is a symlink (CVE-2025-31133)', async () => {
    writeFileSync(join(canary, 'target'), 'host secret');
    mkdirSync(join(fs.path, 'dev'), { recursive: true });
    symlinkSync(join(canary, 'target'), join(fs.path, 'dev/null'));
    writeFileSync(join(fs.path, 'secret'), 'container secret');
    const res = await run(
      standardPlan(fs.path, ['sh', '-c', 'wc -c < /secret; echo x > /secret 2>&1'], {
        mounts: [...noDevMounts()],
        afterPivot: [{ op: 'mask', target: '/secret', optional: false }],
      }),
    );
    expect(res.failure).toBeNull();
    expect(res.output.trim().split('\n')).toEqual(['0', expect.stringMatching(/Read-only file system/)]);
    rmSync(join(canary, 'target'));
  });

  it('readonly: a symlinked target resolves inside the rootfs', async () => {
    plant('ro');
    const res = await run(
      standardPlan(fs.path, ['true'], {
        afterPivot: [{ op: 'readonly', target: '/ro', flags: 0, recursive: false, optional: false }],
      }),
    );
    expect(res.failure).toMatchObject({ op: 'readonly', errno: 2, path: '/ro' });
    expect(C.MS_RDONLY).toBe(1);
  });
});
