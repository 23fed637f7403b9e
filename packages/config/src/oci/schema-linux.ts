// `linux` of config.json: namespaces (namespaces(7), joined with setns(2) when a path is given),
// id mappings, device nodes (mknod(2)), cgroups, sysctls (/proc/sys), /proc masking, the rootfs
// mount propagation, LSM mount label, personality(2), intelRdt (resctrl) and time namespace offsets.
import Type, { type Static } from 'typebox';
import { ALIASES, annotate } from '../annotations.js';
import { i64, id, list, map, oneOf, path, strings, text, u32 } from './fields.js';
import { OCI_NAMESPACE_TYPES, PERSONALITY_DOMAINS, ROOTFS_PROPAGATIONS } from './names.js';
import { idMappings } from './schema-mounts.js';
import { OciLinuxResourcesSchema } from './schema-resources.js';
import { OciSeccompSchema } from './schema-seccomp.js';

/** container.json and clone(2) spellings, and the /proc/<pid>/ns file names that differ. */
const NAMESPACE_ALIASES: Record<string, string> = {
  NEWNS: 'mount',
  CLONE_NEWNS: 'mount',
  mnt: 'mount',
  NEWUTS: 'uts',
  NEWIPC: 'ipc',
  NEWUSER: 'user',
  NEWPID: 'pid',
  NEWNET: 'network',
  CLONE_NEWNET: 'network',
  net: 'network',
  NEWCGROUP: 'cgroup',
  NEWTIME: 'time',
};

/** Each masked or read-only path is a mount step of the plan; see semantic-limits.ts for the total. */
const PATH_STEPS = { maxItems: 1024, why: 'each is a step of the plan, which has at most 4096' };

export const OciNamespaceSchema = Type.Object(
  {
    type: annotate(
      oneOf(
        OCI_NAMESPACE_TYPES,
        'Namespace kind. "user" is validated here but refused by create (naming the field) until ' +
          'user namespaces are implemented.',
        'namespace type',
        'a namespace type such as "pid"',
        'pid',
      ),
      { [ALIASES]: NAMESPACE_ALIASES },
    ),
    path: Type.Optional(
      path('Absolute path of an existing namespace to join (e.g. /proc/1234/ns/net). Absent: a new one.'),
    ),
  },
  { additionalProperties: false, description: 'A namespace to create or join.' },
);
export type OciNamespace = Static<typeof OciNamespaceSchema>;

export const OciDeviceSchema = Type.Object(
  {
    type: text('"c" (character), "b" (block), "u" (unbuffered character) or "p" (FIFO).', {
      default: 'c',
      pattern: '^[cbup]$',
      patternHint: 'expected "c", "b", "u" or "p"',
    }),
    path: path('Absolute path of the node inside the container, e.g. /dev/fuse.'),
    major: Type.Optional(i64('Major number; required unless type is "p".', { minimum: 0, maximum: 4095 })),
    minor: Type.Optional(i64('Minor number; required unless type is "p".', { minimum: 0, maximum: 1048575 })),
    fileMode: Type.Optional(
      u32('Permission bits as a decimal number (438 = 0666). Absent: 0666 as runc does.', {
        default: 0o666,
        maximum: 0o7777,
        expected: 'permission bits as a number (438 = 0666)',
      }),
    ),
    uid: Type.Optional(id('Owner of the node, in the container.')),
    gid: Type.Optional(id('Group of the node, in the container.')),
  },
  { additionalProperties: false, description: 'A device node created in the container /dev.' },
);
export type OciDevice = Static<typeof OciDeviceSchema>;

