// What the OCI front end refuses rather than ignore: fields owned by later work and LSM labels
// on a host without that LSM (as
// runc does). Each error names the field's JSON pointer.
import { configError } from '../errors.js';
import type { OciConfigInput } from './oci-input.js';

export function refuse(field: string, what: string): never {
  throw configError(field, what);
}

/** Refuse what belongs to later work. */
export function refuseUnsupported(config: OciConfigInput): void {
  const linux = config.linux ?? {};
  const p = config.process ?? {};
  if (linux.intelRdt !== undefined) refuse('/linux/intelRdt', 'Intel RDT (resctrl) is not supported');
  if (linux.memoryPolicy !== undefined)
    refuse('/linux/memoryPolicy', 'memory policies are not supported yet');
  if (linux.netDevices !== undefined)
    refuse('/linux/netDevices', 'moving network devices is not supported yet');
  if (p.scheduler !== undefined) refuse('/process/scheduler', 'scheduling policies are not supported yet');
  if (p.ioPriority !== undefined) refuse('/process/ioPriority', 'I/O priorities are not supported yet');
  if (p.execCPUAffinity !== undefined)
    refuse('/process/execCPUAffinity', 'CPU affinity for exec is not supported yet');
}

/** LSM labels: as runc, an error naming the field when the host lacks that LSM. */
export function checkLsm(config: OciConfigInput, lsms: readonly string[]): void {
  const labels: [string, string | undefined, string, string][] = [
    ['/process/apparmorProfile', config.process?.apparmorProfile, 'apparmor', 'AppArmor'],
    ['/process/selinuxLabel', config.process?.selinuxLabel, 'selinux', 'SELinux'],
    ['/linux/mountLabel', config.linux?.mountLabel, 'selinux', 'SELinux'],
  ];
  for (const [field, value, lsm, name] of labels) {
    if (value && !lsms.includes(lsm))
      refuse(field, `${name} is not enabled on this host, so '${value}' cannot be applied`);
  }
}
