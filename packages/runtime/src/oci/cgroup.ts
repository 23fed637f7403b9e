// Where an OCI container's cgroup goes when linux.cgroupsPath is absent: runc uses the bare id
// (relative); ids are unique per --root only, so two roots (two engines, parallel tests) could
// collide on it. nsinit-oci names the leaf nsinit-oci-<hash of --root>-<id>, relative likewise.
import { crypto } from '../builtins.js';

export function defaultCgroupsPath(root: string, id: string): string {
  const rootHash = crypto().createHash('sha256').update(root).digest('hex').slice(0, 8);
  return `nsinit-oci-${rootHash}-${id}`;
}
