// Name and device tables, checked against the kernel's uapi headers and the 2014 sample, and
// defaultConfig().
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SKIP_SAMPLE, sampleText } from '../test/fixtures.js';
import {
  CAPABILITY_NAMES,
  DEFAULT_ALLOWED_DEVICES,
  DEFAULT_AUTO_CREATED_DEVICES,
  DEFAULT_SIMPLE_DEVICES,
  type Device,
  defaultConfig,
  NAMESPACE_NAMES,
  RLIMIT_NAMES,
  validateConfig,
} from './index.js';

const CAP_HEADER = '/usr/include/linux/capability.h';
const RLIMIT_HEADER = '/usr/include/asm-generic/resource.h';

/** `#define NAME number` pairs of a kernel uapi header. */
function defines(file: string, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^#\\s*define\\s+${prefix}(\\w+)\\s+(\\d+)\\b`, 'gm');
  for (const m of readFileSync(file, 'utf8').matchAll(re)) out.set(m[1]!, Number(m[2]));
  return out;
}

// The 2014 types.go capabilityList, which every name must still validate against.
const CAPS_2014 =
  'SETPCAP SYS_MODULE SYS_RAWIO SYS_PACCT SYS_ADMIN SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD AUDIT_WRITE ' +
  'AUDIT_CONTROL MAC_OVERRIDE MAC_ADMIN NET_ADMIN SYSLOG SETUID SETGID CHOWN NET_RAW DAC_OVERRIDE FOWNER ' +
  'DAC_READ_SEARCH FSETID KILL LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST IPC_LOCK IPC_OWNER SYS_CHROOT ' +
  'SYS_PTRACE SYS_BOOT LEASE SETFCAP WAKE_ALARM BLOCK_SUSPEND';

describe('name tables', () => {
  it('lists the 2014 namespaces plus NEWCGROUP and NEWTIME', () => {
    expect(NAMESPACE_NAMES).toEqual([
      'NEWNS',
      'NEWUTS',
      'NEWIPC',
      'NEWUSER',
      'NEWPID',
      'NEWNET',
      'NEWCGROUP',
      'NEWTIME',
    ]);
  });

  it('lists every 2014 capability and ends at CHECKPOINT_RESTORE', () => {
    for (const name of CAPS_2014.split(' ')) expect(CAPABILITY_NAMES).toContain(name);
    expect(CAPABILITY_NAMES.at(-1)).toBe('CHECKPOINT_RESTORE');
    expect(new Set(CAPABILITY_NAMES).size).toBe(CAPABILITY_NAMES.length);
  });

  it('orders capabilities by their kernel number (linux/capability.h)', (ctx) => {
    if (!existsSync(CAP_HEADER)) return ctx.skip(`${CAP_HEADER} absent (linux-libc-dev not installed)`);
    const kernel = defines(CAP_HEADER, 'CAP_');
    for (const [i, name] of CAPABILITY_NAMES.entries()) expect([name, kernel.get(name)]).toEqual([name, i]);
    for (const [name, n] of kernel) expect([n, name]).toEqual([n, CAPABILITY_NAMES[n]]);
  });

  it('orders resource limits by their kernel number (asm-generic/resource.h)', (ctx) => {
    if (!existsSync(RLIMIT_HEADER)) return ctx.skip(`${RLIMIT_HEADER} absent (linux-libc-dev not installed)`);
    const kernel = defines(RLIMIT_HEADER, 'RLIMIT_');
    for (const [i, name] of RLIMIT_NAMES.entries()) {
      expect([name, kernel.get(name.slice('RLIMIT_'.length))]).toEqual([name, i]);
    }
    for (const [name, n] of kernel) expect([n, `RLIMIT_${name}`]).toEqual([n, RLIMIT_NAMES[n]]);
  });
});

/** Go's omitempty dropped zero minors: compare devices with the zero filled in. */
const filled = (d: Device) => ({ minor_number: 0, ...d });

