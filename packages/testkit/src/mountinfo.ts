// /proc/self/mountinfo parsing (proc(5), "mountinfo"): the mount table of the calling process's
// mount namespace. Fields 5 (mount point) and 9 (source) escape space, tab, newline and backslash
// as octal (\040 ...), so they are decoded before use.
import { readFileSync } from 'node:fs';

export interface MountEntry {
  id: number;
  parent: number;
  mountPoint: string;
  fstype: string;
  source: string;
  /** Per-superblock options, e.g. "rw,memory" for a v1 cgroup hierarchy. */
  superOptions: string;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    out.push({
      id: Number(left[0]),
      parent: Number(left[1]),
      mountPoint: unescapeOctal(left[4] ?? ''),
      fstype: right[0] ?? '',
      source: unescapeOctal(right[1] ?? ''),
      superOptions: right[2] ?? '',
    });
  }
  return out;
}

export function readMounts(): MountEntry[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** Mount points at or below `dir`, deepest (and most recently stacked) first: the order umount needs. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return readMounts()
    .filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(prefix))
    .map((m) => m.mountPoint)
    .reverse()
    .sort((a, b) => b.split('/').length - a.split('/').length);
}
