// The `cgroups` object of container.json: where the container's control groups live and the limits
// written into them (cgroups(7); v1 file names such as memory.limit_in_bytes, mapped to v2 files by
// the runtime). Zero means "leave the kernel default".
import Type, { type Static } from 'typebox';
import { annotate, DOMAIN, EXPECTED } from './annotations.js';
import { bool, int, list, str } from './fields.js';
import { DeviceSchema } from './schema-devices.js';

const BYTES = 'a number of bytes';

export const CgroupsSchema = Type.Object(
  {
    name: Type.Optional(
      str('Leaf cgroup name (a single path component). Required when cgroups is set.', {
        pattern: '^[^/]+$',
        patternHint: 'expected a single path component (no "/")',
      }),
    ),
    parent: Type.Optional(str('Parent cgroup path the container cgroup is created under, e.g. docker.')),
    allow_all_devices: Type.Optional(
      bool('If true, the devices cgroup is left unrestricted and allowed_devices is ignored.'),
    ),
    allowed_devices: Type.Optional(
      list('allowed_devices', DeviceSchema, {
        description:
          'Devices cgroup whitelist: everything is denied, then each entry is allowed as "<type> ' +
          '<major>:<minor> <permissions>" (-1 written as *).',
      }),
    ),
    memory: Type.Optional(
      int('Memory limit in bytes (memory.limit_in_bytes). 0 = unlimited.', { minimum: -1, expected: BYTES }),
    ),
    memory_reservation: Type.Optional(
      int('Soft memory limit in bytes (memory.soft_limit_in_bytes). 0 = unset.', {
        minimum: -1,
        expected: BYTES,
      }),
    ),
    memory_swap: Type.Optional(
      int(
        'Memory plus swap limit in bytes (memory.memsw.limit_in_bytes). 0 = twice memory when memory is ' +
          'set; -1 = unlimited swap.',
        { minimum: -1, expected: BYTES },
      ),
    ),
    cpu_shares: Type.Optional(
      int('Relative CPU weight (cpu.shares; 1024 is the kernel default). 0 = unset.', {
        minimum: 0,
        expected: 'a CPU share count',
      }),
    ),
    cpu_quota: Type.Optional(
      int(
        'CPU time in microseconds the cgroup may use per period (cpu.cfs_quota_us). 0 = unset, -1 = no limit.',
        {
          minimum: -1,
          expected: 'a number of microseconds',
        },
      ),
    ),
    cpu_period: Type.Optional(
      int('Length of a CPU quota period in microseconds (cpu.cfs_period_us), 1000-1000000. 0 = unset.', {
        minimum: 0,
        maximum: 1_000_000,
        expected: 'a number of microseconds',
      }),
    ),
    cpuset_cpus: Type.Optional(
      str('CPUs the container may run on (cpuset.cpus), e.g. "0-1,3". Empty = all.', {
        pattern: '^(\\d+(-\\d+)?(,\\d+(-\\d+)?)*)?$',
        patternHint: 'expected a CPU list such as "0-1,3"',
      }),
    ),
    freezer: Type.Optional(
      annotate(
        Type.Enum(['FROZEN', 'THAWED', ''], {
          description: 'Initial freezer state (freezer.state): FROZEN or THAWED; empty = just join.',
          default: '',
        }),
        { [EXPECTED]: 'one of "FROZEN", "THAWED", ""', [DOMAIN]: 'freezer state' },
      ),
    ),
    slice: Type.Optional(str('systemd only: the slice the scope is placed in instead of system.slice.')),
    pids_limit: Type.Optional(
      int('Maximum number of processes (pids.max). 0 = unlimited. Not in the 2014 format.', {
        minimum: 0,
        expected: 'a number of processes',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Control groups for the container. Absent: no cgroup is created at all.',
  },
);
export type Cgroups = Static<typeof CgroupsSchema>;
