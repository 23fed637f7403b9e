// Builds a minimal busybox root filesystem: the static busybox binary, one symlink per applet
// (busybox --list-full), /etc/passwd and /etc/group (passwd(5), group(5)) and the empty mount
// points the container's proc(5), sysfs(5) and tmpfs(5) mounts need.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TestkitError } from './errors.js';
import { BUSYBOX } from './requires.js';

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'user:x:1000:1000:user:/home/user:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  '',
].join('\n');

export const GROUP = ['root:x:0:', 'tty:x:5:', 'user:x:1000:', 'nogroup:x:65534:', ''].join('\n');

let applets: string[] | null = null;

/** Applet paths relative to / ("bin/ls", "usr/bin/wc"), from busybox itself; cached per process. */
export function busyboxApplets(): string[] {
  if (applets) return applets;
  let out: string;
  try {
    out = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' });
  } catch (err) {
    throw new TestkitError(
      `cannot run ${BUSYBOX}: the test bundle needs the busybox-static package (apt-get install busybox-static)`,
      { code: 'ERR_NSINIT_TEST_NO_BUSYBOX', path: BUSYBOX, cause: err },
    );
  }
  applets = out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'bin/busybox');
  return applets;
}

/** Populates `dir` (an existing, empty directory) as a busybox rootfs. */
export function writeRootfs(dir: string): void {
  const list = busyboxApplets();
  // 0755: after pivot_root this directory is "/", and the unprivileged user must traverse it.
  chmodSync(dir, 0o755);
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'root', 'home/user']) {
    mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  }
  mkdirSync(join(dir, 'tmp'), { mode: 0o1777 });
  chmodSync(join(dir, 'tmp'), 0o1777); // mkdir's mode is filtered by the umask; sticky bit must stay
  chmodSync(join(dir, 'root'), 0o700);
  chownSync(join(dir, 'home/user'), 1000, 1000);
  // A copy, never a hard link: a writable rootfs must not be able to rewrite the host's busybox.
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  for (const applet of list) {
    mkdirSync(join(dir, dirname(applet)), { recursive: true });
    symlinkSync('/bin/busybox', join(dir, applet));
  }
  writeFileSync(join(dir, 'etc/passwd'), PASSWD, { mode: 0o644 });
  writeFileSync(join(dir, 'etc/group'), GROUP, { mode: 0o644 });
}
