// Malicious rootfs, class 3 of docs/security-classes.md (rootfs path and symlink attacks: CVE-2019-19921,
// 2021-30465, 2023-27561, 2024-45310, 2025-31133, 2025-52565, 2026-41579/47766, crun 2019-18837,
// youki 2025-54867). Every path nsinit mounts, creates, masks, reads or enters is planted in the
// image as a symlink to a canary directory on the host. nsinit must refuse with a clear error naming
// the path, or act inside the rootfs; the canary must be unchanged and no host mount may appear.
//
// Guard checks (scripts/guard-check resolve-in-root rootfs-no-symlinks passwd-host-path): with path.c resolving
// relative to the rootfs but without RESOLVE_IN_ROOT (absolute links followed to the host), the
// bind-destination, device-node and relative bind cases fail (the bind or node lands on the host
// canary); with noSymlinks dropped from the /proc, /sys and /dev mounts, the proc/sys/dev cases fail
// (mounted instead of refused); with user.ts reading etc/passwd through the host path, the
// etc-passwd and etc-group cases fail (uid 4242, gid 4343). The mkdir -p cases are also protected
// by component-wise mkdirat, so they pass on the RESOLVE_IN_ROOT mutant alone.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { relative } from 'node:path';
import {
  createEscapeFixture,
  ESCAPES,
  type EscapeFixture,
  type EscapeKind,
  requires,
  useLeakCheck,
} from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

useLeakCheck();

/** Tries every write a compromised setup would turn into a host write, then reports what it sees. */
const PROBE = [
  'echo uid=$(id -u) gid=$(id -g)',
  'echo cwd=$(pwd)',
  'touch ./pwned 2>/dev/null && echo wrote-cwd',
  'for f in /dev/null /dev/console /dev/ptmx /opt/devs/null; do echo pwned 2>/dev/null >"$f"; done',
  'echo null=$(stat -c %F:%t:%T /dev/null)',
  'echo devnull=$(stat -c %F:%t:%T /opt/devs/null 2>/dev/null)',
  'echo console=$(stat -c %F:%t /dev/console 2>/dev/null)',
  'echo ptmx=$(readlink /dev/ptmx)',
  'echo fs=$(stat -f -c %T /proc /sys /dev /dev/pts | tr "\\n" " ")',
  'echo data=$(ls /mnt/data 2>/dev/null | tr "\\n" " ")',
].join('; ');

async function run(f: EscapeFixture) {
  const r = await runCli(['exec', 'sh', '-c', PROBE], { cwd: f.bundle.dir });
  return { ...r, lines: r.stdout.replace(/\r/g, '').split('\n') };
}

function expectUntouched(f: EscapeFixture) {
  expect(f.canary.changes()).toEqual([]);
}

