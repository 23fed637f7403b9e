// The features document builder and the state document type: what `nsinit-oci features` and
// `state` print, shaped as the runtime-spec features document and the runtime-spec runtime document say.
import { describe, expect, it } from 'vitest';
import {
  buildOciFeatures,
  HOOK_NAMES,
  OCI_CAPABILITY_NAMES,
  OCI_MOUNT_OPTIONS,
  OCI_STATUSES,
  OCI_VERSION,
  type OciState,
  validateOciConfig,
} from '../index.js';

describe('buildOciFeatures', () => {
  it('fills the version range and the capability table, and copies what the caller says', () => {
    const hooks = [...HOOK_NAMES];
    const doc = buildOciFeatures({
      hooks,
      mountOptions: [...OCI_MOUNT_OPTIONS],
      linux: {
        namespaces: ['pid', 'mount'],
        cgroup: { v1: true, v2: true, systemd: false },
        seccomp: { enabled: false },
      },
      annotations: { 'org.nsinit.version': '0.0.0' },
      potentiallyUnsafeConfigAnnotations: ['org.nsinit.'],
    });
    expect(doc).toMatchObject({
      ociVersionMin: '1.0.0',
      ociVersionMax: OCI_VERSION,
      hooks: [...HOOK_NAMES],
      linux: {
        namespaces: ['pid', 'mount'],
        cgroup: { v1: true, v2: true, systemd: false },
        seccomp: { enabled: false },
      },
      annotations: { 'org.nsinit.version': '0.0.0' },
      potentiallyUnsafeConfigAnnotations: ['org.nsinit.'],
    });
    expect(doc.linux!.capabilities).toEqual([...OCI_CAPABILITY_NAMES]);
    hooks.pop();
    expect(doc.hooks).toHaveLength(HOOK_NAMES.length);
    // JSON-serialisable as is.
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('claims exactly the versions validateOciConfig accepts at both ends', () => {
    const doc = buildOciFeatures({ hooks: [], mountOptions: [], linux: {} });
    const config = (v: string) => ({ ociVersion: v, root: { path: 'rootfs' } });
    expect(validateOciConfig(config(doc.ociVersionMin)).ok).toBe(true);
    expect(validateOciConfig(config(doc.ociVersionMax)).ok).toBe(true);
    expect(validateOciConfig(config('1.2.99')).ok).toBe(true);
    expect(validateOciConfig(config('1.3.0')).ok).toBe(false);
    expect(validateOciConfig(config('0.6.0')).ok).toBe(false);
  });

  it('lists every mount option runtime-spec names for Linux, each once', () => {
    expect(new Set(OCI_MOUNT_OPTIONS).size).toBe(OCI_MOUNT_OPTIONS.length);
    for (const o of ['bind', 'rbind', 'ro', 'nosuid', 'nodev', 'noexec', 'relatime', 'rprivate', 'idmap']) {
      expect(OCI_MOUNT_OPTIONS).toContain(o);
    }
  });
});

describe('OciState', () => {
  it("has the statuses of the runtime-spec runtime document plus runc's paused", () => {
    expect([...OCI_STATUSES].sort()).toEqual(['created', 'creating', 'paused', 'running', 'stopped']);
    const state: OciState = {
      ociVersion: OCI_VERSION,
      id: 'web',
      status: 'created',
      pid: 4242,
      bundle: '/b',
    };
    expect(Object.keys(state)).toEqual(['ociVersion', 'id', 'status', 'pid', 'bundle']);
  });
});
