// createBundle against the real filesystem: the busybox rootfs is complete enough to run applets
// as root and as the unprivileged user under chroot(8), container.json follows the config
// defaults and overrides, and cleanup removes everything, detaching (and reporting) stray mounts.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '@nsinit/config';
import { describe, expect, it } from 'vitest';
import { busyboxApplets, createBundle, unmet, useLeakCheck } from '../src/index.js';

describe('createBundle', () => {
  useLeakCheck();

  it('builds a busybox rootfs with an applet link for every applet', async () => {
    const b = await createBundle();
    expect(b.dir.startsWith(`${tmpdir()}/nsinit-bundle-`)).toBe(true);
    expect(statSync(b.dir).mode & 0o777).toBe(0o755);
    expect(statSync(b.path('bin/busybox')).size).toBe(statSync('/bin/busybox').size);
    // A copy, not a link to the host's binary.
    expect(statSync(b.path('bin/busybox')).ino).not.toBe(statSync('/bin/busybox').ino);
    const applets = busyboxApplets();
    expect(applets.length).toBeGreaterThan(100);
    for (const a of applets) expect(readlinkSync(b.path(a))).toBe('/bin/busybox');
    for (const d of ['proc', 'sys', 'dev']) expect(lstatSync(b.path(d)).isDirectory()).toBe(true);
    expect(statSync(b.path('tmp')).mode & 0o7777).toBe(0o1777);
    await b.cleanup();
  });

  it('writes passwd and group with root, an unprivileged user and nobody', async () => {
    const b = await createBundle();
    const passwd = readFileSync(b.path('etc/passwd'), 'utf8');
    expect(passwd).toMatch(/^root:x:0:0:/m);
    expect(passwd).toMatch(/^user:x:1000:1000:/m);
    expect(passwd).toMatch(/^nobody:x:65534:65534:/m);
    const group = readFileSync(b.path('etc/group'), 'utf8');
    for (const g of ['root:x:0:', 'user:x:1000:', 'nogroup:x:65534:', 'tty:x:5:']) expect(group).toContain(g);
    await b.cleanup();
  });

  it('runs applets under chroot, as root and as the unprivileged user', async ({ skip }) => {
    const reason = unmet('root');
    if (reason) skip(reason);
    const b = await createBundle();
    const asRoot = execFileSync(
      'chroot',
      [b.dir, '/bin/sh', '-c', 'id -u; ls /bin/true; echo x > /tmp/f; cat /tmp/f'],
      {
        encoding: 'utf8',
      },
    );
    expect(asRoot).toBe('0\n/bin/true\nx\n');
    const asUser = execFileSync(
      'chroot',
      ['--userspec=1000:1000', b.dir, '/bin/sh', '-c', 'id; touch /tmp/u; ls /'],
      {
        encoding: 'utf8',
      },
    );
    expect(asUser).toMatch(/^uid=1000\(user\) gid=1000\(user\)/);
    expect(asUser).toContain('container.json');
    await b.cleanup();
  });

  it('writes container.json from the config defaults (no seccomp profile), with a per-bundle cgroup name', async () => {
    const b = await createBundle();
    const onDisk = JSON.parse(readFileSync(b.configPath, 'utf8'));
    expect(b.configPath).toBe(join(b.dir, 'container.json'));
    expect(onDisk).toEqual(b.config);
    const expected = defaultConfig();
    delete expected.seccomp;
    if (expected.cgroups) {
      expected.cgroups.name = b.dir.split('/').pop() as string;
      delete expected.cgroups.parent;
    }
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(expected)));
    await b.cleanup();
  });

  it('applies config overrides in place or by return, and extra files', async () => {
    const inPlace = await createBundle({
      config: (c) => {
        c.hostname = 'edited';
      },
      files: { 'etc/motd': 'hi\n', 'usr/local/bin/probe': '#!/bin/sh\necho probe\n' },
    });
    expect(JSON.parse(readFileSync(inPlace.configPath, 'utf8')).hostname).toBe('edited');
    expect(readFileSync(inPlace.path('etc/motd'), 'utf8')).toBe('hi\n');
    expect(statSync(inPlace.path('usr/local/bin/probe')).mode & 0o111).toBe(0o111);
    expect(statSync(inPlace.path('etc/motd')).mode & 0o111).toBe(0);
    const returned = await createBundle({ config: (c) => ({ ...c, hostname: 'returned' }) });
    expect(returned.config.hostname).toBe('returned');
    await inPlace.cleanup();
    await returned.cleanup();
  });

  it('refuses a file path outside the rootfs and leaves nothing behind', async () => {
    const parent = join(tmpdir(), `nsinit-parent-${process.pid}`);
    mkdirSync(parent, { recursive: true });
    await expect(createBundle({ parent, files: { '../escape': 'x' } })).rejects.toMatchObject({
      code: 'ERR_NSINIT_TEST_BAD_FILE',
    });
    expect(execFileSync('ls', ['-A', parent], { encoding: 'utf8' })).toBe('');
    execFileSync('rmdir', [parent]);
  });

  it('writeConfig rewrites container.json, also with invalid content', async () => {
    const b = await createBundle();
    b.writeConfig({ hostname: 42 });
    expect(JSON.parse(readFileSync(b.configPath, 'utf8'))).toEqual({ hostname: 42 });
    await b.cleanup();
  });

  it('cleanup is idempotent and removes the directory', async () => {
    const b = await createBundle();
    await b.cleanup();
    await b.cleanup();
    expect(existsSync(b.dir)).toBe(false);
  });

  it('cleanup detaches a mount left under the bundle, removes it, and reports it as a leak', async ({
    skip,
  }) => {
    const reason = unmet('root');
    if (reason) skip(reason);
    const b = await createBundle();
    execFileSync('mount', ['-t', 'tmpfs', 'leftover', b.path('tmp')]);
    execFileSync('mount', ['-t', 'tmpfs', 'leftover2', b.path('proc')]);
    await expect(b.cleanup()).rejects.toMatchObject({
      code: 'ERR_NSINIT_TEST_LEAK',
      message: expect.stringMatching(
        /mounts were left under the bundle: .*\/proc, .*\/tmp|.*\/tmp, .*\/proc/,
      ),
    });
    expect(existsSync(b.dir)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(b.dir);
  });
});

describe('createBundle inside a test registers its cleanup', () => {
  let dir = '';
  it('creates a bundle without cleaning it up', async () => {
    dir = (await createBundle()).dir;
    expect(existsSync(dir)).toBe(true);
  });
  it('finds it removed after the test finished', () => {
    expect(dir).not.toBe('');
    expect(existsSync(dir)).toBe(false);
  });
});