describe('2014 device lists', () => {
  it('match the lists the 2014 sample was generated from', (ctx) => {
    const text = sampleText();
    if (text === undefined) return ctx.skip(SKIP_SAMPLE);
    const sample = JSON.parse(text) as { cgroups: { allowed_devices: Device[] }; device_nodes: Device[] };
    expect(DEFAULT_ALLOWED_DEVICES.map(filled)).toEqual(sample.cgroups.allowed_devices.map(filled));
    expect(DEFAULT_AUTO_CREATED_DEVICES.map(filled)).toEqual(sample.device_nodes.map(filled));
  });

  it('hold the six simple devices, mode 0666', () => {
    expect(DEFAULT_SIMPLE_DEVICES.map((d) => `${d.path} ${d.major_number}:${d.minor_number}`)).toEqual([
      '/dev/null 1:3',
      '/dev/zero 1:5',
      '/dev/full 1:7',
      '/dev/tty 5:0',
      '/dev/urandom 1:9',
      '/dev/random 1:8',
    ]);
    for (const d of DEFAULT_SIMPLE_DEVICES)
      expect(d).toMatchObject({ type: 99, file_mode: 0o666, cgroup_permissions: 'rwm' });
  });

  it('are frozen so no caller can change them for everyone', () => {
    expect(Object.isFrozen(DEFAULT_ALLOWED_DEVICES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_ALLOWED_DEVICES[0])).toBe(true);
    expect(() => (DEFAULT_SIMPLE_DEVICES as Device[]).push(DEFAULT_SIMPLE_DEVICES[0]!)).toThrow(TypeError);
  });
});

describe('defaultConfig', () => {
  it('is valid with no warnings, also in strict mode', () => {
    const result = validateConfig(defaultConfig(), { strict: true });
    expect(result).toEqual({ ok: true, config: defaultConfig(), warnings: [] });
  });

  it('--rootless: the same in a user namespace mapping only the caller, without cgroups; valid', () => {
    const c = defaultConfig({ rootless: true, uid: 1000, gid: 100 });
    expect(c.namespaces).toEqual({ ...defaultConfig().namespaces, NEWUSER: true });
    expect(c.uid_mappings).toEqual([{ container_id: 0, host_id: 1000, size: 1 }]);
    expect(c.gid_mappings).toEqual([{ container_id: 0, host_id: 100, size: 1 }]);
    expect(c.cgroups).toBeUndefined();
    expect(c.networks).toEqual([{ type: 'loopback', mtu: 1500 }]);
    expect(validateConfig(c, { strict: true })).toEqual({ ok: true, config: c, warnings: [] });
  });

  it('uses what Docker ran in 2014: namespaces, capabilities, devices and restrictions', (ctx) => {
    const c = defaultConfig();
    expect(c.namespaces).toEqual({ NEWNS: true, NEWUTS: true, NEWIPC: true, NEWPID: true, NEWNET: true });
    expect(c.device_nodes).toEqual(DEFAULT_AUTO_CREATED_DEVICES);
    expect(c.cgroups?.allowed_devices).toEqual(DEFAULT_ALLOWED_DEVICES);
    expect(c.context).toEqual({ restrictions: 'true' });
    const text = sampleText();
    if (text === undefined) return ctx.skip(SKIP_SAMPLE);
    expect(c.capabilities).toEqual((JSON.parse(text) as { capabilities: string[] }).capabilities);
  });

  it('returns a fresh object each call', () => {
    const a = defaultConfig();
    a.capabilities!.push('SYS_ADMIN');
    a.cgroups!.allowed_devices![0]!.major_number = 7;
    a.device_nodes![0]!.path = '/dev/changed';
    a.namespaces!.NEWUSER = true;
    const b = defaultConfig();
    expect(b.capabilities).not.toContain('SYS_ADMIN');
    expect(b.cgroups!.allowed_devices![0]!.major_number).toBe(-1);
    expect(b.device_nodes![0]!.path).toBe('/dev/fuse');
    expect(b.namespaces!.NEWUSER).toBeUndefined();
    expect(DEFAULT_ALLOWED_DEVICES[0]!.major_number).toBe(-1);
  });
});
