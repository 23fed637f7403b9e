import type { Step } from '@nsinit/native';
import { createNativeFake } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { compilePlan, type KernelTables } from '../plan/compile.js';
import { from2014 } from './from-2014.js';
import { compileSeccompProgram, seccompFromOci } from './seccomp.js';

describe('seccompFromOci', () => {
  it('maps actions to SECCOMP_RET_* values with their data, arches to libseccomp names, flags to bits', () => {
    const s = seccompFromOci({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
      flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' },
        { names: ['ptrace'], action: 'SCMP_ACT_KILL_PROCESS' },
        {
          names: ['kill'],
          action: 'SCMP_ACT_TRACE',
          errnoRet: 5,
          args: [{ index: 1, value: 9, op: 'SCMP_CMP_EQ' }],
        },
      ],
    });
    expect(s.defaultAction).toBe(0x00050026);
    expect(s.architectures).toEqual(['x86_64', 'aarch64']);
    expect(s.flags).toBe(6);
    expect(s.rules.map((r) => r.action)).toEqual([0x7fff0000, 0x00050001, 0x80000000, 0x7ff00005]);
    expect(s.rules[3]?.args).toEqual([[1, 4, 9n, 0n]]);
  });

  it('a notifying rule asks seccomp(2) for a listener and keeps where it goes', () => {
    const s = seccompFromOci(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: '/run/agent.sock',
        listenerMetadata: 'meta',
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
      },
      '/seccomp',
    );
    expect(s.rules[0]?.action).toBe(0x7fc00000);
    expect(s.flags & 8).toBe(8);
    expect(s.listener).toEqual({ path: '/run/agent.sock', metadata: 'meta' });
    // A listenerPath without a notifying rule asks for nothing (runc ignores it too).
    const quiet = seccompFromOci({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock' });
    expect(quiet.flags & 8).toBe(0);
    expect(quiet.listener).toBeUndefined();
  });

  it('names the field of what it refuses', () => {
    expect(() => seccompFromOci({ defaultAction: 'SCMP_ACT_NOTIFY' })).toThrow(
      /\/linux\/seccomp\/defaultAction/,
    );
    expect(() =>
      seccompFromOci({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
      }),
    ).toThrow(/\/linux\/seccomp\/listenerPath: SCMP_ACT_NOTIFY needs a listener socket/);
    expect(() =>
      seccompFromOci({
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: '/run/l.sock',
        syscalls: [{ names: ['mkdir', 'sendmsg'], action: 'SCMP_ACT_NOTIFY' }],
      }),
    ).toThrow(/\/linux\/seccomp\/syscalls\/0\/names\/1: SCMP_ACT_NOTIFY cannot be used for sendmsg/);
    expect(() =>
      seccompFromOci({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_NOPE' }] },
        ],
      }),
    ).toThrow(/\/linux\/seccomp\/syscalls\/0\/args\/0\/op/);
  });

  it('flattens rules to one per syscall name for the compiler, and wraps its failure with the field', () => {
    const calls: unknown[][] = [];
    const spec = seccompFromOci({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['a', 'b'], action: 'SCMP_ACT_LOG' }],
    });
    compileSeccompProgram(spec, (...args) => {
      calls.push(args);
      return new Uint8Array(8);
    });
    expect(calls[0]).toEqual([0x7fff0000, [], ['a', 'b'], [0x7ffc0000, 0x7ffc0000], [[], []]]);
    expect(() =>
      compileSeccompProgram(spec, () => {
        throw new Error('EINVAL: invalid argument, seccomp_rule_add');
      }),
    ).toThrow(/\/linux\/seccomp: cannot compile the filter/);
  });
});

describe('the seccomp step in the plan', () => {
  const fake = createNativeFake();
  const tables: KernelTables = {
    capabilities: fake.capabilities,
    rlimits: fake.rlimits,
    constants: fake.constants,
  };
  const program = new Uint8Array(8);
  const ops = (steps: Step[]) => steps.map((s) => s.op);
  const plan = (noNewPrivs: boolean, uid: number) =>
    compilePlan(from2014({ namespaces: { NEWNS: true }, no_new_privileges: noNewPrivs }), {
      rootfs: '/c',
      argv: ['sh'],
      tables,
      identity: { uid, gid: uid, groups: [] },
      stdio: [0, 1, 2],
      beforeExec: [{ op: 'await-start', fd: 9 }],
      seccomp: { program, flags: 0 },
    });

  it('with no_new_privs: last before execve, after the wait for start', () => {
    expect(ops(plan(true, 0).steps).slice(-3)).toEqual(['await-start', 'seccomp', 'exec']);
  });

  it('without: after the chdir and the wait for start, just before the capability step, for root and another user', () => {
    for (const uid of [0, 1000]) {
      const o = ops(plan(false, uid).steps);
      expect(o.slice(-4)).toEqual(['await-start', 'seccomp', 'caps', 'exec']);
      expect(o.indexOf('chdir')).toBeLessThan(o.indexOf('seccomp'));
      expect(o.indexOf('identity')).toBeLessThan(o.indexOf('seccomp'));
    }
  });
});
