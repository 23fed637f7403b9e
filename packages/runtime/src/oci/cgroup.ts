// Where an OCI container's cgroup goes and which limits it gets (linux.cgroupsPath and
// linux.resources): mapped onto the cgroup manager's config until the OCI resources work lands.
// cgroupsPath: its last component is the leaf, the rest the parent (runc: relative to the
// hierarchy); absent, the leaf is nsinit-oci-<id> beside the caller's own cgroup.
import { DEFAULT_ALLOWED_DEVICES } from '@nsinit/config';
import type { CgroupConfig } from '../cgroups/index.js';
import { configError } from '../errors.js';
import type { OciSpec } from './spec.js';

export function cgroupConfigOf(spec: OciSpec, id: string): CgroupConfig {
  const linux = spec.linux ?? {};
  const res = linux.resources ?? {};
  const parts = (linux.cgroupsPath ?? '').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw configError('/linux/cgroupsPath', "must not contain '..'");
  const name = parts.pop() ?? `nsinit-oci-${id}`;
  return {
    name,
    parent: parts.join('/'),
    allowed_devices: DEFAULT_ALLOWED_DEVICES.map((d) => ({ ...d })),
    ...(res.memory?.limit !== undefined && res.memory.limit > 0 ? { memory: res.memory.limit } : {}),
    ...(res.memory?.reservation ? { memory_reservation: res.memory.reservation } : {}),
    ...(res.cpu?.shares ? { cpu_shares: res.cpu.shares } : {}),
    ...(res.cpu?.quota ? { cpu_quota: res.cpu.quota } : {}),
    ...(res.cpu?.period ? { cpu_period: res.cpu.period } : {}),
    ...(res.cpu?.cpus ? { cpuset_cpus: res.cpu.cpus } : {}),
    ...(res.pids?.limit !== undefined && res.pids.limit > 0 ? { pids_limit: res.pids.limit } : {}),
  };
}
