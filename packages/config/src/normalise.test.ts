// 2014 decoding rules (case-insensitive keys, null = absent), unknown-key reporting, strict mode,
// semantic warnings and hostile input.
import { describe, expect, it } from 'vitest';
import { fullConfig } from '../test/fixtures.js';
import { formatIssue, validateConfig } from './index.js';

type Mutable = Record<string, any>;

const NS = { NEWNS: true, NEWUTS: true, NEWNET: true };

function warningsOf(input: unknown, strict = false) {
  const result = validateConfig(input, { strict });
  return {
    result,
    warnings: result.warnings.map(formatIssue),
    errors: result.ok ? [] : result.errors.map(formatIssue),
  };
}

describe('unknown keys', () => {
  it('warns with a closest-match hint and drops the key', () => {
    const { result, warnings } = warningsOf({ namespaces: NS, hostnme: 'x' });
    expect(warnings).toEqual(['/hostnme: unknown key, ignored; did you mean "hostname"?']);
    expect(result.ok && result.config).toEqual({ namespaces: NS });
    expect(result.warnings[0]!.value).toBe('x');
  });

  it('warns without a hint when nothing is close', () => {
    expect(warningsOf({ namespaces: NS, zzzzzzzzzz: 1 }).warnings).toEqual([
      '/zzzzzzzzzz: unknown key, ignored',
    ]);
  });

  it('reports nested unknown keys with their full path', () => {
    const c = fullConfig() as Mutable;
    c.cgroups.memroy = 5;
    c.networks[1].adress = '1.2.3.4/8';
    c.rlimits[0].sfot = 1;
    expect(warningsOf(c).warnings).toEqual([
      '/networks/1/adress: unknown key, ignored; did you mean "address"?',
      '/cgroups/memroy: unknown key, ignored; did you mean "memory"?',
      '/rlimits/0/sfot: unknown key, ignored; did you mean "soft"?',
    ]);
  });

  it('become errors in strict mode', () => {
    const { result, errors, warnings } = warningsOf({ namespaces: NS, hostnme: 'x' }, true);
    expect(result.ok).toBe(false);
    expect(errors).toEqual(['/hostnme: unknown key; did you mean "hostname"?']);
    expect(warnings).toEqual([]);
  });

  it('in context maps are kept, since the map is free-form, but still reported', () => {
    const c = fullConfig() as Mutable;
    c.context.restriction = 'true';
    c.networks[1].context.brigde = 'br0';
    const { result, warnings } = warningsOf(c);
    expect(warnings).toEqual([
      '/networks/1/context/brigde: unknown key, not used by nsinit; did you mean "bridge"?',
      '/context/restriction: unknown key, not used by nsinit; did you mean "restrictions"?',
    ]);
    expect(result.ok && result.config.context).toEqual({ ...fullConfig().context, restriction: 'true' });
    expect(warningsOf(c, true).errors).toHaveLength(2);
  });

  it('cannot pollute prototypes', () => {
    const input = JSON.parse(
      '{"namespaces":{"NEWNS":true},"__proto__":{"polluted":1},"context":{"__proto__":"x"}}',
    );
    const { result, warnings } = warningsOf(input);
    expect(warnings).toEqual([
      '/__proto__: unknown key, ignored',
      '/context/__proto__: unknown key, not used by nsinit',
    ]);
    expect(result.ok).toBe(true);
    expect(({} as Mutable).polluted).toBeUndefined();
    if (result.ok) {
      expect(Object.getPrototypeOf(result.config)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(result.config.context)).toBe(Object.prototype);
      expect(Object.hasOwn(result.config.context!, '__proto__')).toBe(true);
    }
  });
});

