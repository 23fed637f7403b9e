// Idmapped bind mounts through both front ends, as a user runs them: container.json's
// mounts[].uid_mappings/gid_mappings with `nsinit exec`, config.json's mounts[].uidMappings and
// gidMappings with `nsinit-oci run`; the owner seen inside and written on the host, the CAP_CHOWN
// warning, bad mappings refused at validation naming the field with nothing left behind, and the
// features document.
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createBundle,
  createEscapeFixture,
  createOciBundle,
  nsinitOciBin,
  requires,
  runCli,
  runCommand,
  useLeakCheck,
} from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { plain } from './helpers.js';

useLeakCheck();

/** A host directory owned by 1000 with a file of 1000's and one of host root's. */
function sharedDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nsinit-idmap-shared-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  chownSync(dir, 1000, 1000);
  writeFileSync(join(dir, 'mine'), 'host\n');
  chownSync(join(dir, 'mine'), 1000, 1000);
  writeFileSync(join(dir, 'roots'), 'root\n', { mode: 0o644 });
  return dir;
}

const PROBE =
  'stat -c %u:%g /shared /shared/mine /shared/roots; echo ok >> /shared/mine; echo new > /shared/made; ' +
  '(echo x >> /shared/roots) 2>/dev/null || echo roots-denied';

function checkHost(dir: string): void {
  expect(readFileSync(join(dir, 'mine'), 'utf8')).toBe('host\nok\n');
  expect(readFileSync(join(dir, 'roots'), 'utf8')).toBe('root\n');
  const made = statSync(join(dir, 'made'));
  expect([made.uid, made.gid]).toEqual([1000, 1000]);
}

