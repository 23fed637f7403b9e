// Real-world config.json fixtures, written by hand from what each tool generates: `runc spec`
// (runc's specconv example), containerd's CRI plugin for a Kubernetes pod container, and `podman
// run` (with its default seccomp profile, trimmed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_DIR } from './fixtures.js';

export const OCI_FIXTURE_DIR = join(PACKAGE_DIR, 'test', 'oci');

export const OCI_FIXTURES = ['runc-spec', 'containerd-cri', 'podman'].map((name) => ({
  name,
  path: join(OCI_FIXTURE_DIR, `${name}.json`),
  /** A fresh parsed copy. */
  config: (): Record<string, any> => JSON.parse(readFileSync(join(OCI_FIXTURE_DIR, `${name}.json`), 'utf8')),
}));
