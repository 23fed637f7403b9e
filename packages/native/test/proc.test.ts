// Process and file primitives: pidfds, start time, pipes, close, locks, mount/umount, the
// constant tables, and the SystemError-like shape of every thrown error.
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NsinitError, native } from '../lib/index.js';
import { cloexec, isRoot, mountsUnder } from './helpers/plan.js';

describe('primitives', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsinit-prim-'));
  });
  afterEach(() => {
    const left = mountsUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it('startTime is field 22 of /proc/<pid>/stat, null for a gone pid', () => {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(native.startTime(process.pid)).toBe(fields[19]);
    expect(native.startTime(0x3ffffff)).toBeNull();
  });

  it('pidfdOpen/pidfdSignal: signal 0 probes, ESRCH is false, bad pid throws ESRCH', () => {
    const fd = native.pidfdOpen(process.pid);
    try {
      expect(native.pidfdSignal(fd, 0)).toBe(true);
    } finally {
      native.close(fd);
    }
    expect(() => native.pidfdOpen(0x3ffffff)).toThrow(
      expect.objectContaining({ code: 'ESRCH', syscall: 'pidfd_open' }),
    );
  });

  it('pipe gives CLOEXEC fds that carry data', () => {
    const [r, w] = native.pipe();
    try {
      for (const fd of [r, w]) expect(cloexec(fd)).toBe(true);
      writeSync(w, 'abc');
      const buf = Buffer.alloc(3);
      expect(readSync(r, buf, 0, 3, null)).toBe(3);
      expect(buf.toString()).toBe('abc');
    } finally {
      native.close(r);
      native.close(w);
    }
  });

  it('close of a closed fd is EBADF shaped like a SystemError', () => {
    const [r, w] = native.pipe();
    native.close(r);
    native.close(w);
    try {
      native.close(r);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(NsinitError);
      expect(err).toMatchObject({
        code: 'EBADF',
        errno: -9,
        syscall: 'close',
        message: 'EBADF: bad file descriptor, close',
      });
    }
  });

  it('tryLock: exclusive and non-blocking across open file descriptions', () => {
    const file = join(dir, 'lock');
    writeFileSync(file, '');
    const a = openSync(file, 'r');
    const b = openSync(file, 'r');
    try {
      expect(native.tryLock(a)).toBe(true);
      expect(native.tryLock(b)).toBe(false);
      closeSync(a);
      expect(native.tryLock(b)).toBe(true);
    } finally {
      closeSync(b);
      try {
        closeSync(a);
      } catch {}
    }
  });

  it('mount/umount a tmpfs on a temp dir (root only)', (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const target = join(dir, 'm');
    mkdirSync(target);
    native.mount('tmpfs', target, 'tmpfs', native.constants.MS_NOSUID, 'size=1m');
    try {
      expect(mountsUnder(dir)).toEqual([target]);
    } finally {
      native.umount(target, native.constants.MNT_DETACH);
    }
    expect(() => native.umount(target, 0)).toThrow(
      expect.objectContaining({ code: 'EINVAL', syscall: 'umount2', path: target }),
    );
    expect(() => native.mount('/nonexistent-src', target, null, native.constants.MS_BIND, null)).toThrow(
      expect.objectContaining({
        code: 'ENOENT',
        syscall: 'mount',
        path: '/nonexistent-src',
        dest: target,
        message: `ENOENT: no such file or directory, mount '/nonexistent-src' -> '${target}'`,
      }),
    );
  });

  it('constants come from the kernel headers', () => {
    const c = native.constants;
    expect(c).toMatchObject({
      CLONE_NEWNS: 0x20000,
      CLONE_NEWUTS: 0x4000000,
      CLONE_NEWIPC: 0x8000000,
      CLONE_NEWUSER: 0x10000000,
      CLONE_NEWPID: 0x20000000,
      CLONE_NEWNET: 0x40000000,
      CLONE_NEWCGROUP: 0x2000000,
      MS_RDONLY: 1,
      MS_BIND: 4096,
      MS_REC: 16384,
      MS_PRIVATE: 1 << 18,
      MS_SLAVE: 1 << 19,
      MNT_DETACH: 2,
      S_IFCHR: 0o020000,
      S_IFBLK: 0o060000,
      SIGKILL: 9,
      SIGTERM: 15,
    });
  });
});
