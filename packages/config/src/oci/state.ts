// The OCI state document (the runtime-spec runtime document "State"): what `nsinit-oci state` prints and what
// hooks read on stdin. `paused` is runc's addition for a frozen cgroup (cgroup freezer).
import type { OCI_VERSION } from './schema.js';

export const OCI_STATUSES = ['creating', 'created', 'running', 'paused', 'stopped'] as const;
export type OciStatus = (typeof OCI_STATUSES)[number];

export interface OciState {
  /** The runtime-spec version of this document (nsinit-oci writes OCI_VERSION). */
  ociVersion: typeof OCI_VERSION | (string & {});
  /** The container id, unique on this host under --root. */
  id: string;
  status: OciStatus;
  /** Host pid of the container init; present while it exists (created, running, paused). */
  pid?: number;
  /** Absolute path of the bundle directory. */
  bundle: string;
  /** The config's annotations, copied. */
  annotations?: Record<string, string>;
}