describe('idmapped mounts: container.json', () => {
  it('maps a host directory of uid 1000 to root inside, and warns about CAP_CHOWN without a user namespace', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const dir = sharedDir();
    const one = [{ container_id: 1000, host_id: 0, size: 1 }];
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.mounts = [
          {
            type: 'bind',
            source: dir,
            destination: '/shared',
            writable: true,
            uid_mappings: one,
            gid_mappings: one,
          },
        ];
      },
    });
    const r = await runCli(['exec', 'sh', '-c', PROBE], { cwd: bundle.dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['0:0', '0:0', '65534:65534', 'roots-denied']);
    expect(r.stderr).toBe(
      "nsinit: warning: /mounts/0/uid_mappings: without a user namespace the container's CAP_CHOWN can take " +
        'ownership of files the map leaves out (and then write them); drop CAP_CHOWN or add a user namespace\n',
    );
    checkHost(dir);
  });

  it("in a user namespace: maps to the container's ids, without the CAP_CHOWN warning", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const dir = sharedDir();
    // On disk 1000 is host 100000 through the mount, which is root in the container's namespace.
    const one = [{ container_id: 1000, host_id: 100000, size: 1 }];
    const map = [{ container_id: 0, host_id: 100000, size: 65536 }];
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.namespaces = { ...c.namespaces, NEWUSER: true };
        c.uid_mappings = map;
        c.gid_mappings = map;
        // Below /tmp: container root cannot create a target in host root's "/".
        c.mounts = [
          {
            type: 'bind',
            source: dir,
            destination: '/tmp/shared',
            writable: true,
            uid_mappings: one,
            gid_mappings: one,
          },
        ];
      },
    });
    const r = await runCli(['exec', 'sh', '-c', PROBE.replaceAll('/shared', '/tmp/shared')], {
      cwd: bundle.dir,
    });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['0:0', '0:0', '65534:65534', 'roots-denied']);
    checkHost(dir);
  });

  it('attaches inside the rootfs when the destination is a symlink to the host, never on the host', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const one = [{ container_id: 0, host_id: 0, size: 1 }];
    const f = await createEscapeFixture('bind-destination', {
      config: (c) => {
        c.mounts = c.mounts!.map((m) => ({ ...m, uid_mappings: one, gid_mappings: one }));
      },
    });
    const r = await runCli(['exec', 'sh', '-c', 'ls /mnt/data; grep -c idmapped /proc/self/mountinfo'], {
      cwd: f.bundle.dir,
    });
    // The link resolves inside the rootfs (RESOLVE_IN_ROOT), where the tree may land; the host's
    // directory behind the link never gets a mount or a new entry.
    if (r.exitCode === 0) expect(r.stdout.split('\n').slice(0, 2)).toEqual(['from-source', '1']);
    else expect(r.stderr).toMatch(/step 'idmap-bind'.*'\/mnt\/data'/);
    expect(f.canary.changes()).toEqual([]);
  });

  it('refuses a source whose filesystem cannot idmap, naming the mount, with nothing left behind', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-idmap-ramfs-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const one = [{ container_id: 1000, host_id: 0, size: 1 }];
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.capabilities = (c.capabilities ?? []).filter((cap) => cap !== 'CHOWN');
        c.mounts = [
          { type: 'bind', source: dir, destination: '/shared', uid_mappings: one, gid_mappings: one },
        ];
      },
    });
    // ramfs has no idmap support (tmpfs has it since Linux 6.3).
    expect((await runCommand('mount', ['-t', 'ramfs', 'none', dir])).exitCode).toBe(0);
    try {
      const r = await runCli(['exec', 'true'], { cwd: bundle.dir });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(
        /^nsinit: invalid config: \/mounts\/0\/uid_mappings: the filesystem of '.*' \(or of a mount below it\) does not support idmapped mounts \(EINVAL: mount_setattr\)\n$/,
      );
    } finally {
      await runCommand('umount', [dir]);
    }
  });

  it('refuses bad mappings at validation, naming the field, before anything runs', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const dir = sharedDir();
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.mounts = [
          {
            type: 'bind',
            source: dir,
            destination: '/shared',
            uid_mappings: [
              { container_id: 0, host_id: 1000, size: 10 },
              { container_id: 5, host_id: 2000, size: 1 },
            ],
          },
        ];
      },
    });
    const r = await runCli(['exec', 'touch', '/shared/never'], { cwd: bundle.dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(
      /\/mounts\/0\/gid_mappings: missing required field; uid_mappings needs gid_mappings too/,
    );
    expect(r.stderr).toMatch(
      /\/mounts\/0\/uid_mappings\/1\/container_id: overlaps the container ids of mapping 0/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

describe('idmapped mounts: config.json', () => {
  const mount = (source: string, options: string[]) => ({
    destination: '/shared',
    type: 'bind',
    source,
    options,
    uidMappings: [{ containerID: 1000, hostID: 0, size: 1 }],
    gidMappings: [{ containerID: 1000, hostID: 0, size: 1 }],
  });

  it('maps a host directory of uid 1000 to root inside with nsinit-oci run', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const dir = sharedDir();
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sh', '-c', PROBE];
        s.process.capabilities = { bounding: ['CAP_DAC_OVERRIDE', 'CAP_FOWNER'] };
        s.process.capabilities.effective = s.process.capabilities.permitted = s.process.capabilities.bounding;
        s.mounts.push(mount(dir, ['rbind', 'nosuid', 'idmap']));
      },
    });
    const r = await b.create('idm', ['--bundle', b.dir], 'run');
    // Without CAP_CHOWN, no warning about it.
    expect(r.stderr).not.toMatch(/warning|CAP_CHOWN/);
    expect(r.exitCode).toBe(0);
    expect(b.output('idm').trim().split('\n')).toEqual(['0:0', '0:0', '65534:65534', 'roots-denied']);
    checkHost(dir);
  });

  it('refuses idmap on a non-bind mount and a mapping the kernel would not take, naming the field', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const dir = sharedDir();
    const cases: [(s: Record<string, any>) => void, RegExp][] = [
      [
        (s) => {
          s.mounts.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['idmap'] });
        },
        /\/mounts\/6\/options\/0: "idmap" needs a bind mount/,
      ],
      [
        (s) => {
          const m = mount(dir, ['bind']);
          m.uidMappings = [{ containerID: 4294967295, hostID: 0, size: 2 }];
          s.mounts.push(m);
        },
        /\/mounts\/6\/uidMappings\/0: the range runs past id 4294967295/,
      ],
    ];
    for (const [edit, message] of cases) {
      const b = await createOciBundle({ spec: edit });
      const r = await b.create('bad', ['--bundle', b.dir], 'run');
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(message);
      expect(existsSync(`${b.root}/bad`)).toBe(false);
    }
  });

  it('says so in the features document', async (ctx) => {
    requires(ctx, 'root');
    const f = JSON.parse((await runCommand(nsinitOciBin, ['features'])).stdout);
    expect(f.linux.mountExtensions).toEqual({ idmap: { enabled: true } });
    expect(f.mountOptions).toEqual(expect.arrayContaining(['idmap', 'ridmap']));
  });
});
