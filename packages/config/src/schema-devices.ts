// Device objects of container.json, used both for mknod(2) in the container's /dev (`device_nodes`)
// and for the v1 devices cgroup whitelist (`cgroups.allowed_devices`, see the kernel's
// Documentation/admin-guide/cgroup-v1/devices.rst). dev_t numbers follow makedev(3).
import Type, { type Static } from 'typebox';
import { annotate, DOMAIN, EXPECTED } from './annotations.js';
import { int, str } from './fields.js';

/** Majors are 12 bits and minors 20 bits in the kernel's dev_t (MINORBITS = 20). -1 is the cgroup
 *  wildcard `*`. */
export const MAX_MAJOR = 0xfff;
export const MAX_MINOR = 0xfffff;

export const DeviceSchema = Type.Object(
  {
    type: annotate(
      Type.Enum([99, 98], {
        description:
          "Device type as a character code: 99 ('c') for a character device, 98 ('b') for a block device. " +
          'A string such as "c" is rejected, as Go decoded this field as a rune.',
        default: 99,
      }),
      { [EXPECTED]: "99 (character device, 'c') or 98 (block device, 'b')", [DOMAIN]: 'device type' },
    ),
    path: Type.Optional(
      str(
        'Absolute path of the node inside the container, e.g. /dev/null. Required for device_nodes; may be ' +
          'omitted in cgroups.allowed_devices for wildcard rules.',
      ),
    ),
    major_number: Type.Optional(
      int('Major device number; -1 is the cgroup wildcard (*), not valid for device_nodes.', {
        minimum: -1,
        maximum: MAX_MAJOR,
        expected: `a major device number (0-${MAX_MAJOR}, or -1 for any)`,
      }),
    ),
    minor_number: Type.Optional(
      int('Minor device number; -1 is the cgroup wildcard (*), not valid for device_nodes.', {
        minimum: -1,
        maximum: MAX_MINOR,
        expected: `a minor device number (0-${MAX_MINOR}, or -1 for any)`,
      }),
    ),
    cgroup_permissions: Type.Optional(
      str(
        'Devices cgroup access: any of r (read), w (write) and m (mknod), e.g. "rwm". Only used in ' +
          'cgroups.allowed_devices.',
        { pattern: '^[rwm]{1,3}$', patternHint: 'expected a combination of "r", "w" and "m", such as "rwm"' },
      ),
    ),
    file_mode: Type.Optional(
      int(
        'Permission bits for mknod as a decimal number (438 = 0666). Absent means 0 (mode 0000, as the ' +
          '2014 sample does for /dev/fuse).',
        { minimum: 0, maximum: 0o7777, expected: 'permission bits as a number (438 = 0666)' },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'A device: a node to create with mknod, or a devices cgroup whitelist entry.',
  },
);
export type Device = Static<typeof DeviceSchema>;
