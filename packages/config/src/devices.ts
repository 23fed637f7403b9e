// The built-in device lists of libcontainer 2014 (devices/defaults.go): nodes created with mknod(2)
// in the container /dev and the devices cgroup whitelist (cgroup-v1/devices.rst). Major and minor
// numbers are from the kernel's Documentation/admin-guide/devices.txt.
import type { Device } from './schema-devices.js';

const C = 99; // 'c': character device
const B = 98; // 'b': block device
const RW_ALL = 0o666;

function simple(path: string, major: number, minor: number): Device {
  return {
    type: C,
    path,
    major_number: major,
    minor_number: minor,
    cgroup_permissions: 'rwm',
    file_mode: RW_ALL,
  };
}

function frozen(list: Device[]): readonly Device[] {
  return Object.freeze(list.map((d) => Object.freeze(d)));
}

/** /dev/null, zero, full, tty, urandom and random: character devices, rwm, mode 0666. */
export const DEFAULT_SIMPLE_DEVICES: readonly Device[] = frozen([
  simple('/dev/null', 1, 3),
  simple('/dev/zero', 1, 5),
  simple('/dev/full', 1, 7),
  simple('/dev/tty', 5, 0),
  simple('/dev/urandom', 1, 9),
  simple('/dev/random', 1, 8),
]);

/** The 2014 devices cgroup whitelist: mknod of anything (c *:* m, b *:* m), the console and tty0/1,
 *  pts, ptmx and tun/tap, plus the simple devices. */
export const DEFAULT_ALLOWED_DEVICES: readonly Device[] = frozen([
  { type: C, major_number: -1, minor_number: -1, cgroup_permissions: 'm' },
  { type: B, major_number: -1, minor_number: -1, cgroup_permissions: 'm' },
  { type: C, path: '/dev/console', major_number: 5, minor_number: 1, cgroup_permissions: 'rwm' },
  { type: C, path: '/dev/tty0', major_number: 4, minor_number: 0, cgroup_permissions: 'rwm' },
  { type: C, path: '/dev/tty1', major_number: 4, minor_number: 1, cgroup_permissions: 'rwm' },
  { type: C, major_number: 136, minor_number: -1, cgroup_permissions: 'rwm' }, // /dev/pts/*
  { type: C, major_number: 5, minor_number: 2, cgroup_permissions: 'rwm' }, // /dev/ptmx
  { type: C, major_number: 10, minor_number: 200, cgroup_permissions: 'rwm' }, // /dev/net/tun
  ...DEFAULT_SIMPLE_DEVICES,
]);

/** Nodes Docker created in 2014: /dev/fuse (10:229, created with mode 0000 and not whitelisted)
 *  plus the simple devices. */
export const DEFAULT_AUTO_CREATED_DEVICES: readonly Device[] = frozen([
  { type: C, path: '/dev/fuse', major_number: 10, minor_number: 229, cgroup_permissions: 'rwm' },
  ...DEFAULT_SIMPLE_DEVICES,
]);
