import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lookupUser, parseGroup, parsePasswd, readInRoot, resolveUser } from './user.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'user:x:1000:1000::/home/user:/bin/sh',
  // A user literally named "1000" mapped to uid 0 (CVE-2016-3697).
  '1000:x:0:0::/:/bin/sh',
  'nobody:x:65534:65534::/:/bin/false',
  'broken line',
].join('\n');
const GROUP = ['root:x:0:', 'tty:x:5:user', 'user:x:1000:', 'wheel:x:10:root,user', 'nogroup:x:65534:'].join(
  '\n',
);
const passwd = parsePasswd(PASSWD);
const group = parseGroup(GROUP);

describe('resolveUser', () => {
  it.each([
    ['', { uid: 0, gid: 0, groups: [10] }],
    ['root', { uid: 0, gid: 0, groups: [10] }],
    ['user', { uid: 1000, gid: 1000, groups: [5, 10] }],
    ['1000', { uid: 1000, gid: 1000, groups: [5, 10] }],
    ['user:tty', { uid: 1000, gid: 5, groups: [5, 10] }],
    ['1000:5', { uid: 1000, gid: 5, groups: [5, 10] }],
    ['4242', { uid: 4242, gid: 0, groups: [] }],
    ['4242:4243', { uid: 4242, gid: 4243, groups: [] }],
    ['nobody:nogroup', { uid: 65534, gid: 65534, groups: [] }],
  ])('%j resolves', (spec, expected) => {
    expect(resolveUser(spec, passwd, group)).toEqual(expected);
  });

  it('keeps a numeric uid numeric even if a user is named like it (CVE-2016-3697)', () => {
    expect(resolveUser('1000', passwd, group).uid).toBe(1000);
  });

  it('names the field for unknown users and groups', () => {
    expect(() => resolveUser('ghost', passwd, group)).toThrow(
      expect.objectContaining({
        code: 'ERR_NSINIT_UNKNOWN_USER',
        message: expect.stringMatching(/^user: no user 'ghost'/),
      }),
    );
    expect(() => resolveUser('user:ghosts', passwd, group)).toThrow(/no group 'ghosts'/);
  });

  it.each(['a:b:c', 'user:', ':5', '99999999999'])('rejects the malformed spec %j', (spec) => {
    expect(() => resolveUser(spec, passwd, group)).toThrow(
      expect.objectContaining({ code: 'ERR_NSINIT_INVALID_CONFIG' }),
    );
  });
});

describe('reading the container /etc files', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nsinit-user-'));
    outside = mkdtempSync(join(tmpdir(), 'nsinit-host-'));
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(outside, 'passwd'), 'evil:x:0:0::/:/bin/sh\n');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('reads etc/passwd and etc/group of the rootfs', async () => {
    writeFileSync(join(root, 'etc/passwd'), PASSWD);
    writeFileSync(join(root, 'etc/group'), GROUP);
    await expect(lookupUser(root, 'user')).resolves.toEqual({ uid: 1000, gid: 1000, groups: [5, 10] });
  });

  it('resolves an absolute symlink inside the rootfs, not on the host', async () => {
    mkdirSync(join(root, 'usr/share'), { recursive: true });
    writeFileSync(join(root, 'usr/share/passwd'), PASSWD);
    symlinkSync('/usr/share/passwd', join(root, 'etc/passwd'));
    await expect(lookupUser(root, 'user')).resolves.toMatchObject({ uid: 1000 });
    // The host has no /usr/share/passwd with "user": proof the link was followed in the rootfs.
  });

  it('refuses a symlinked etc/passwd that climbs out of the rootfs', async () => {
    symlinkSync(`../../../../../../../..${outside}/passwd`, join(root, 'etc/passwd'));
    await expect(readInRoot(root, 'etc/passwd')).rejects.toMatchObject({ code: 'ERR_NSINIT_UNSAFE_PATH' });
    await expect(lookupUser(root, 'evil')).rejects.toMatchObject({ code: 'ERR_NSINIT_UNSAFE_PATH' });
  });

  it('never reads a host file through an absolute symlink', async () => {
    symlinkSync(join(outside, 'passwd'), join(root, 'etc/passwd'));
    // Resolved as <rootfs>/<outside>/passwd, which does not exist: "evil" is unknown.
    await expect(lookupUser(root, 'evil')).rejects.toMatchObject({ code: 'ERR_NSINIT_UNKNOWN_USER' });
  });

  it('works without /etc files for numeric users, and fails for names', async () => {
    await expect(lookupUser(root, '123:456')).resolves.toEqual({ uid: 123, gid: 456, groups: [] });
    await expect(lookupUser(root, 'user')).rejects.toMatchObject({ code: 'ERR_NSINIT_UNKNOWN_USER' });
  });
});
