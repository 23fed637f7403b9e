// Idmapped bind mounts of an OCI config.json (mounts[].uidMappings/gidMappings, the idmap and ridmap
// options) run through compileOci and the native spawn path, checked from inside real containers:
// the mapped owner seen inside and written on the host, how far idmap and ridmap reach into an
// rbind tree, that no host file owned outside the map becomes writable even to a container root
// holding every DAC capability, and the refusal of a filesystem that cannot idmap.
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { native } from '@nsinit/native';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { OciConfigInput } from '../src/index.js';
import { baseConfig, ociBundle, runOci } from './oci-helpers.js';

useLeakCheck();

const map = (containerID: number, hostID: number, size = 1) => [{ containerID, hostID, size }];
/** Every capability that overrides file permissions but CAP_CHOWN: with it, and without a user
 *  namespace, chown(2) may take a file whose owner the map leaves out (idmapWarnings says so). */
const DAC = ['CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID'];

/** A host directory for the test, owned by `uid`, removed (after its mounts) when it finishes. */
function hostDir(prefix: string, uid: number): string {
  const dir = mkdtempSync(join(tmpdir(), `nsinit-idmap-${prefix}-`));
  chownSync(dir, uid, uid);
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A user namespace for the container: its root is host 100000. */
const USERNS = (c: OciConfigInput) => {
  c.linux!.namespaces!.push({ type: 'user' });
  c.linux!.uidMappings = map(0, 100000, 65536);
  c.linux!.gidMappings = map(0, 100000, 65536);
};

/** Run `script` with the DAC capabilities (and `extraCaps`) and the mounts appended. */
async function runWith(
  mounts: NonNullable<OciConfigInput['mounts']>,
  script: string,
  edit: (c: OciConfigInput) => void = () => {},
  extraCaps: string[] = [],
) {
  const bundle = await ociBundle();
  const config = baseConfig(['sh', '-c', `exec 2>/dev/null; ${script}`]);
  const caps = config.process!.capabilities!;
  for (const set of ['bounding', 'effective', 'permitted'] as const)
    caps[set] = [...caps[set]!, ...DAC, ...extraCaps];
  config.mounts!.push(...mounts);
  edit(config);
  const r = await runOci(config, bundle.dir);
  expect(r.failure, JSON.stringify(r.failure)).toBeNull();
  return r.output.trimEnd().split('\n');
}

describe('OCI idmapped mounts', () => {
  it("shows a directory owned by 1000 as root with the map 1000→0, and stores root's files as 1000", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const vol = hostDir('basic', 1000);
    writeFileSync(join(vol, 'f'), 'host\n');
    chownSync(join(vol, 'f'), 1000, 1000);
    const lines = await runWith(
      [
        {
          destination: '/data',
          type: 'bind',
          source: vol,
          options: ['rbind', 'nosuid'],
          uidMappings: map(1000, 0),
          gidMappings: map(1000, 0),
        },
      ],
      'stat -c %u:%g /data /data/f; echo ok >> /data/f; mkdir /data/d && echo new > /data/d/n; ' +
        'grep " /data " /proc/self/mountinfo',
    );
    expect(lines.slice(0, 2)).toEqual(['0:0', '0:0']);
    expect(lines[2]).toMatch(/ \/data \S*nosuid\S*idmapped/);
    expect(readFileSync(join(vol, 'f'), 'utf8')).toBe('host\nok\n');
    for (const p of ['d', 'd/n']) {
      const st = statSync(join(vol, p));
      expect([p, st.uid, st.gid]).toEqual([p, 1000, 1000]);
    }
  });

  it('maps only the top of an rbind with idmap, every mount below it too with ridmap', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const vol = hostDir('tree', 1000);
    const below = hostDir('below', 1000);
    mkdirSync(join(vol, 'sub'));
    const mount = (destination: string, option: string) => ({
      destination,
      type: 'bind',
      source: vol,
      options: ['rbind', option],
      uidMappings: map(1000, 0),
      gidMappings: map(1000, 0),
    });
    native.mount(below, join(vol, 'sub'), null, native.constants.MS_BIND, null);
    try {
      const lines = await runWith(
        [mount('/top', 'idmap'), mount('/all', 'ridmap')],
        'stat -c %u /top /top/sub /all /all/sub',
      );
      expect(lines).toEqual(['0', '1000', '0', '0']);
    } finally {
      native.umount(join(vol, 'sub'), 0);
    }
  });

  it('never lets the container write host files owned by ids outside the map, even as root with the DAC capabilities', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const vol = hostDir('outside', 1000);
    // Host root's and another user's files, in a directory the map gives to the container's root.
    writeFileSync(join(vol, 'roots'), 'root\n', { mode: 0o644 });
    writeFileSync(join(vol, 'others'), 'other\n', { mode: 0o600 });
    chownSync(join(vol, 'others'), 2000, 2000);
    const probes = ['roots', 'others']
      .map(
        (f) =>
          `stat -c %u:%g /data/${f}; (echo x >> /data/${f}) && echo ${f}-written; ` +
          `chmod 666 /data/${f} && echo ${f}-chmod; chown 0:0 /data/${f} && echo ${f}-chown; ` +
          `truncate -s 0 /data/${f} && echo ${f}-truncated; touch -d 2001-01-01 /data/${f} && echo ${f}-touched`,
      )
      .join('; ');
    const lines = await runWith(
      [
        {
          destination: '/data',
          type: 'bind',
          source: vol,
          options: ['bind'],
          uidMappings: map(1000, 0),
          gidMappings: map(1000, 0),
        },
      ],
      `${probes}; echo done`,
    );
    // Unmapped ids show as the overflow id, and nothing was allowed.
    expect(lines).toEqual(['65534:65534', '65534:65534', 'done']);
    expect(readFileSync(join(vol, 'roots'), 'utf8')).toBe('root\n');
    expect(readFileSync(join(vol, 'others'), 'utf8')).toBe('other\n');
    expect(statSync(join(vol, 'roots'))).toMatchObject({ uid: 0, gid: 0, mode: 0o100644 });
    expect(statSync(join(vol, 'others'))).toMatchObject({ uid: 2000, gid: 2000, mode: 0o100600 });
  });

  it("in a user namespace: maps to the container's ids, and even CAP_CHOWN cannot take unmapped files", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const vol = hostDir('userns', 1000);
    writeFileSync(join(vol, 'roots'), 'root\n', { mode: 0o644 });
    // On disk 1000 is seen as host 100000, which is root in the container's user namespace. The
    // target is below /tmp: container root may create it there, not in host root's "/".
    const lines = await runWith(
      [
        {
          destination: '/tmp/data',
          type: 'bind',
          source: vol,
          options: ['bind'],
          uidMappings: map(1000, 100000),
          gidMappings: map(1000, 100000),
        },
      ],
      'cat /proc/self/uid_map | tr -s " "; stat -c %u:%g /tmp/data /tmp/data/roots; echo new > /tmp/data/made; ' +
        '(echo x >> /tmp/data/roots) && echo written; chown 0:0 /tmp/data/roots && echo chowned; echo done',
      USERNS,
      ['CAP_CHOWN'],
    );
    expect(lines).toEqual([' 0 100000 65536', '0:0', '65534:65534', 'done']);
    expect(statSync(join(vol, 'made'))).toMatchObject({ uid: 1000, gid: 1000 });
    expect(statSync(join(vol, 'roots'))).toMatchObject({ uid: 0, gid: 0 });
    expect(readFileSync(join(vol, 'roots'), 'utf8')).toBe('root\n');
  });

  it("in a user namespace: idmap without maps takes the container's own mapping", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    // Host root's directory: through the container's mapping on-disk 0 is container root.
    const vol = hostDir('own', 0);
    const lines = await runWith(
      [{ destination: '/tmp/data', type: 'bind', source: vol, options: ['rbind', 'idmap'] }],
      'stat -c %u:%g /tmp/data; echo new > /tmp/data/made && echo made',
      USERNS,
    );
    expect(lines).toEqual(['0:0', 'made']);
    expect(statSync(join(vol, 'made'))).toMatchObject({ uid: 0, gid: 0 });
  });

  it('refuses a source whose filesystem cannot idmap, naming the mount, with nothing left behind', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const vol = hostDir('ramfs', 0);
    const bundle = await ociBundle();
    const config = baseConfig(['true']);
    config.mounts!.push({
      destination: '/data',
      type: 'bind',
      source: vol,
      options: ['bind'],
      uidMappings: map(1000, 0),
      gidMappings: map(1000, 0),
    });
    // ramfs has no idmap support (tmpfs has it since Linux 6.3).
    native.mount('none', vol, 'ramfs', 0, null);
    try {
      await expect(runOci(config, bundle.dir)).rejects.toMatchObject({
        code: 'ERR_NSINIT_INVALID_CONFIG',
        message: expect.stringMatching(
          /^invalid config: \/mounts\/4\/uidMappings: the filesystem of '.*' does not support idmapped mounts \(EINVAL: mount_setattr\)$/,
        ),
      });
    } finally {
      native.umount(vol, 0);
    }
  });

  it('refuses an unprivileged caller clearly, naming the mount: only root may idmap a host filesystem', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('nsinit-rootless:'));
    if (!line) return ctx.skip("needs the unprivileged user 'nsinit-rootless' (scripts/setup)");
    const [uid, gid] = line.split(':').slice(2, 4).map(Number) as [number, number];
    const vol = hostDir('rootless', uid);
    const bundle = await createBundle();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(import.meta.dirname, 'fixtures', 'idmap-caller.mjs'), bundle.dir, vol],
      { uid, gid, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/' }, timeout: 20_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      code: 'ERR_NSINIT_INVALID_CONFIG',
      error: expect.stringMatching(
        /^invalid config: \/mounts\/0\/uidMappings: idmapping '.*' needs CAP_SYS_ADMIN over its filesystem, which only root on the host has \(EPERM: /,
      ),
    });
  });
});