export const OciIntelRdtSchema = Type.Object(
  {
    closID: Type.Optional(text('resctrl class of service (directory) name. Absent: the container id.')),
    l3CacheSchema: Type.Optional(
      text('L3 cache allocation line, "L3:<id>=<mask>;...".', {
        pattern: '^[^\\n]*$',
        patternHint: 'expected a single line',
      }),
    ),
    memBwSchema: Type.Optional(
      text('Memory bandwidth line, "MB:<id>=<bandwidth>;...".', {
        pattern: '^MB:[^\\n]*$',
        patternHint: 'expected a single line starting with "MB:"',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Intel RDT (resctrl) cache and memory bandwidth allocation.',
    default: {},
  },
);

export const OciPersonalitySchema = Type.Object(
  {
    domain: oneOf(
      PERSONALITY_DOMAINS,
      'Execution domain: LINUX, or LINUX32 for a 32-bit uname.',
      'personality domain',
      '"LINUX" or "LINUX32"',
      'LINUX',
    ),
    flags: Type.Optional(strings('personality(2) flags; none are defined yet.', 'A flag.')),
  },
  {
    additionalProperties: false,
    description: 'The personality(2) of the container process.',
    default: { domain: 'LINUX' },
  },
);

const offset = (clock: string) =>
  Type.Optional(
    Type.Object(
      {
        secs: Type.Optional(i64(`Seconds added to ${clock} inside the namespace.`)),
        nanosecs: Type.Optional(u32('Nanoseconds added (below 1000000000).', { maximum: 999999999 })),
      },
      { additionalProperties: false, description: `Offset of ${clock}.`, default: {} },
    ),
  );

export const OciTimeOffsetsSchema = Type.Object(
  {
    boottime: offset('CLOCK_BOOTTIME'),
    monotonic: offset('CLOCK_MONOTONIC'),
  },
  {
    additionalProperties: false,
    description:
      'Clock offsets of the time namespace (time_namespaces(7)), written before any process enters ' +
      'it: CLOCK_MONOTONIC and CLOCK_BOOTTIME (and /proc/uptime) inside are shifted by them.',
    default: {},
  },
);

export const OciLinuxSchema = Type.Object(
  {
    namespaces: Type.Optional(
      list(
        OciNamespaceSchema,
        'Namespaces to create or join, each type at most once. Absent: all shared with the host.',
        {
          maxItems: OCI_NAMESPACE_TYPES.length * 4,
        },
      ),
    ),
    uidMappings: Type.Optional(
      idMappings(
        'User namespace uid_map. Validated here; create refuses it (naming the field) until ' +
          'user namespaces are implemented.',
      ),
    ),
    gidMappings: Type.Optional(
      idMappings(
        'User namespace gid_map. Validated here; create refuses it (naming the field) until ' +
          'user namespaces are implemented.',
      ),
    ),
    timeOffsets: Type.Optional(OciTimeOffsetsSchema),
    devices: Type.Optional(
      list(
        OciDeviceSchema,
        'Extra device nodes, besides the default /dev/null, zero, full, random, urandom, tty.',
        { limit: 'device_nodes' },
      ),
    ),
    cgroupsPath: Type.Optional(
      path(
        'cgroup of the container: absolute (from the cgroup root) or relative (under the runtime default). ' +
          'Absent: a cgroup named after the container id.',
      ),
    ),
    resources: Type.Optional(OciLinuxResourcesSchema),
    intelRdt: Type.Optional(OciIntelRdtSchema),
    sysctl: Type.Optional(
      map(
        text('Value written to the sysctl.'),
        'Kernel parameters set in the container, keyed by name ' +
          '(e.g. "net.ipv4.ip_forward"); only namespaced ones are allowed.',
        'an object of strings',
      ),
    ),
    seccomp: Type.Optional(OciSeccompSchema),
    rootfsPropagation: Type.Optional(
      oneOf(
        ROOTFS_PROPAGATIONS,
        "Propagation of the mounts under the rootfs, applied recursively (the kernel's shared subtrees); " +
          'needs a mount namespace. Absent: rprivate, as runc.',
        'propagation',
        'a propagation such as "rslave" (private, shared, slave, unbindable, or with an r prefix)',
        'private',
      ),
    ),
    maskedPaths: Type.Optional(
      strings(
        'Container paths hidden from the process (a /dev/null bind or an empty read-only tmpfs).',
        'An absolute path.',
        undefined,
        PATH_STEPS,
      ),
    ),
    readonlyPaths: Type.Optional(
      strings('Container paths remounted read-only.', 'An absolute path.', undefined, PATH_STEPS),
    ),
    mountLabel: Type.Optional(
      text('SELinux context for the container mounts; create fails naming this field without SELinux.'),
    ),
    personality: Type.Optional(OciPersonalitySchema),
  },
  { additionalProperties: false, description: 'Linux-specific configuration.', default: {} },
);
export type OciLinux = Static<typeof OciLinuxSchema>;