describe('a rootfs whose paths are symlinks to the host', () => {
  it.for([
    ['proc', '/proc'],
    ['sys', '/sys'],
    ['dev', '/dev'],
  ] as const)(
    'refuses a symlinked %s (the filesystem would be mounted on the host)',
    async ([kind, path], ctx) => {
      requires(ctx, 'root', 'busybox');
      const f = await createEscapeFixture(kind);
      const r = await run(f);
      expect(r.exitCode).toBe(125);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `nsinit: container setup failed at step 'mount': ELOOP: too many symbolic links encountered, openat2 '${path}'\n`,
      );
      expectUntouched(f);
    },
  );

  it.for(['dev-null', 'dev-pts', 'dev-ptmx', 'dev-console'] as const)(
    'replaces an image %s symlink with the real thing on a fresh /dev',
    async (kind, ctx) => {
      requires(ctx, 'root', 'busybox');
      const f = await createEscapeFixture(kind);
      const r = await run(f);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.lines).toContain('null=character special file:1:3');
      expect(r.lines).toContain('ptmx=pts/ptmx');
      expect(r.lines).toContain('fs=proc sysfs tmpfs devpts');
      // With a tty (dev-console) /dev/console is the pty's slave: a devpts node, major 136 = 0x88.
      if (kind === 'dev-console') expect(r.lines).toContain('console=character special file:88');
      expectUntouched(f);
    },
  );

  it('never creates the missing target of a symlinked bind destination on the host', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const f = await createEscapeFixture('bind-destination');
    const r = await run(f);
    if (r.exitCode === 0) {
      // The safe alternative to refusing: the bind landed inside the rootfs, where the link
      // resolves when "/" is the rootfs.
      expect(r.lines).toContain('data=from-source');
    } else {
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(/^nsinit: container setup failed at step 'bind': .*'\/mnt\/data'\n$/);
    }
    expectUntouched(f);
  });

  it('never creates a device node through a symlinked parent on the host', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const f = await createEscapeFixture('device-node');
    const r = await run(f);
    if (r.exitCode === 0) {
      expect(r.lines).toContain('devnull=character special file:1:3');
    } else {
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(/^nsinit: container setup failed at step 'mknod': .*'\/opt\/devs\/null'\n$/);
    }
    expectUntouched(f);
  });

  it('never runs the command in a host directory through a symlinked working_dir', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const f = await createEscapeFixture('working-dir');
    const r = await run(f);
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "nsinit: cannot enter working_dir '/work' as root (uid 0, gid 0): no such file or directory\n",
    );
    expectUntouched(f);
  });

  it.for([
    ['etc-passwd', "nsinit: user: no user 'evil' in the container's /etc/passwd\n"],
    ['etc-group', "nsinit: user: no group 'evilgrp' in the container's /etc/group\n"],
  ] as const)(
    'never resolves the user from the host through a symlinked %s',
    async ([kind, message], ctx) => {
      requires(ctx, 'root', 'busybox');
      const f = await createEscapeFixture(kind);
      const r = await run(f);
      // On the host the canary defines evil = 4242 and evilgrp = 4343; the container has neither.
      expect(r.stdout).not.toMatch(/4242|4343/);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toBe(message);
      expectUntouched(f);
    },
  );

  it.for([
    ['bind-destination', 'mnt/data', "'bind'"],
    ['device-node', 'opt/devs', "'mknod'"],
  ] as const)(
    'never creates a missing symlink target on the host with mkdir -p (%s)',
    async ([kind, link, step], ctx) => {
      requires(ctx, 'root', 'busybox');
      const f = await createEscapeFixture(kind);
      // CVE-2024-45310: the link's target does not exist; a naive MkdirAll would create it on the host.
      rmSync(f.link);
      symlinkSync(f.canary.path('missing', 'deeper'), f.link);
      const r = await run(f);
      if (r.exitCode !== 0) {
        expect(r.exitCode).toBe(125);
        expect(r.stderr).toMatch(new RegExp(`^nsinit: container setup failed at step ${step}: .*'/${link}`));
      } else if (kind === 'bind-destination') expect(r.lines).toContain('data=from-source');
      else expect(r.lines).toContain('devnull=character special file:1:3');
      expectUntouched(f);
    },
  );

  it('covers every fixture kind', () => {
    const tested: EscapeKind[] = [
      'proc',
      'sys',
      'dev',
      'dev-null',
      'dev-pts',
      'dev-ptmx',
      'dev-console',
      'bind-destination',
      'device-node',
      'working-dir',
      'etc-passwd',
      'etc-group',
    ];
    expect(tested.sort()).toEqual(Object.keys(ESCAPES).sort());
  });

  it.for([
    ['bind-destination', 'mnt/data'],
    ['working-dir', 'work'],
  ] as const)('clamps a relative ../ symlink at the rootfs (%s)', async ([kind, link], ctx) => {
    requires(ctx, 'root', 'busybox');
    const f = await createEscapeFixture(kind);
    // ../../../../<canary> from inside the rootfs: ".." stops at the container's "/".
    rmSync(f.link);
    mkdirSync(f.bundle.path(link, '..'), { recursive: true });
    const up = relative(f.bundle.path(link, '..'), f.target);
    symlinkSync(up, f.link);
    expect(up.startsWith('../')).toBe(true);
    const r = await run(f);
    if (r.exitCode === 0) {
      // Inside the rootfs is the only acceptable success: the bind visible, or the cwd there.
      expect(r.lines).toContain(kind === 'bind-destination' ? 'data=from-source' : 'cwd=/work');
    } else
      expect(r.stderr).toMatch(
        new RegExp(
          `^nsinit: (container setup failed at step 'bind': .*|cannot enter working_dir )'/${link}'.*\\n$`,
        ),
      );
    expectUntouched(f);
  });
});
