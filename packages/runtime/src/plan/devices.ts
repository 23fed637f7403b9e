// Device nodes for the fresh /dev tmpfs (mknod(2), makedev(3)). The 2014 format's `type` is a Go
// rune: 99 ('c') for character and 98 ('b') for block devices; `file_mode` is the permission bits
// applied with umask 0 (a missing mode really creates a 0000 node, as /dev/fuse in the sample).
import { posix } from 'node:path';
import type { Step } from '@nsinit/native';
import { configError } from '../errors.js';

export interface DeviceNode {
  type: number | string;
  path?: string;
  major_number?: number;
  minor_number?: number;
  file_mode?: number;
}

function fileType(type: number | string, constants: Readonly<Record<string, number>>, field: string): number {
  const kind = typeof type === 'number' ? String.fromCharCode(type) : type;
  if (kind === 'c' || kind === 'u') return constants.S_IFCHR!;
  if (kind === 'b') return constants.S_IFBLK!;
  throw configError(field, `device type ${JSON.stringify(type)} is neither 99 ('c') nor 98 ('b')`);
}

/** mkdir steps for missing parents (below /dev, which is created empty) then one mknod each. */
export function deviceSteps(
  nodes: readonly DeviceNode[] | null | undefined,
  constants: Readonly<Record<string, number>>,
): Step[] {
  const steps: Step[] = [];
  const made = new Set<string>(['/', '/dev']);
  (nodes ?? []).forEach((node, i) => {
    const field = `/device_nodes/${i}`;
    const path = node.path ?? '';
    if (!path.startsWith('/')) throw configError(`${field}/path`, `'${path}' is not an absolute path`);
    const target = posix.normalize(path);
    if (target === '/' || target.split('/').includes('..')) {
      throw configError(`${field}/path`, `'${path}' cannot be a device node`);
    }
    const major = node.major_number ?? 0;
    const minor = node.minor_number ?? 0;
    if (!Number.isInteger(major) || major < 0 || major > 0xfff) {
      throw configError(`${field}/major_number`, `${major} is not a device major number`);
    }
    if (!Number.isInteger(minor) || minor < 0 || minor > 0xfffff) {
      throw configError(`${field}/minor_number`, `${minor} is not a device minor number`);
    }
    const mode = (node.file_mode ?? 0) & 0o7777;
    const type = fileType(node.type, constants, `${field}/type`);
    const parents: string[] = [];
    for (let dir = posix.dirname(target); !made.has(dir); dir = posix.dirname(dir)) parents.unshift(dir);
    for (const dir of parents) {
      made.add(dir);
      steps.push({ op: 'mkdir', target: dir, mode: 0o755 });
    }
    steps.push({ op: 'mknod', target, mode: type | mode, major, minor });
  });
  return steps;
}
