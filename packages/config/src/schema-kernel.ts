// nsinit extensions of container.json for the kernel interfaces the 2014 format predates: a
// syscall filter (seccomp(2), the OCI `linux.seccomp` shape), namespaced sysctls (/proc/sys),
// the NIS domain name (setdomainname(2)), the personality(2) domain and the clock offsets of a
// time namespace (time_namespaces(7)). Same meaning as the OCI fields; 2014 key style.
import Type from 'typebox';
import { map, oneOf, text } from './oci/fields.js';
import { OciTimeOffsetsSchema } from './oci/schema-linux.js';
import { OciSeccompSchema } from './oci/schema-seccomp.js';

/** The OCI shape (the same field schemas). */
export const SeccompSchema = Type.Object(OciSeccompSchema.properties, {
  additionalProperties: false,
  description:
    'A syscall filter installed just before the command runs (nsinit extension; the shape of OCI ' +
    'linux.seccomp). Compiled with libseccomp before the container is cloned; SCMP_ACT_NOTIFY sends ' +
    'the listener fd with the container process state to listenerPath. Absent: no filter.',
  default: { defaultAction: 'SCMP_ACT_ALLOW' },
});

export const SysctlSchema = map(
  text('Value written to the sysctl.'),
  'Kernel parameters set in the container (nsinit extension), keyed by name such as ' +
    '"net.ipv4.ip_forward". Only namespaced ones: net.* with NEWNET, kernel.shm*/msg*/sem and ' +
    'fs.mqueue.* with NEWIPC, kernel.hostname/domainname with NEWUTS. Written through the ' +
    "container's own procfs, verified, after pivot_root.",
  'an object of strings',
);

export const DomainnameSchema = text(
  'NIS domain name set with setdomainname(2) inside the container (nsinit extension); needs NEWUTS.',
  { maxLength: 64 },
);

export const PersonalitySchema = oneOf(
  ['LINUX', 'LINUX32'] as const,
  'personality(2) execution domain of the command (nsinit extension): LINUX, or LINUX32 for a ' +
    '32-bit uname.',
  'personality domain',
  '"LINUX" or "LINUX32"',
  'LINUX',
);

export const TimeOffsetsSchema = OciTimeOffsetsSchema;