describe('2014 decoding rules', () => {
  it('matches struct keys case-insensitively, canonicalises them and warns', () => {
    const { result, warnings } = warningsOf({
      Namespaces: NS,
      HostName: 'h',
      CGROUPS: { Name: 'n', MEMORY: 5 },
    });
    expect(result.ok && result.config).toEqual({
      namespaces: NS,
      hostname: 'h',
      cgroups: { name: 'n', memory: 5 },
    });
    expect(warnings).toEqual([
      '/Namespaces: key differs from "namespaces" only by case; read as "namespaces"',
      '/HostName: key differs from "hostname" only by case; read as "hostname"',
      '/CGROUPS: key differs from "cgroups" only by case; read as "cgroups"',
      '/CGROUPS/Name: key differs from "name" only by case; read as "name"',
      '/CGROUPS/MEMORY: key differs from "memory" only by case; read as "memory"',
    ]);
  });

  it('treats a case-only match as an error in strict mode', () => {
    expect(warningsOf({ namespaces: NS, HostName: 'h' }, true).errors).toEqual([
      '/HostName: key differs from "hostname" only by case; read as "hostname"',
    ]);
  });

  it('treats null as absent', () => {
    const input = {
      namespaces: NS,
      hostname: null,
      cgroups: { name: 'n', memory: null },
      capabilities: null,
    };
    const { result, warnings } = warningsOf(input);
    expect(warnings).toEqual([]);
    expect(result.ok && result.config).toEqual({ namespaces: NS, cgroups: { name: 'n' } });
  });

  it('keeps false and zero values as given (absent stays absent, present stays present)', () => {
    const input = { namespaces: { ...NS, NEWPID: false }, tty: false, cgroups: { name: 'n', memory: 0 } };
    const result = validateConfig(input);
    expect(result.ok && result.config).toEqual(input);
  });

  it('does not fill defaults', () => {
    const result = validateConfig({ namespaces: NS });
    expect(result.ok && Object.keys(result.config)).toEqual(['namespaces']);
  });
});

describe('semantic warnings', () => {
  it('warns that a hostname without NEWUTS would rename the host', () => {
    expect(warningsOf({ namespaces: { NEWNS: true }, hostname: 'h' }).warnings).toEqual([
      '/hostname: NEWUTS is not enabled, so setting the hostname would rename the host',
    ]);
  });

  it('warns that loopback and routes without NEWNET touch the host network', () => {
    const input = {
      namespaces: { NEWNS: true },
      networks: [{ type: 'loopback', mtu: 1500 }],
      routes: [{ gateway: '10.0.0.1', interface_name: 'eth0' }],
    };
    expect(warningsOf(input).warnings).toEqual([
      "/networks/0: NEWNET is not enabled, so this reconfigures the host's lo",
      "/routes/0: NEWNET is not enabled, so this route is added to the host's table",
    ]);
  });

  it('warns about mount types other than bind', () => {
    const input = { namespaces: NS, mounts: [{ type: 'devtmpfs' }] };
    const { result, warnings } = warningsOf(input);
    expect(result.ok).toBe(true);
    expect(warnings).toEqual([
      '/mounts/0/type: mount type "devtmpfs" is ignored; only "bind" mounts are performed',
    ]);
  });

  it('warns about duplicate environment variables and capabilities', () => {
    const input = { namespaces: NS, environment: ['A=1', 'B=2', 'A=3'], capabilities: ['KILL', 'KILL'] };
    expect(warningsOf(input).warnings).toEqual([
      '/environment/2: duplicate environment variable A',
      '/capabilities/1: duplicate capability KILL',
    ]);
  });

  it('keeps semantic warnings as warnings in strict mode', () => {
    const { result, warnings } = warningsOf({ namespaces: { NEWNS: true }, hostname: 'h' }, true);
    expect(result.ok).toBe(true);
    expect(warnings).toHaveLength(1);
  });
});

describe('hostile input', () => {
  it('survives deep nesting and huge keys without throwing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const huge = 'k'.repeat(1_000_000);
    const input = { namespaces: NS, deep, [huge]: 1, hostname: 5, cgroups: { name: deep } };
    const started = performance.now();
    const result = validateConfig(input);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(['/hostname', '/cgroups/name']);
    expect(result.warnings.map((w) => w.message)).toEqual(['unknown key, ignored', 'unknown key, ignored']);
  });

  it('treats undefined (from JS callers) like null: absent', () => {
    const result = validateConfig({
      namespaces: NS,
      hostname: undefined,
      context: { restrictions: undefined },
    });
    expect(result.ok && result.config).toEqual({ namespaces: NS, context: {} });
  });
});

describe('paths of issues under keys spelt another way', () => {
  it('point at the key as written in the input', () => {
    const input = {
      Namespaces: { NEWNS: true },
      CGROUPS: { Name: 'x', Allowed_Devices: [{ type: 99, Major_Number: 5000 }] },
    };
    const result = validateConfig(input);
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([
      '/CGROUPS/Allowed_Devices/0/cgroup_permissions: missing required field; expected a combination of "r", "w" and "m"',
      '/CGROUPS/Allowed_Devices/0/Major_Number: must be at most 4095, got 5000',
    ]);
  });

  it('also for semantic warnings', () => {
    const result = validateConfig({ namespaces: { NEWNS: true }, HOSTNAME: 'h' });
    expect(result.warnings.map(formatIssue)).toEqual([
      '/HOSTNAME: key differs from "hostname" only by case; read as "hostname"',
      '/HOSTNAME: NEWUTS is not enabled, so setting the hostname would rename the host',
    ]);
  });
});
