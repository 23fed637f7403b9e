// The plan decoder (src/plan.c) under random mutation (CVE-2021-43784 class): every mutated,
// truncated or extended buffer must either decode or be rejected with ERR_NSINIT_INVALID_PLAN,
// never crash the process. Also targeted oversize lengths and counts. Bounded so it stays fast.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePlan } from '../lib/encode-plan.js';
import { NsinitError } from '../lib/errors.js';
import { loadNative, loadRaw } from '../lib/native.js';
import type { Plan, Step } from '../lib/plan.js';

loadNative(); // installs the error factories
const raw = loadRaw();

const steps: Step[] = [
  { op: 'setns', fd: 3, nstype: 0x40000000 },
  { op: 'setns-early', fd: 4, nstype: 0x40000000 },
  { op: 'propagation', flags: (1 << 14) | (1 << 18) },
  { op: 'rootfs', path: '/tmp/rootfs', flags: 4096 | 16384 },
  {
    op: 'mount',
    source: 'proc',
    target: '/proc',
    fstype: 'proc',
    flags: 14,
    data: '',
    mkdir: 0o755,
    noSymlinks: true,
  },
  { op: 'bind', source: '/src', target: '/dst', flags: 1, recursive: true, propagation: 1 << 18 },
  { op: 'open-tree', source: '/vol', recursive: true, slot: 3 },
  { op: 'userns-root', setgroups: true },
  { op: 'attach-tree', slot: 3, target: '/data', flags: 1, recursive: true, propagation: 0 },
  { op: 'idmap-bind', fd: 7, target: '/idmapped', propagation: 1 << 18 },
  { op: 'mknod', target: '/dev/null', mode: 0o020666, major: 1, minor: 3 },
  { op: 'symlink', value: 'pts/ptmx', target: '/dev/ptmx' },
  { op: 'link-up', name: 'lo', mtu: 65536 },
  { op: 'mkdir', target: '/dev/net', mode: 0o755 },
  { op: 'console', target: '/dev/console' },
  { op: 'pivot-root' },
  { op: 'chroot' },
  { op: 'readonly', target: '/proc/sys', flags: 0, recursive: true, optional: true },
  { op: 'mask', target: '/proc/kcore', optional: true },
  { op: 'hostname', name: 'koye' },
  { op: 'domainname', name: 'example.org' },
  { op: 'chown', target: '/dev/null', uid: 0, gid: 5 },
  { op: 'sysctl', key: 'net/ipv4/ip_forward', value: '1' },
  { op: 'personality', persona: 8 },
  { op: 'unshare', flags: 0x02000000 },
  { op: 'timens', offsets: '1 3600 0\n7 -60 5\n' },
  { op: 'lsm-label', attr: 'apparmor/exec', value: 'exec docker-default' },
  { op: 'rlimit', resource: 7, soft: 1024, hard: -1 },
  { op: 'umask', mask: 0o22 },
  { op: 'identity', uid: 1000, gid: 1000, groups: [5, 6, 7] },
  { op: 'identity', uid: 0, gid: 0, groups: [], keepGroups: true },
  { op: 'caps', bounding: 5n, effective: 5n, permitted: 5n, inheritable: 0n, ambient: 0n },
  { op: 'no-new-privs' },
  { op: 'chdir', path: '/home' },
  { op: 'session', ctty: true },
  { op: 'pdeathsig', signal: 9 },
  { op: 'dumpable', on: false },
  { op: 'close-fds' },
  { op: 'await-start', fd: 7, keep: 1, hookFds: [8, 9] },
  { op: 'hook', path: '/bin/true', argv: ['true'], envp: ['A=1'], stdin: 8, output: 9, timeoutMs: 1000 },
  { op: 'exec', candidates: ['/bin/sh', '/usr/bin/sh'], argv: ['sh', '-c', 'true'], envp: ['PATH=/bin'] },
];
const valid: Plan = { cloneFlags: 0x20000, stdio: [-1, 1, 2], consoleFd: 5, steps };
const good = encodePlan(valid);

function decode(buf: Uint8Array): 'ok' | 'rejected' {
  try {
    raw.decodePlan(buf);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(NsinitError);
    expect((err as NsinitError).code).toBe('ERR_NSINIT_INVALID_PLAN');
    return 'rejected';
  }
}

