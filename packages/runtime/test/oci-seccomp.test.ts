// linux.seccomp: the filter is compiled in the parent (libseccomp, through the addon) and loaded
// by the child as its last privileged step; each action and an argument condition are checked from
// inside a real container with busybox probes, with and without no_new_privs, as root and not.
import { requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, type TestContext } from 'vitest';
import type { OciConfigInput } from '../src/index.js';
import { baseConfig, ociBundle, runOci } from './oci-helpers.js';

useLeakCheck();

type Seccomp = NonNullable<NonNullable<OciConfigInput['linux']>['seccomp']>;

async function run(
  ctx: TestContext,
  seccomp: Seccomp,
  script: string,
  edit: (c: OciConfigInput) => void = () => {},
) {
  requires(ctx, 'root', 'busybox');
  const bundle = await ociBundle();
  const config = baseConfig(['sh', '-c', script]);
  config.linux!.seccomp = seccomp;
  edit(config);
  const r = await runOci(config, bundle.dir);
  expect(r.failure).toBeNull();
  return r;
}

const EACCES = 13;
const EDOM = 33;

describe('OCI linux.seccomp', () => {
  it('an errno rule returns that errno, and the process reports a filter (Seccomp: 2)', async (ctx) => {
    const { output, exit } = await run(
      ctx,
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: EACCES }],
      },
      "grep '^Seccomp:' /proc/self/status; mkdir /tmp/blocked; echo rc=$?; touch /tmp/allowed && echo touched",
    );
    expect(exit).toEqual({ exitCode: 0, signal: null });
    expect(output).toMatch(/^Seccomp:\s+2$/m);
    expect(output).toMatch(/Permission denied/);
    expect(output).toMatch(/^rc=1$/m);
    expect(output).toMatch(/^touched$/m);
  });

  it('SCMP_ACT_KILL_PROCESS kills the calling process with SIGSYS', async (ctx) => {
    const { output, exit } = await run(
      ctx,
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['sync'], action: 'SCMP_ACT_KILL_PROCESS' }] },
      'echo before; exec sync',
    );
    expect(output).toBe('before\n');
    expect(exit).toEqual({ exitCode: null, signal: 'SIGSYS' });
  });

  it('an argument condition matches only the calls it names', async (ctx) => {
    const { output } = await run(
      ctx,
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          {
            names: ['kill'],
            action: 'SCMP_ACT_ERRNO',
            errnoRet: EDOM,
            args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }],
          },
        ],
      },
      'kill -0 $$; echo zero=$?; kill -CONT $$; echo cont=$?',
    );
    expect(output).toMatch(/^zero=1$/m);
    expect(output).toMatch(/^cont=0$/m);
  });

  it('a default-deny allow-list with no_new_privs off and a non-root user still loads (CAP_SYS_ADMIN raised for it)', async (ctx) => {
    // Allow everything busybox's sh, id and grep use, deny the rest with ENOSYS-like EPERM: the
    // allow-list is the syscall table minus one call, so only that call fails.
    const { output, exit } = await run(
      ctx,
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['sethostname'], action: 'SCMP_ACT_ERRNO' }],
      },
      "id -u; grep '^Seccomp:' /proc/self/status; hostname nope; echo rc=$?",
      (c) => {
        c.process!.user = { uid: 1000, gid: 1000 };
        c.process!.noNewPrivileges = false;
        c.process!.capabilities = { bounding: [], effective: [], permitted: [] };
      },
    );
    expect(exit).toEqual({ exitCode: 0, signal: null });
    expect(output).toMatch(/^1000$/m);
    expect(output).toMatch(/^Seccomp:\s+2$/m);
    expect(output).toMatch(/^rc=1$/m);
  });

  it('with no_new_privs the filter is loaded last and still applies', async (ctx) => {
    const { output } = await run(
      ctx,
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
      },
      "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mkdir /tmp/x; echo rc=$?",
      (c) => {
        c.process!.noNewPrivileges = true;
      },
    );
    expect(output).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(output).toMatch(/^Seccomp:\s+2$/m);
    expect(output).toMatch(/Operation not permitted/);
  });

  it('syscall names unknown to libseccomp are skipped, as runc does', async (ctx) => {
    const { exit } = await run(
      ctx,
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        syscalls: [{ names: ['no_such_syscall_42', 'mkdir'], action: 'SCMP_ACT_ERRNO' }],
      },
      'true',
    );
    expect(exit).toEqual({ exitCode: 0, signal: null });
  });

  it('SCMP_ACT_NOTIFY is refused at compile time, naming the field', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    const config = baseConfig(['true']);
    config.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
    };
    await expect(runOci(config, bundle.dir)).rejects.toThrow(
      /\/linux\/seccomp\/syscalls\/0\/action.*SCMP_ACT_NOTIFY/,
    );
  });
});
