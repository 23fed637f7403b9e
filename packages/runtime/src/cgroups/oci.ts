// What the OCI front end (`nsinit-oci`) and the plan compiler use of the cgroup layer: the
// resources model and its two sources, the container cgroup's create/open/update/destroy, its
// processes, and runc-shaped statistics.
export { cgroupPids, destroyCgroup, signalAll } from './cgroup-procs.js';
export { name2014, resourcesFrom2014 } from './limits.js';
export {
  type CreateOptions,
  cgroupLocation,
  checkOciResources,
  createOciCgroup,
  OCI_V1_CONTROLLERS,
  openCgroup,
  updateCgroup,
} from './oci-cgroup.js';
export {
  type BlockIoResources,
  type CpuResources,
  checkResources,
  type DeviceRule,
  type FieldNamer,
  type MemoryResources,
  ociField,
  type Resources,
  type ThrottleDevice,
  type WeightDevice,
} from './resources.js';
export { DEFAULT_DEVICE_RULES, resourcesFromOci } from './resources-oci.js';
export { exactJson, type RuncStats, readRuncStats, runcStatsEvent } from './runc-stats.js';
export {
  parseSize,
  resourcesFromUpdateFlags,
  resourcesFromUpdateJson,
  UPDATE_FLAGS,
  type UpdateFlag,
} from './update-flags.js';
