// Device nodes for the fresh /dev tmpfs (mknod(2), makedev(3)): each node gets exactly its
// configured permission bits (the caller sets umask 0 around these steps), missing parent
// directories below /dev are created first.
import { posix } from 'node:path';
import type { Step } from '@nsinit/native';
import { configError } from '../errors.js';
import type { DeviceEntry } from '../spec/model.js';

function fileType(type: DeviceEntry['type'], constants: Readonly<Record<string, number>>): number {
  if (type === 'b') return constants.S_IFBLK!;
  if (type === 'p') return constants.S_IFIFO!;
  return constants.S_IFCHR!;
}

/** mkdir steps for missing parents (below /dev, which is created empty) then one mknod each.
 *  `keys` name the major/minor fields in the source format (2014: major_number). */
export function deviceSteps(
  nodes: readonly DeviceEntry[],
  constants: Readonly<Record<string, number>>,
  keys: { major: string; minor: string } = { major: 'major', minor: 'minor' },
): Step[] {
  const steps: Step[] = [];
  const made = new Set<string>(['/', '/dev']);
  for (const node of nodes) {
    const { field, path } = node;
    if (!path.startsWith('/')) throw configError(`${field}/path`, `'${path}' is not an absolute path`);
    const target = posix.normalize(path);
    if (target === '/' || target.split('/').includes('..')) {
      throw configError(`${field}/path`, `'${path}' cannot be a device node`);
    }
    const { major, minor } = node;
    if (!Number.isInteger(major) || major < 0 || major > 0xfff) {
      throw configError(`${field}/${keys.major}`, `${major} is not a device major number`);
    }
    if (!Number.isInteger(minor) || minor < 0 || minor > 0xfffff) {
      throw configError(`${field}/${keys.minor}`, `${minor} is not a device minor number`);
    }
    const parents: string[] = [];
    for (let dir = posix.dirname(target); !made.has(dir); dir = posix.dirname(dir)) parents.unshift(dir);
    for (const dir of parents) {
      made.add(dir);
      steps.push({ op: 'mkdir', target: dir, mode: 0o755 });
    }
    steps.push({
      op: 'mknod',
      target,
      mode: fileType(node.type, constants) | (node.fileMode & 0o7777),
      major,
      minor,
    });
    // The nodes are created by root; an owner other than root:root is set right after.
    if ((node.uid ?? 0) !== 0 || (node.gid ?? 0) !== 0)
      steps.push({ op: 'chown', target, uid: node.uid ?? -1, gid: node.gid ?? -1 });
  }
  return steps;
}
