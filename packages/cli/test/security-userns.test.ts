// The user-namespace classes of docs/security-classes.md (class 11): a container in a user
// namespace runs as the ids of its map and nothing more. Host files of ids outside the map stay
// out of reach, also through groups the runtime itself was started with (the identity steps drop
// them: setgroups(2)); a setuid binary gains only ids of the map (the kernel ignores the bit of a
// file whose owner is unmapped, and a mapped owner is a host id of the map); a join enters the
// user namespace FIRST (setns(2) with CLONE_NEWUSER) and so runs with the container's ids, never
// the runtime's host ones. Probes: a static setuid helper (fixtures/suid-probe.c; busybox drops a
// setuid bit it was not built for) and files on a host directory bound into the container.
// Guard checks: scripts/guard-check userns-drop-groups userns-clone userns-join.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, nsinitBin, requires, runCommand, useLeakCheck } from '@nsinit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { background, plain, runCli, until, waitForPid } from './helpers.js';

useLeakCheck();

const MAP = { container_id: 0, host_id: 100000, size: 65536 };
/** A supplementary group the runtime is started with (setpriv --groups): never the container's. */
const HOST_GROUP = 4242;

let work = '';
let probe = '';
let volume = '';
beforeAll(() => {
  if (process.getuid?.() !== 0) return;
  work = mkdtempSync(join(tmpdir(), 'nsinit-userns-sec-'));
  // 0700, as mkdtemp makes it: bind sources are reached with the runtime's own ids.
  probe = join(work, 'suid-probe');
  execFileSync('cc', ['-static', '-O1', '-o', probe, join(import.meta.dirname, 'fixtures', 'suid-probe.c')]);
  // The host directory bound into the container: a root-owned file, and a file and directory
  // writable by HOST_GROUP; none of their ids is in the map.
  volume = join(work, 'volume');
  execFileSync('install', ['-d', '-m', '0775', '-o', '0', '-g', String(HOST_GROUP), volume]);
  writeFileSync(join(volume, 'root-file'), 'host\n', { mode: 0o644 });
  writeFileSync(join(volume, 'group-file'), 'host\n', { mode: 0o664 });
  chownSync(join(volume, 'group-file'), 0, HOST_GROUP);
  chmodSync(join(volume, 'group-file'), 0o664);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function userns(user?: string) {
  return (c: ContainerConfig): ContainerConfig => {
    plain(c);
    c.namespaces = { ...c.namespaces, NEWUSER: true };
    c.uid_mappings = [MAP];
    c.gid_mappings = [MAP];
    c.mounts = [{ type: 'bind', source: volume, destination: '/home', writable: true }];
    if (user) c.user = user;
    return c;
  };
}

/** The probe in the rootfs twice, setuid: owned by host root (unmapped) and by container root. */
function installProbes(rootfs: string): void {
  for (const [name, owner] of [
    ['suid-host', 0],
    ['suid-mapped', MAP.host_id],
  ] as const) {
    const to = join(rootfs, 'bin', name);
    copyFileSync(probe, to);
    chownSync(to, owner, owner);
    chmodSync(to, 0o4755);
  }
}

function hostUnchanged(): void {
  expect(readFileSync(join(volume, 'root-file'), 'utf8')).toBe('host\n');
  expect(readFileSync(join(volume, 'group-file'), 'utf8')).toBe('host\n');
}

const WRITES =
  '(echo x >> /home/root-file) 2>/dev/null && echo root-file-written || echo root-file-refused; ' +
  '(echo x >> /home/group-file) 2>/dev/null && echo group-file-written || echo group-file-refused; ' +
  'touch /home/new 2>/dev/null && echo created || echo create-refused; ' +
  'chmod 666 /home/root-file 2>/dev/null && echo chmod-done || echo chmod-refused';

describe('user namespaces: nothing beyond the map', () => {
  it('cannot write host files owned by ids outside its map, even through the runtime own groups', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: userns() });
    // The runtime runs with a supplementary group that may write the volume.
    const r = await runCommand(
      'setpriv',
      ['--groups', String(HOST_GROUP), '--', nsinitBin, 'exec', '--', 'sh', '-c', WRITES],
      { cwd: bundle.dir },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      'root-file-refused',
      'group-file-refused',
      'create-refused',
      'chmod-refused',
    ]);
    hostUnchanged();
    expect(statSync(join(volume, 'root-file')).mode & 0o777).toBe(0o644);
  });

  it('a setuid binary gains only ids of the map: unmapped owner ignored, mapped owner still no host root', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: userns('1000:1000') });
    installProbes(bundle.dir);
    const r = await runCli(
      ['exec', '--', 'sh', '-c', '/bin/suid-host /home/root-file; /bin/suid-mapped /home/root-file'],
      {
        cwd: bundle.dir,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      // Owned by host root, which the map does not hold: the kernel ignores the setuid bit.
      'ruid=1000 euid=1000',
      '/home/root-file: Permission denied',
      // Owned by container root: root inside, host uid 100000 outside.
      'ruid=1000 euid=0',
      '/home/root-file: Permission denied',
    ]);
    hostUnchanged();
  });

  it('a join enters the user namespace first and runs with the container ids, never the runtime ones', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: userns('1000:1000') });
    installProbes(bundle.dir);
    const init = background(['exec', '--', 'sleep', '1000'], { cwd: bundle.dir });
    const initPid = await waitForPid(bundle.dir);
    try {
      const r = await runCli(
        [
          'exec',
          '--',
          'sh',
          '-c',
          'cat /proc/self/uid_map; grep ^Uid: /proc/self/status; /bin/suid-host /home/root-file',
        ],
        { cwd: bundle.dir },
      );
      expect(r.stderr).toBe('');
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().replace(/\s+/g, ' '));
      expect(lines).toEqual([
        '0 100000 65536',
        'Uid: 1000 1000 1000 1000',
        'ruid=1000 euid=1000',
        '/home/root-file: Permission denied',
      ]);
      hostUnchanged();
    } finally {
      process.kill(init.pid, 'SIGTERM');
      await init.done;
      await until('the init to be gone', () => !existsProc(initPid));
    }
  });
});

function existsProc(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
