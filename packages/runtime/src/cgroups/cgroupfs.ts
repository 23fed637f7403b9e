// File access to cgroupfs (v1 controllers and cgroup2): interface files are written with a plain
// O_WRONLY open (never O_CREAT: a missing file means a missing controller), directories are made
// and removed one level at a time. See cgroups(7) and the kernel's cgroup-v1/ and cgroup-v2.rst.
import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeSync,
} from 'node:fs';
import { systemError } from '@nsinit/native';

/** The file operations a manager needs; tests may wrap the real one (e.g. to act as the kernel). */
export interface CgroupFs {
  /** mkdir(dir, 0755); false if it already existed. */
  mkdir(dir: string): boolean;
  rmdir(dir: string): void;
  exists(path: string): boolean;
  read(path: string): string;
  /** One write(2) of `value`: the kernel parses each write of an interface file separately. */
  write(path: string, value: string): void;
}

type NodeErr = NodeJS.ErrnoException;

/** Re-raise a Node fs error as our SystemError shape (errno, syscall, path). */
export function fsError(err: unknown, syscall: string, path: string): Error {
  const e = err as NodeErr;
  if (typeof e?.errno === 'number') return systemError(-e.errno, syscall, path, { cause: err });
  return err as Error;
}

export const realFs: CgroupFs = {
  mkdir(dir) {
    try {
      mkdirSync(dir, 0o755);
      return true;
    } catch (err) {
      if ((err as NodeErr).code === 'EEXIST') return false;
      throw fsError(err, 'mkdir', dir);
    }
  },
  rmdir(dir) {
    try {
      rmdirSync(dir);
    } catch (err) {
      throw fsError(err, 'rmdir', dir);
    }
  },
  exists(path) {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  },
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw fsError(err, 'open', path);
    }
  },
  write(path, value) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY);
    } catch (err) {
      throw fsError(err, 'open', path);
    }
    try {
      writeSync(fd, value);
    } catch (err) {
      throw fsError(err, 'write', path);
    } finally {
      closeSync(fd);
    }
  },
};

/** Integer value of a single-number interface file ("max" and the v1 "unlimited" read as null). */
export function parseIntValue(text: string, path: string): bigint | null {
  const t = text.trim();
  if (t === 'max') return null;
  if (!/^-?\d+$/.test(t)) throw new Error(`cgroup: unexpected content in ${path}: '${t.slice(0, 40)}'`);
  return BigInt(t);
}

/** "key value" lines (cpu.stat, memory.stat, memory.events, ...). */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v, extra] = line.trim().split(/\s+/);
    if (!k || v === undefined || extra !== undefined) continue;
    const n = Number(v);
    if (Number.isFinite(n)) out[k] = n;
  }
  return out;
}

/** Remove a directory, retrying while the kernel still counts exiting tasks in it (EBUSY). */
export async function rmdirRetry(fs: CgroupFs, dir: string, tries = 50, delayMs = 20): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      fs.rmdir(dir);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || i >= tries) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** Parse /proc/<pid>/cgroup: "hierarchy-id:controller,list:/path" (v2: "0::/path"). */
export interface ProcCgroup {
  id: number;
  controllers: string[];
  path: string;
}

export function parseProcCgroup(text: string): ProcCgroup[] {
  const out: ProcCgroup[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const list = line.slice(first + 1, second);
    out.push({
      id: Number(line.slice(0, first)),
      controllers: list === '' ? [] : list.split(','),
      path: line.slice(second + 1),
    });
  }
  return out;
}

export interface CgroupMount {
  /** 'cgroup' (v1) or 'cgroup2'. */
  fstype: string;
  mountpoint: string;
  /** The mount's root inside its hierarchy (mountinfo field 4): "/" unless bind-mounted or in a cgroupns. */
  root: string;
  /** v1: the controllers from the super options (cpu, cpuacct, name=systemd, ...). */
  controllers: string[];
}

const unescapeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** cgroup mounts from /proc/self/mountinfo (proc(5)): "id parent maj:min root mountpoint opts - fstype src superopts". */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const known = new Set(['rw', 'ro', 'relatime', 'noexec', 'nosuid', 'nodev', 'xattr', 'clone_children']);
    out.push({
      fstype,
      mountpoint: unescapeOctal(pre[4] ?? ''),
      root: unescapeOctal(pre[3] ?? '/'),
      controllers:
        fstype === 'cgroup'
          ? superOpts.split(',').filter((o) => !known.has(o) && !o.startsWith('release_agent='))
          : [],
    });
  }
  return out;
}

/** `ownPath` (from /proc/self/cgroup) seen through a mount whose root is `root`. */
export function underMount(root: string, ownPath: string): string {
  if (root === '/' || root === '') return ownPath;
  if (ownPath === root) return '/';
  if (ownPath.startsWith(`${root}/`)) return ownPath.slice(root.length);
  return ownPath; // a process outside the mount's subtree: the kernel shows the path unchanged
}
