// Sysctl writes, class 4 of docs/security-classes.md (CVE-2019-16884, CVE-2025-52881): the value
// goes through the container's own procfs, verified (a procfs mount root, the file opened beneath
// it without symlinks or mount crossings, checked to be procfs again). A hostile rootfs or volume
// standing in for /proc or /proc/sys must never receive the write, in either format; a host-wide
// sysctl is refused before anything starts.
//
// Guard checks: scripts/guard-check sysctl-procfs (the procfs checks of sysctl.c made no-ops) and
// sysctl-no-xdev (the write may cross a mount) make the volume cases below fail.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBundle, createOciBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { plain, runCli } from './helpers.js';

useLeakCheck();

const FAKE = 'fake-shmmni\n';

/** A host directory (on the host's tmpfs or disk) with a fake kernel/shmmni below `sys`. */
function fakeVolume(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nsinit-fakesys-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sys/kernel'), { recursive: true });
  writeFileSync(join(dir, 'sys/kernel/shmmni'), FAKE);
  return dir;
}

const hostShmmni = () => readFileSync('/proc/sys/kernel/shmmni', 'utf8');

describe('container.json sysctl', () => {
  it('is written in the container’s IPC namespace, the host value untouched', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const before = hostShmmni();
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.sysctl = { 'kernel.shmmni': '4242', 'net.ipv4.ip_forward': '1' };
      },
    });
    const r = await runCli(['exec', 'cat', '/proc/sys/kernel/shmmni', '/proc/sys/net/ipv4/ip_forward'], {
      cwd: bundle.dir,
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: '4242\n1\n', stderr: '' });
    expect(hostShmmni()).toBe(before);
  });

  it('never writes into a volume bound over /proc/sys', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const volume = fakeVolume();
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        delete c.context; // no read-only views: the sysctl step is what meets the volume
        c.sysctl = { 'kernel.shmmni': '4242' };
        c.mounts = [{ type: 'bind', source: join(volume, 'sys'), destination: '/proc/sys', writable: true }];
      },
    });
    const r = await runCli(['exec', 'echo', 'ran'], { cwd: bundle.dir });
    expect(r).toMatchObject({ exitCode: 125, stdout: '' });
    expect(r.stderr).toBe(
      "nsinit: container setup failed at step 'sysctl': EXDEV: cross-device link not permitted, openat2 'kernel/shmmni'\n",
    );
    expect(readFileSync(join(volume, 'sys/kernel/shmmni'), 'utf8')).toBe(FAKE);
  });

  it('never writes into a volume bound over the whole /proc', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const volume = fakeVolume();
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        delete c.context;
        c.sysctl = { 'kernel.shmmni': '4242' };
        c.mounts = [{ type: 'bind', source: volume, destination: '/proc', writable: true }];
      },
    });
    const r = await runCli(['exec', 'echo', 'ran'], { cwd: bundle.dir });
    expect(r).toMatchObject({ exitCode: 125, stdout: '' });
    expect(r.stderr).toBe(
      "nsinit: container setup failed at step 'sysctl': EXDEV: cross-device link not permitted, fstatfs '/proc'\n",
    );
    expect(readFileSync(join(volume, 'sys/kernel/shmmni'), 'utf8')).toBe(FAKE);
  });

  it('refuses a host-wide sysctl before anything starts, naming it', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.sysctl = { 'kernel.core_pattern': '|/tmp/x' };
      },
    });
    const r = await runCli(['exec', 'echo', 'ran'], { cwd: bundle.dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\/sysctl\/kernel\.core_pattern: not a namespaced sysctl/);
  });
});

describe('OCI linux.sysctl', () => {
  /** A bundle whose config has no proc mount: /proc is whatever the rootfs holds. */
  async function withoutProcMount(prepare: (rootfs: string) => void, edit: (s: Record<string, any>) => void) {
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['echo', 'ran'];
        s.mounts = s.mounts.filter((m: { destination: string }) => m.destination !== '/proc');
        s.linux.maskedPaths = [];
        s.linux.readonlyPaths = [];
        s.linux.sysctl = { 'kernel.shmmni': '4242' };
        edit(s);
      },
    });
    prepare(b.rootfs);
    return b;
  }

  it('never writes through a rootfs whose /proc/sys is a symlink to fake files', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const volume = fakeVolume();
    const b = await withoutProcMount(
      (rootfs) => {
        rmSync(join(rootfs, 'proc'), { recursive: true, force: true });
        mkdirSync(join(rootfs, 'proc'));
        mkdirSync(join(rootfs, 'fake/kernel'), { recursive: true });
        writeFileSync(join(rootfs, 'fake/kernel/shmmni'), FAKE);
        symlinkSync('/fake', join(rootfs, 'proc/sys'));
        symlinkSync(join(volume, 'sys'), join(rootfs, 'proc/hostsys'));
      },
      () => {},
    );
    const r = await b.create('sysctl-symlink');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/step 'sysctl'.*EXDEV.*fstatfs '\/proc'/);
    expect(readFileSync(join(b.rootfs, 'fake/kernel/shmmni'), 'utf8')).toBe(FAKE);
    expect(readFileSync(join(volume, 'sys/kernel/shmmni'), 'utf8')).toBe(FAKE);
  });

  it('never writes into a tmpfs mounted on /proc', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await withoutProcMount(
      () => {},
      (s) => {
        s.mounts.unshift({ destination: '/proc', type: 'tmpfs', source: 'tmpfs', options: ['mode=755'] });
      },
    );
    const r = await b.create('sysctl-tmpfs');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/step 'sysctl'.*EXDEV.*fstatfs '\/proc'/);
  });

  it('refuses a host-wide sysctl before anything starts, naming it', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.linux.sysctl = { 'vm.overcommit_memory': '1' };
      },
    });
    const r = await b.create('sysctl-host');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/\/linux\/sysctl\/vm\.overcommit_memory: not a namespaced sysctl/);
  });
});
