// procfs write redirection, class 4 of docs/security-classes.md (CVE-2019-16884, CVE-2025-52881, youki
// CVE-2025-62596): an image whose /proc is a plain directory of fake kernel files, and volumes bound
// over /proc or /proc/sys. nsinit itself writes nothing through the container's /proc; the only
// procfs operations it does there are the read-only remounts and masks of the restrictions, and
// those must act on the real procfs (checked with fstatfs(2) on the opened target) or refuse.
//
// Guard checks (scripts/guard-check procfs-check procfs-missing-optional): with mount.c's check_procfs() made a no-op,
// "refuses a volume bound over /proc/sys" fails (the container starts with a writable fake
// /proc/sys); with the /proc procfs check for optional restriction targets removed, "refuses a
// volume bound over the whole /proc" fails (the restrictions are silently skipped).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeProcBundle, FAKE_PROC_FILES, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from './helpers.js';

useLeakCheck();

function hashFiles(root: string, files: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    files.map((f) => [
      f,
      createHash('sha256')
        .update(readFileSync(join(root, f)))
        .digest('hex'),
    ]),
  );
}

/** A host directory standing in for a volume, holding fake sys/kernel files (and /proc/version). */
function fakeVolume(withSys: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'nsinit-fakeproc-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'version'), 'FakeOS 0.0\n');
  if (withSys) {
    mkdirSync(join(dir, 'sys/kernel'), { recursive: true });
    writeFileSync(join(dir, 'sys/kernel/core_pattern'), 'fake-core-pattern\n');
  }
  return dir;
}

describe('a rootfs with a fake /proc', () => {
  it('mounts the real procfs over a plain /proc directory; writes reach the kernel or fail', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createFakeProcBundle({
      config: (c) => {
        delete c.networks;
        c.hostname = 'realname';
        delete c.context; // no restrictions: /proc/sys is writable, so writes must reach the kernel
        c.capabilities = [...(c.capabilities ?? []), 'NET_ADMIN']; // ip_forward needs it
      },
    });
    const fake = Object.keys(FAKE_PROC_FILES);
    const before = hashFiles(bundle.dir, fake);
    const r = await runCli(
      [
        'exec',
        'sh',
        '-c',
        'stat -f -c %T /proc; cat /proc/sys/kernel/hostname; head -c 5 /proc/version; echo; ' +
          // ip_forward is per network namespace: the write lands in the container's own netns.
          'echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward',
      ],
      { cwd: bundle.dir },
    );
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ exitCode: 0, stdout: 'proc\nrealname\nLinux\n1\n' });
    // The image's fake files were never written (they sat under the real procfs mount).
    expect(hashFiles(bundle.dir, fake)).toEqual(before);
  });

  it('with restrictions, kernel knobs under the real /proc/sys are read-only', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createFakeProcBundle({ config: (c) => void delete c.networks });
    expect(bundle.config.context?.restrictions).toBeTruthy();
    const before = hashFiles(bundle.dir, Object.keys(FAKE_PROC_FILES));
    const r = await runCli(
      ['exec', 'sh', '-c', 'stat -f -c %T /proc/sys; echo x > /proc/sys/kernel/core_pattern || echo refused'],
      { cwd: bundle.dir },
    );
    expect(r.stdout).toBe('proc\nrefused\n');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(hashFiles(bundle.dir, Object.keys(FAKE_PROC_FILES))).toEqual(before);
  });

  it('refuses a volume bound over /proc/sys instead of "protecting" the fake one', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const volume = fakeVolume(true);
    const bundle = await createFakeProcBundle({
      config: (c) => {
        delete c.networks;
        c.mounts = [{ type: 'bind', source: join(volume, 'sys'), destination: '/proc/sys', writable: true }];
      },
    });
    const r = await runCli(['exec', 'sh', '-c', 'echo x > /proc/sys/kernel/core_pattern; echo ran'], {
      cwd: bundle.dir,
    });
    expect(r).toMatchObject({ exitCode: 125, stdout: '' });
    expect(r.stderr).toBe(
      "nsinit: container setup failed at step 'readonly': EXDEV: cross-device link not permitted, fstatfs '/proc/sys'\n",
    );
    expect(readFileSync(join(volume, 'sys/kernel/core_pattern'), 'utf8')).toBe('fake-core-pattern\n');
  });

  it.for([
    ['with', true],
    ['without', false],
  ] as const)(
    'refuses a volume bound over the whole /proc (%s a sys directory)',
    async ([, withSys], ctx) => {
      requires(ctx, 'root', 'busybox');
      const volume = fakeVolume(withSys);
      const bundle = await createFakeProcBundle({
        config: (c) => {
          delete c.networks;
          c.mounts = [{ type: 'bind', source: volume, destination: '/proc', writable: true }];
        },
      });
      const r = await runCli(['exec', 'sh', '-c', 'echo ran'], { cwd: bundle.dir });
      expect(r).toMatchObject({ exitCode: 125, stdout: '' });
      expect(r.stderr).toMatch(
        /^nsinit: container setup failed at step 'readonly': EXDEV: cross-device link not permitted, fstatfs '\/proc(\/sys)?'\n$/,
      );
    },
  );

  it('exposes no cgroup hierarchy of the host, and /sys is read-only with restrictions', async (ctx) => {
    // Class 7's concern (CVE-2023-25809: a writable host cgroup tree inside the container) for
    // the one mode nsinit has, rootful without a cgroup namespace: nothing of cgroupfs is mounted.
    requires(ctx, 'root', 'busybox');
    const bundle = await createFakeProcBundle({ config: (c) => void delete c.networks });
    const r = await runCli(
      [
        'exec',
        'sh',
        '-c',
        'grep -c cgroup /proc/self/mountinfo; ls /sys/fs/cgroup | wc -l; ' +
          `awk '$5 == "/sys" { print $6 }' /proc/self/mountinfo; mkdir /sys/x || echo refused`,
      ],
      { cwd: bundle.dir },
    );
    expect(r.stdout).toMatch(/^0\n0\nro,[a-z,]+\nrefused\n$/);
    expect(r.stderr).toMatch(/Read-only file system/);
  });
});