describe('plan decoder', () => {
  it('decodes every step kind the encoder writes', () => {
    expect(raw.decodePlan(good)).toEqual(steps.map((s) => s.op));
  });

  it('rejects op codes in the gaps between ranges, like any unknown op', () => {
    // A one-step plan (exec) whose op is rewritten to a code no op has (gaps of the ranges).
    const one = encodePlan({ ...valid, consoleFd: -1, steps: [steps.at(-1)!] });
    for (const code of [39, 41, 43, 0xffff]) {
      const buf = Buffer.from(one);
      buf.writeUInt32LE(code, 40);
      expect(() => raw.decodePlan(buf)).toThrow(new RegExp(`unknown op ${code}`));
    }
    expect(raw.decodePlan(one)).toEqual(['exec']);
  });

  it('survives random byte mutations, truncations and extensions', () => {
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(good.length),
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        (flips, cut, extra, truncate) => {
          const buf = Buffer.from(good);
          for (const [i, v] of flips) buf[i] = v;
          const mutated = truncate ? buf.subarray(0, cut) : Buffer.concat([buf, extra]);
          if (decode(mutated) === 'rejected') rejected++;
        },
      ),
      { numRuns: 20_000, seed: 0x5eed },
    );
    expect(rejected).toBeGreaterThan(10_000);
  });

  it('survives mutations of length and count fields specifically', () => {
    // Offsets of every u32 in the buffer: hit each with hostile values.
    const hostile = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0, good.length, good.length + 1];
    for (let off = 0; off + 4 <= good.length; off += 4) {
      for (const v of hostile) {
        const buf = Buffer.from(good);
        buf.writeUInt32LE(v, off);
        decode(buf);
      }
    }
  });

  it('rejects op codes in the gaps between the explicitly numbered ranges', () => {
    const hookAt = steps.findIndex((s) => s.op === 'hook');
    const one = encodePlan({ ...valid, steps: [steps[hookAt]!, steps.at(-1)!] });
    // The first step's op code follows the 40-byte header (46-47: unused in oci13's range).
    expect(one.readUInt32LE(40)).toBe(44);
    for (const code of [46, 47, 49, 999]) {
      const buf = Buffer.from(one);
      buf.writeUInt32LE(code, 40);
      expect(() => raw.decodePlan(buf)).toThrow(new RegExp(`unknown op ${code}`));
    }
    const relative = encodePlan({
      ...valid,
      steps: [{ ...(steps[hookAt] as Step & { op: 'hook' }), path: 'bin/true' }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(relative)).toThrow(/step 0 \(hook\): path must be absolute/);
    const stdio = encodePlan({
      ...valid,
      steps: [{ ...(steps[hookAt] as Step & { op: 'hook' }), output: 1 }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(stdio)).toThrow(/stdin and output must be fds >= 3/);
  });

  it('enters each namespace type early at most once, and only those a thread may enter', () => {
    const exec = steps.at(-1)!;
    const plan = (s: Step[]) => encodePlan({ ...valid, consoleFd: -1, steps: [...s, exec] });
    const net: Step = { op: 'setns-early', fd: 4, nstype: 0x40000000 };
    expect(raw.decodePlan(plan([net, { ...net, nstype: 0x08000000 } as Step]))).toEqual([
      'setns-early',
      'setns-early',
      'exec',
    ]);
    expect(() => raw.decodePlan(plan([net, net]))).toThrow(/entered early twice/);
    for (const nstype of [0x00020000, 0x10000000, 0x00000080, 0x40000000 | 0x08000000])
      expect(() => raw.decodePlan(plan([{ ...net, nstype } as Step]))).toThrow(/nstype must be one of/);
  });

  it('attaches a held tree only after its open-tree, once (userns binds)', () => {
    const exec = steps.at(-1)!;
    const root: Step = { op: 'rootfs', path: '/tmp/rootfs', flags: 4096 | 16384 };
    const open: Step = { op: 'open-tree', source: '/vol', recursive: false, slot: 7 };
    const attach: Step = {
      op: 'attach-tree',
      slot: 7,
      target: '/data',
      flags: 0,
      recursive: false,
      propagation: 0,
    };
    const plan = (s: Step[]) => encodePlan({ ...valid, consoleFd: -1, steps: [...s, exec] });
    expect(raw.decodePlan(plan([open, root, attach]))).toEqual([
      'open-tree',
      'rootfs',
      'attach-tree',
      'exec',
    ]);
    expect(() => raw.decodePlan(plan([root, attach]))).toThrow(/step 1 \(attach-tree\): slot 7 is not open/);
    expect(() => raw.decodePlan(plan([open, root, attach, attach]))).toThrow(/slot 7 is not open/);
    expect(() => raw.decodePlan(plan([open, open, root]))).toThrow(/slot 7 is opened twice/);
    expect(() => raw.decodePlan(plan([{ ...open, slot: 2048 } as Step, root]))).toThrow(
      /slot 2048 is not below 2048/,
    );
    expect(() => raw.decodePlan(plan([open, attach]))).toThrow(/comes before the rootfs step/);
  });

  it('rejects oversize plans, strings and counts with a clear message', () => {
    expect(() => raw.decodePlan(Buffer.alloc(9 << 20))).toThrow(/more than/);
    const longName = encodePlan({
      ...valid,
      steps: [{ op: 'hostname', name: 'x'.repeat(65) }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(longName)).toThrow(/step 0 \(hostname\): name is longer than 64 bytes/);
    const manyArgs = encodePlan({
      ...valid,
      steps: [{ ...(steps.at(-1) as Step & { op: 'exec' }), argv: Array(70_000).fill('a') }],
    });
    expect(() => raw.decodePlan(manyArgs)).toThrow(/argv has more than 65536 entries/);
    const relative = encodePlan({
      ...valid,
      steps: [steps[2]!, { op: 'mkdir', target: 'dev', mode: 0o755 }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(relative)).toThrow(/target must be an absolute path/);
    const dotdot = encodePlan({
      ...valid,
      steps: [steps[2]!, { op: 'mkdir', target: '/a/../../x', mode: 0o755 }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(dotdot)).toThrow(/must not contain '\.\.'/);
    const early = encodePlan({
      ...valid,
      steps: [{ op: 'mkdir', target: '/x', mode: 0o755 }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(early)).toThrow(/comes before the rootfs step/);
    const noExec = encodePlan({ ...valid, steps: [{ op: 'close-fds' }] });
    expect(() => raw.decodePlan(noExec)).toThrow(/exec must be the last step/);
    const sysctl = (key: string) =>
      encodePlan({ ...valid, steps: [steps[2]!, { op: 'sysctl', key, value: '1' }, steps.at(-1)!] });
    for (const key of ['/net/ipv4/ip_forward', 'net/../kernel/core_pattern', 'net//x', 'net/./x', ''])
      expect(() => raw.decodePlan(sysctl(key)), key).toThrow(/step 1 \(sysctl\): key/);
    const longValue = encodePlan({
      ...valid,
      steps: [steps[2]!, { op: 'sysctl', key: 'net/x', value: 'v'.repeat(4097) }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(longValue)).toThrow(/value is longer than 4096 bytes/);
    const persona = encodePlan({
      ...valid,
      steps: [{ op: 'personality', persona: 0x0400000 }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(persona)).toThrow(/persona 0x400000 is not PER_LINUX or PER_LINUX32/);
    const longDomain = encodePlan({
      ...valid,
      steps: [{ op: 'domainname', name: 'd'.repeat(65) }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(longDomain)).toThrow(/step 0 \(domainname\): name is longer than 64 bytes/);
    const earlyChown = encodePlan({
      ...valid,
      steps: [{ op: 'chown', target: '/x', uid: 1, gid: 1 }, steps.at(-1)!],
    });
    expect(() => raw.decodePlan(earlyChown)).toThrow(/step 0 \(chown\): comes before the rootfs step/);
    // Op codes are reserved in ranges per feature: an unassigned code inside the table is unknown.
    const gap = Buffer.from(encodePlan({ ...valid, steps: [{ op: 'no-new-privs' }, steps.at(-1)!] }));
    gap.writeUInt32LE(39, 40);
    expect(() => raw.decodePlan(gap)).toThrow(/step 0 \(setup\): unknown op 39/);
    const badFlags = encodePlan({ ...valid, cloneFlags: 0x100 });
    expect(() => raw.decodePlan(badFlags)).toThrow(/cloneFlags/);
  });
});
