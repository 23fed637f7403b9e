// The container.json format (libcontainer v1.0.1, mid-2014, plus a few modern fields) as a typebox
// schema: namespaces (clone(2), namespaces(7)), capabilities(7), mounts (mount(2)), devices,
// cgroups, networks and setrlimit(2) limits. Every field has a description and its default.
import Type, { type Static } from 'typebox';
import { annotate, BAG, DOMAIN, EXPECTED } from './annotations.js';
import { ABSOLUTE_PATH, ABSOLUTE_PATH_HINT, bool, int, list, MAX_ARG_STRING, str } from './fields.js';
import { CAPABILITY_NAMES, type NAMESPACE_NAMES, RLIMIT_NAMES } from './names.js';
import { CgroupsSchema } from './schema-cgroups.js';
import { DeviceSchema } from './schema-devices.js';
import {
  DomainnameSchema,
  PersonalitySchema,
  SeccompSchema,
  SysctlSchema,
  TimeOffsetsSchema,
} from './schema-kernel.js';
import { NetworkSchema, RouteSchema } from './schema-network.js';
import { gidMappings, IdMappingSchema, uidMappings } from './schema-userns.js';

/** The `$id` of the published schema.json. */
export const SCHEMA_ID = 'urn:nsinit:schema:container-config:1';

const NAMESPACE_HELP: Record<(typeof NAMESPACE_NAMES)[number], string> = {
  NEWNS: 'a new mount namespace; without it the mount setup and pivot_root run in the host mount namespace',
  NEWUTS: 'a new UTS namespace, so hostname changes stay inside the container',
  NEWIPC: 'a new System V IPC and POSIX message queue namespace',
  NEWUSER: 'a new user namespace, with the ids of uid_mappings and gid_mappings (both required)',
  NEWPID: 'a new PID namespace: the command becomes PID 1',
  NEWNET: 'a new network namespace, with only a down lo unless networks configure it',
  NEWCGROUP:
    'a new cgroup namespace, created once the container is in its own cgroups, so it sees them as "/" ' +
    '(Linux 4.6+; not in the 2014 format)',
  NEWTIME:
    'a new time namespace, entered by the command at execve; time_offsets shift its clocks ' +
    '(Linux 5.6+; not in the 2014 format)',
};

const ns = (name: (typeof NAMESPACE_NAMES)[number]) =>
  Type.Optional(bool(`CLONE_${name}: ${NAMESPACE_HELP[name]}.`));

export const NamespacesSchema = Type.Object(
  {
    NEWNS: ns('NEWNS'),
    NEWUTS: ns('NEWUTS'),
    NEWIPC: ns('NEWIPC'),
    NEWUSER: ns('NEWUSER'),
    NEWPID: ns('NEWPID'),
    NEWNET: ns('NEWNET'),
    NEWCGROUP: ns('NEWCGROUP'),
    NEWTIME: ns('NEWTIME'),
  },
  {
    additionalProperties: false,
    description:
      'Namespaces to create, as clone flags without the CLONE_ prefix; true enables one. Absent or ' +
      'empty: the container shares every namespace with the host.',
    default: {},
  },
);
annotate(NamespacesSchema, { [DOMAIN]: 'namespace', [EXPECTED]: 'an object such as {"NEWPID": true}' });
export type Namespaces = Static<typeof NamespacesSchema>;

export const ContextSchema = annotate(
  Type.Object(
    {
      mount_label: Type.Optional(
        str('SELinux context added as context="<label>" to the /dev, /dev/shm and /dev/pts mounts.'),
      ),
      process_label: Type.Optional(str('SELinux label the command is executed with (attr/exec).')),
      apparmor_profile: Type.Optional(
        str('AppArmor profile the command is executed under (aa_change_onexec).'),
      ),
      restrictions: Type.Optional(
        str(
          'Any non-empty string (even "false") remounts /proc/sys, /proc/sysrq-trigger, /proc/irq, ' +
            '/proc/bus and /sys read-only and hides /proc/kcore.',
        ),
      ),
    },
    {
      additionalProperties: Type.String(),
      description: 'Container-level string settings (security labels and /proc restrictions).',
      default: {},
    },
  ),
  { [BAG]: true, [EXPECTED]: 'an object of strings' },
);

