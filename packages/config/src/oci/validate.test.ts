// validateOciConfig on real configs (runc spec, containerd CRI, podman) and on the default spec:
// accepted, copied with canonical keys, and with exactly the warnings each one deserves.
import { describe, expect, it } from 'vitest';
import { OCI_FIXTURES } from '../../test/oci-fixtures.js';
import {
  defaultOciSpec,
  formatIssue,
  isOciConfig,
  OCI_CAPABILITY_NAMES,
  validateConfig,
  validateOciConfig,
} from '../index.js';

describe('validateOciConfig on real configs', () => {
  for (const f of OCI_FIXTURES) {
    it(`accepts ${f.name} with no warnings and returns it unchanged`, () => {
      const config = f.config();
      const result = validateOciConfig(config);
      expect(result.warnings.map(formatIssue)).toEqual([]);
      expect(result.ok && result.config).toEqual(config);
      expect(isOciConfig(config)).toBe(true);
    });
  }

  it('is not container.json: the runc spec fails validateConfig with pointers at the OCI keys', () => {
    const result = validateConfig(OCI_FIXTURES[0]!.config(), { strict: true });
    expect(result.ok).toBe(false);
  });
});

describe('defaultOciSpec', () => {
  it('validates with zero warnings, as root and rootless', () => {
    for (const spec of [defaultOciSpec(), defaultOciSpec({ rootless: true, uid: 1000, gid: 1000 })]) {
      const result = validateOciConfig(spec);
      expect(result.warnings).toEqual([]);
      expect(result.ok && result.config).toEqual(spec);
    }
  });

  it('is what runc spec prints, apart from the hostname, version, cgroup namespace and seccomp profile', () => {
    const runc = OCI_FIXTURES.find((f) => f.name === 'runc-spec')!.config();
    const ours = defaultOciSpec() as Record<string, any>;
    expect(ours.linux.seccomp.defaultAction).toBe('SCMP_ACT_ERRNO');
    delete ours.linux.seccomp;
    runc.linux.namespaces = runc.linux.namespaces.filter((n: { type: string }) => n.type !== 'cgroup');
    expect({ ...ours, hostname: 'runc', ociVersion: runc.ociVersion }).toEqual(runc);
  });

  it('rootless: a user namespace mapping the caller to root, no network namespace, /sys bound', () => {
    const spec = defaultOciSpec({ rootless: true, uid: 1000, gid: 100 });
    expect(spec.linux!.namespaces!.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'user']);
    expect(spec.linux!.uidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }]);
    expect(spec.linux!.gidMappings).toEqual([{ containerID: 0, hostID: 100, size: 1 }]);
    expect(spec.linux!.resources).toBeUndefined();
    expect(spec.mounts!.find((m) => m.destination === '/sys')).toMatchObject({
      type: 'none',
      source: '/sys',
    });
    expect(spec.mounts!.flatMap((m) => m.options ?? []).filter((o) => /^[ug]id=/.test(o))).toEqual([]);
  });

  it('returns a fresh object each time', () => {
    const a = defaultOciSpec();
    a.process!.args!.push('x');
    a.linux!.maskedPaths!.pop();
    expect(defaultOciSpec().process!.args).toEqual(['sh']);
    expect(defaultOciSpec().linux!.maskedPaths).toContain('/sys/devices/virtual/tpm');
  });
});

describe('validateOciConfig result', () => {
  it('never throws on non-objects and says what a config is', () => {
    for (const v of [null, 1, 'x', [], true]) {
      const r = validateOciConfig(v);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.errors[0]!.message).toMatch(/^expected an object \(an OCI config.json\), got/);
    }
  });

  it('reads keys case-insensitively like Go, with a warning, and reports in the input spelling', () => {
    const spec = defaultOciSpec() as Record<string, any>;
    spec.Process = spec.process;
    delete spec.process;
    spec.Process.CWD = 'relative';
    delete spec.Process.cwd;
    const r = validateOciConfig(spec);
    expect(r.warnings.map(formatIssue)).toEqual([
      '/Process: key differs from "process" only by case; read as "process"',
      '/Process/CWD: key differs from "cwd" only by case; read as "cwd"',
    ]);
    expect(!r.ok && r.errors.map(formatIssue)).toEqual([
      '/Process/CWD: expected an absolute path (starting with "/"), got "relative"',
    ]);
  });

  it('keeps annotation, sysctl and unified keys exactly as written, without warnings', () => {
    const spec = defaultOciSpec();
    spec.annotations = { 'Org.Example/Key': 'v', ociversion: 'not the version' };
    spec.linux!.sysctl = { 'net.ipv4.IP_FORWARD': '1' };
    const r = validateOciConfig(spec);
    expect(r.warnings).toEqual([]);
    expect(r.ok && r.config.annotations).toEqual(spec.annotations);
    expect(r.ok && r.config.linux!.sysctl).toEqual(spec.linux!.sysctl);
  });

  it('drops well-formed unknown capabilities with a warning (the spec says warn), keeps the rest', () => {
    const spec = defaultOciSpec();
    spec.process!.capabilities!.bounding = [
      'CAP_KILL',
      'CAP_SYS_ADMN' as never,
      'CAP_FROM_THE_FUTURE' as never,
    ];
    const r = validateOciConfig(spec);
    expect(r.warnings.map(formatIssue)).toEqual([
      '/process/capabilities/bounding/1: unknown capability, ignored; did you mean CAP_SYS_ADMIN?',
      '/process/capabilities/bounding/2: unknown capability, ignored',
    ]);
    expect(r.ok && r.config.process!.capabilities!.bounding).toEqual(['CAP_KILL']);
    expect(isOciConfig(spec)).toBe(false);
    expect(OCI_CAPABILITY_NAMES).toContain('CAP_CHECKPOINT_RESTORE');
  });

  it('strict mode turns unknown keys into errors', () => {
    const spec = defaultOciSpec() as Record<string, any>;
    spec.hostnmae = 'x';
    const r = validateOciConfig(spec, { strict: true });
    expect(!r.ok && r.errors.map(formatIssue)).toEqual(['/hostnmae: unknown key; did you mean "hostname"?']);
  });
});
