// Cost of validating an OCI config.json (runs on every `nsinit-oci create`): real configs from
// podman (with its seccomp profile) and containerd, one with every field, and an error path.
// Run: pnpm --filter @nsinit/config bench
import { bench, describe } from 'vitest';
import { defaultOciSpec, validateOciConfig } from '../src/index.js';
import { fullOciConfig, OCI_FIXTURES } from '../test/oci-fixtures.js';

const byName = (name: string) => OCI_FIXTURES.find((f) => f.name === name)!.config();
const podman = byName('podman');
const containerd = byName('containerd-cri');
const full = fullOciConfig();
const broken = {
  ...defaultOciSpec(),
  ociVersion: '1.3.0',
  hostnme: 'x',
  linux: { namespaces: [{ type: 'pdi' }] },
};

describe('validateOciConfig', () => {
  bench('podman run (seccomp profile)', () => {
    validateOciConfig(podman);
  });
  bench('containerd CRI container', () => {
    validateOciConfig(containerd);
  });
  bench('every field set', () => {
    validateOciConfig(full);
  });
  bench('3 issues (error path)', () => {
    validateOciConfig(broken);
  });
});