export const MountSchema = Type.Object(
  {
    type: str('Mount type. Only "bind" is performed; other types are ignored with a warning.', {
      default: 'bind',
      expected: 'a mount type such as "bind"',
    }),
    source: Type.Optional(
      str('Host path to bind-mount; it must exist. Required for bind mounts.', {
        pattern: ABSOLUTE_PATH,
        patternHint: ABSOLUTE_PATH_HINT,
      }),
    ),
    destination: Type.Optional(
      str('Path inside the container; symlinks resolve inside the rootfs, a missing target is created.', {
        pattern: ABSOLUTE_PATH,
        patternHint: ABSOLUTE_PATH_HINT,
      }),
    ),
    writable: Type.Optional(bool('false: the bind mount is made read-only.')),
    private: Type.Optional(bool('true: the mount is made MS_PRIVATE so mount events do not propagate.')),
    uid_mappings: Type.Optional(
      list('uid_mappings', IdMappingSchema, {
        description:
          'nsinit extension: makes the bind an idmapped mount (mount_setattr(2) MOUNT_ATTR_IDMAP) of the ' +
          'whole tree; needs gid_mappings too. A file owned by container_id+k in the source is seen ' +
          'as owned by host_id+k (inside a container user namespace, by what that id maps to there), and ' +
          'files written through the mount are stored the other way round. Ids outside the ranges are ' +
          'seen as the overflow id (65534) and cannot be written by any process of the container.',
      }),
    ),
    gid_mappings: Type.Optional(
      list('gid_mappings', IdMappingSchema, {
        description: 'nsinit extension: the group id mapping of an idmapped bind; needs uid_mappings too.',
      }),
    ),
  },
  { additionalProperties: false, description: 'An extra mount into the container.' },
);
export type Mount = Static<typeof MountSchema>;

const LIMIT = 'a limit (a non-negative integer, or -1 for unlimited)';
export const RlimitSchema = Type.Object(
  {
    type: annotate(
      Type.Enum([...RLIMIT_NAMES], {
        description: 'Resource, e.g. RLIMIT_NOFILE.',
        default: 'RLIMIT_NOFILE',
      }),
      { [EXPECTED]: 'a resource name such as "RLIMIT_NOFILE"', [DOMAIN]: 'resource limit' },
    ),
    hard: int('Hard limit (ceiling for soft); -1 = unlimited (RLIM_INFINITY).', {
      minimum: -1,
      expected: LIMIT,
    }),
    soft: int('Soft limit (the one enforced); -1 = unlimited. Must not exceed hard.', {
      minimum: -1,
      expected: LIMIT,
    }),
  },
  { additionalProperties: false, description: 'A resource limit set with setrlimit(2) before exec.' },
);
export type Rlimit = Static<typeof RlimitSchema>;

