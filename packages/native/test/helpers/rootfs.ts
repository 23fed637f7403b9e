// A throwaway busybox rootfs for native tests: /bin/busybox (static) plus every applet as a
// symlink, /etc/passwd and /etc/group with root, user 1000 and nobody. remove() deletes it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TestRootfs {
  /** Temp directory holding the rootfs and anything a test puts beside it (canaries). */
  dir: string;
  /** The rootfs itself. */
  path: string;
  remove(): void;
}

let applets: string[] | undefined;

export function makeRootfs(): TestRootfs {
  const dir = mkdtempSync(join(tmpdir(), 'nsinit-native-'));
  const root = join(dir, 'rootfs');
  for (const d of [
    'bin',
    'sbin',
    'usr/bin',
    'usr/sbin',
    'etc',
    'proc',
    'sys',
    'dev',
    'tmp',
    'root',
    'home/user',
  ]) {
    mkdirSync(join(root, d), { recursive: true });
  }
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  applets ??= execFileSync('/bin/busybox', ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) {
    const p = join(root, a);
    if (p === join(root, 'bin/busybox')) continue;
    mkdirSync(dirname(p), { recursive: true });
    try {
      symlinkSync('/bin/busybox', p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\ntty:x:5:\nuser:x:1000:\nnogroup:x:65534:\n');
  return {
    dir,
    path: root,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
