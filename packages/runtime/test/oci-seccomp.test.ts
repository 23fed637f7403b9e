// linux.seccomp: the filter is compiled in the parent (libseccomp, through the addon) and loaded
// by the child as its last privileged step; each action and an argument condition are checked from
// inside a real container with busybox probes, with and without no_new_privs, as root and not.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requires, useLeakCheck } from '@nsinit/testkit';
import { afterAll, beforeAll, describe, expect, it, type TestContext, vi } from 'vitest';
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

  describe('SCMP_ACT_NOTIFY', () => {
    let agentBin = '';
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'nsinit-agent-'));
      agentBin = join(dir, 'seccomp-agent');
      execFileSync('cc', [
        '-O1',
        '-o',
        agentBin,
        fileURLToPath(new URL('./fixtures/seccomp-agent.c', import.meta.url)),
      ]);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** A running agent on a fresh socket: its stdout lines, and its exit. */
    async function agent() {
      const socket = join(dir, `agent-${process.hrtime.bigint()}.sock`);
      const child = spawn(agentBin, [socket], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
      });
      child.stderr.on('data', (b: Buffer) => {
        out += b.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await vi.waitFor(() => expect(out).toMatch(/^ready$/m), { timeout: 5000 });
      return { socket, lines: () => out, exited, kill: () => child.kill('SIGKILL') };
    }

    for (const nnp of [false, true]) {
      it(`a listener receives the fd and the process state and answers mkdir (no_new_privs ${nnp})`, async (ctx) => {
        requires(ctx, 'root', 'busybox');
        const a = await agent();
        try {
          const bundle = await ociBundle();
          const config = baseConfig([
            'sh',
            '-c',
            'mkdir /tmp/by-agent; echo mkdir=$?; test -d /tmp/by-agent; echo exists=$?; touch /tmp/f && echo touched',
          ]);
          config.process!.noNewPrivileges = nnp;
          config.linux!.seccomp = {
            defaultAction: 'SCMP_ACT_ALLOW',
            listenerPath: a.socket,
            listenerMetadata: 'answer-mkdir',
            syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
          };
          const r = await runOci(config, bundle.dir);
          expect(r.failure).toBeNull();
          expect(r.exit).toEqual({ exitCode: 0, signal: null });
          // mkdir returned 0, yet no directory exists: the agent answered it, not the kernel.
          expect(r.output).toMatch(/^mkdir=0$/m);
          expect(r.output).toMatch(/^exists=1$/m);
          expect(r.output).toMatch(/^touched$/m);
          expect(await a.exited).toBe(0);
          const state = JSON.parse(a.lines().split('\n')[1]!);
          expect(state).toMatchObject({
            ociVersion: '1.2.0',
            fds: ['seccompFd'],
            metadata: 'answer-mkdir',
            state: { id: 'oci-test', status: 'creating', bundle: bundle.dir },
          });
          expect(state.pid).toBeGreaterThan(1);
          expect(state.state.pid).toBe(state.pid);
          expect(a.lines()).toMatch(/^answered mkdir$/m);
        } finally {
          a.kill();
        }
      });
    }

    it('an agent that cannot be reached fails the start, naming listenerPath, and leaves nothing', async (ctx) => {
      requires(ctx, 'root', 'busybox');
      const bundle = await ociBundle();
      const config = baseConfig(['true']);
      config.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: join(dir, 'nobody-listens.sock'),
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
      };
      await expect(runOci(config, bundle.dir)).rejects.toThrow(
        /cannot send the seccomp listener to \/linux\/seccomp\/listenerPath '.*nobody-listens\.sock'/,
      );
    });

    it('NOTIFY on the sendmsg that hands the fd over is refused, naming the field', async (ctx) => {
      requires(ctx, 'root', 'busybox');
      const bundle = await ociBundle();
      const config = baseConfig(['true']);
      config.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: join(dir, 'x.sock'),
        syscalls: [{ names: ['mkdir', 'sendmsg'], action: 'SCMP_ACT_NOTIFY' }],
      };
      await expect(runOci(config, bundle.dir)).rejects.toThrow(
        /\/linux\/seccomp\/syscalls\/0\/names\/1: SCMP_ACT_NOTIFY cannot be used for sendmsg/,
      );
    });
  });
});