export const ContainerConfigSchema = Type.Object(
  {
    $schema: Type.Optional(
      str('Path or URL of this JSON Schema, for editors. Ignored by nsinit.', { expected: 'a path or URL' }),
    ),
    hostname: Type.Optional(
      str('Hostname set with sethostname(2) inside the container; needs NEWUTS. Empty = unchanged.', {
        maxLength: 64,
      }),
    ),
    readonly_fs: Type.Optional(bool('Remount the container root read-only after pivot_root.')),
    no_pivot_root: Type.Optional(
      bool(
        'Use MS_MOVE and chroot instead of pivot_root (for a rootfs on a ramdisk, where pivot_root fails).',
      ),
    ),
    user: Type.Optional(
      str('User to run as: name, uid, name:group or uid:gid, resolved in the container. Empty = root.', {
        pattern: '^([^:\\s]+(:[^:\\s]+)?)?$',
        patternHint: 'expected "user", "uid", "user:group" or "uid:gid"',
      }),
    ),
    working_dir: Type.Optional(
      str('Working directory of the command inside the container. Empty = /.', {
        pattern: '^(/.*)?$',
        patternHint: ABSOLUTE_PATH_HINT,
      }),
    ),
    environment: Type.Optional(
      list(
        'environment',
        str('One NAME=value entry.', {
          maxLength: MAX_ARG_STRING,
          pattern: '^[^=]+=',
          patternHint: 'expected "NAME=value"',
          expected: 'a "NAME=value" string',
        }),
        {
          description:
            'The complete environment of the command as NAME=value entries; PATH is also used to find ' +
            'the command. Nothing is inherited from the caller. Together (bytes, NULs and pointers) the ' +
            "entries may fill at most half of execve's argument space: 1 MiB under the default 8 MiB " +
            'stack limit, a quarter of RLIMIT_STACK when rlimits set it; the other half is for the command line.',
        },
      ),
    ),
    tty: Type.Optional(
      bool(
        'true: a new pseudo-terminal is the console (/dev/console), the stdin/stdout/stderr and the ' +
          'controlling terminal of the command. false: no terminal is made and the command has no ' +
          "controlling terminal; its stdin/stdout/stderr are the caller's: `nsinit exec` passes its own " +
          'file descriptors (a terminal it runs on stays one), the API gives pipes unless its `stdio` ' +
          'option says otherwise.',
      ),
    ),
    namespaces: Type.Optional(NamespacesSchema),
    uid_mappings: uidMappings(),
    gid_mappings: gidMappings(),
    capabilities: Type.Optional(
      list(
        'capabilities',
        annotate(
          Type.Enum([...CAPABILITY_NAMES], {
            description: 'A capability name without the CAP_ prefix.',
            default: 'CHOWN',
          }),
          { [DOMAIN]: 'capability', [EXPECTED]: 'a capability name such as "CHOWN"' },
        ),
        {
          description:
            'Capabilities kept (without CAP_): the bounding, effective and permitted sets are exactly ' +
            'these. The inheritable and ambient sets are always empty, so file capabilities of a ' +
            'program cannot add to them. Absent or empty: every capability is dropped.',
        },
      ),
    ),
    networks: Type.Optional(
      list('networks', NetworkSchema, {
        description: 'Network strategies applied in order. Needs NEWNET to isolate anything.',
      }),
    ),
    routes: Type.Optional(
      list('routes', RouteSchema, { description: 'Routes added inside the container after the networks.' }),
    ),
    cgroups: Type.Optional(CgroupsSchema),
    context: Type.Optional(ContextSchema),
    mounts: Type.Optional(
      list('mounts', MountSchema, { description: 'Extra mounts, after /proc, /sys and /dev.' }),
    ),
    device_nodes: Type.Optional(
      list('device_nodes', DeviceSchema, {
        description:
          'Device nodes created with mknod in the container /dev (a fresh tmpfs). Absent: none, so /dev ' +
          'holds only pts, shm, ptmx, the console and the fd links. Their parent directories below /dev ' +
          'count too: at most 1024 of them.',
      }),
    ),
    rlimits: Type.Optional(
      list('rlimits', RlimitSchema, {
        description: 'Resource limits set before exec (libcontainer v1.4 format). Absent: inherited.',
      }),
    ),
    no_new_privileges: Type.Optional(
      bool('Set PR_SET_NO_NEW_PRIVS so setuid binaries and file capabilities cannot gain privileges.'),
    ),
    domainname: Type.Optional(DomainnameSchema),
    personality: Type.Optional(PersonalitySchema),
    sysctl: Type.Optional(SysctlSchema),
    seccomp: Type.Optional(SeccompSchema),
    time_offsets: Type.Optional(TimeOffsetsSchema),
  },
  {
    $id: SCHEMA_ID,
    title: 'nsinit container.json',
    description:
      'Configuration of one nsinit container (the libcontainer 2014 container.json format). Keys are ' +
      'matched case-insensitively like the 2014 decoder; unknown keys are reported.',
    additionalProperties: false,
  },
);
export type ContainerConfig = Static<typeof ContainerConfigSchema>;
