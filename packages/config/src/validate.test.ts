// validateConfig results: shape, values carried, document order, every field accepted and rejected.
import { describe, expect, it } from 'vitest';
import { fullConfig } from '../test/fixtures.js';
import { type ContainerConfig, formatIssue, isContainerConfig, validateConfig } from './index.js';

type Mutable = Record<string, any>;

describe('validateConfig: results', () => {
  it('rejects a document that is not an object', () => {
    for (const doc of [[], 'x', 1, null, undefined, true]) {
      const result = validateConfig(doc);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors).toHaveLength(1);
    }
    const result = validateConfig([]);
    expect(!result.ok && formatIssue(result.errors[0]!)).toBe(
      '/: expected an object (a container config), got an array',
    );
  });

  it('carries the offending value on each issue', () => {
    const input = fullConfig() as Mutable;
    input.cgroups.memory = '512m';
    input.capabilities.push('CAP_KILL');
    const result = validateConfig(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { path: '/capabilities/6', message: 'unknown capability; did you mean KILL?', value: 'CAP_KILL' },
      { path: '/cgroups/memory', message: 'expected a number of bytes, got "512m"', value: '512m' },
    ]);
  });

  it('reports every problem at once, in document order', () => {
    const input = fullConfig() as Mutable;
    input.rlimits[0].type = 'NOFILE';
    input.hostname = 1;
    input.namespaces.NEWPDI = true;
    input.networks[1].address = 'x';
    const result = validateConfig(input);
    expect(!result.ok && result.errors.map((e) => e.path)).toEqual([
      '/hostname',
      '/namespaces/NEWPDI',
      '/networks/1/address',
      '/rlimits/0/type',
    ]);
  });

  it('does not modify its input and returns a copy', () => {
    const input = fullConfig();
    const before = structuredClone(input);
    const result = validateConfig(input);
    expect(input).toEqual(before);
    expect(result.ok && result.config).not.toBe(input);
    expect(result.ok && result.config.cgroups).not.toBe(input.cgroups);
  });

  it('accepts every field of the format and keeps each value', () => {
    const full = fullConfig();
    const result = validateConfig(full);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toEqual(full);
    expect(isContainerConfig(result.config)).toBe(true);
  });

  it('accepts each top-level field on its own', () => {
    const full = fullConfig() as Mutable;
    const base = { namespaces: { NEWNS: true, NEWUTS: true, NEWNET: true, NEWTIME: true } };
    for (const key of Object.keys(full)) {
      const input: Mutable = { ...structuredClone(base), [key]: structuredClone(full[key]) };
      if (key === 'namespaces') input.namespaces = { ...full.namespaces };
      // NEWUSER and its two maps go together.
      if (key === 'namespaces' || key === 'uid_mappings' || key === 'gid_mappings')
        Object.assign(input, {
          namespaces: { ...input.namespaces, NEWUSER: true },
          uid_mappings: full.uid_mappings,
          gid_mappings: full.gid_mappings,
        });
      const result = validateConfig(input);
      expect({ key, errors: result.ok ? [] : result.errors }).toEqual({ key, errors: [] });
    }
  });

  it('accepts an empty config (every field absent), warning that NEWNS is off', () => {
    const result = validateConfig({});
    expect(result).toEqual({
      ok: true,
      config: {},
      warnings: [
        {
          path: '/namespaces',
          message: 'NEWNS is not enabled, so mounts and pivot_root would act on the host mount namespace',
        },
      ],
    });
  });

  it('accepts the limits at the edges of their ranges', () => {
    const c = fullConfig() as Mutable;
    c.networks[0].mtu = 2 ** 31 - 1; // lo has no max_mtu: dev_set_mtu takes any int
    c.networks[1].mtu = 65535;
    c.device_nodes[0].major_number = 4095;
    c.device_nodes[0].minor_number = 1048575;
    c.device_nodes[0].file_mode = 0o7777;
    c.cgroups.cpu_period = 1000;
    c.cgroups.cpu_quota = -1;
    c.cgroups.allowed_devices[0] = { type: 99, major_number: -1, minor_number: -1, cgroup_permissions: 'm' };
    c.hostname = 'h'.repeat(64);
    c.rlimits[0] = { type: 'RLIMIT_NOFILE', hard: -1, soft: 10 };
    const result = validateConfig(c);
    expect(result.ok ? [] : result.errors).toEqual([]);
    c.networks[0].mtu = 68;
    const low = validateConfig(c);
    expect(low.ok ? [] : low.errors).toEqual([]);
  });

  it('fails every leaf field given a value of the wrong type', () => {
    const full = fullConfig() as Mutable;
    const leaves: string[][] = [];
    const walk = (value: unknown, path: string[]) => {
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) walk(v, [...path, String(i)]);
      } else if (typeof value === 'object' && value !== null) {
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      } else leaves.push(path);
    };
    walk(full, []);
    expect(leaves.length).toBeGreaterThan(70);
    for (const path of leaves) {
      const c = fullConfig() as Mutable;
      let target = c;
      for (const token of path.slice(0, -1)) target = target[token];
      target[path.at(-1)!] = { wrong: 'type' };
      const result = validateConfig(c);
      const pointer = `/${path.join('/')}`;
      expect({ pointer, ok: result.ok }).toEqual({ pointer, ok: false });
      if (result.ok) continue;
      const issue = result.errors.find((e) => e.path === pointer);
      expect(issue?.message, pointer).toMatch(/^expected .+, got an object$/);
    }
  });
});

describe('ContainerConfig type', () => {
  it('is inferred from the schema', () => {
    const c: ContainerConfig = {
      namespaces: { NEWPID: true },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1, soft: 1 }],
    };
    expect(isContainerConfig(c)).toBe(true);
  });
});
