// The joining process, classes 1 and 2 of docs/security-classes.md. A join (`nsinit exec` into a live
// container) is a clone of the supervising Node process: until execve(2) it carries Node's
// /proc/<pid>/exe (the node binary on the host), its memory and its host fds, while already inside
// the container's PID namespace where the container's PID 1 can see it. CVE-2016-9962: PID 1 could
// ptrace it / read its fds; CVE-2019-5736: PID 1 could open its /proc/<pid>/exe and overwrite the
// runtime binary. nsinit makes the joiner non-dumpable (prctl(2) PR_SET_DUMPABLE 0) before setns,
// so ptrace_may_access() refuses PID 1 the exe link, the fd directory, environ and mem.
//
// Why the supervisor here runs without CAP_SYS_PTRACE (setpriv --bounding-set) and the container
// gets every other capability: the kernel's ptrace check also requires the tracer's permitted set
// to include the target's (commoncap), so with a full-capability supervisor PID 1 is refused even
// when the joiner is dumpable. With identical uid and capability sets the non-dumpable flag is the
// only thing standing between PID 1 and the joiner, which is what this test must isolate. The
// control: the same probe against the joined process *after* its execve (dumpable again, same
// credentials) succeeds, so the refusals before it are the dumpable flag, not the probe.
//
// The joiner is held before GO with the runtime's test-only NSINIT_TEST_PAUSE hook.
// Guard check (scripts/guard-check join-dumpable join-wipe): with both PR_SET_DUMPABLE 0 calls removed
// from native/src/join.c, this test fails: PID 1 reads the joiner's exe link (the node binary), its
// fd list, environ, and opens its mem. Opening the exe for writing then still fails, with ETXTBSY
// (the second, weaker layer: the kernel denies writes to a running executable).
// Canary guard check: with the two wipe() calls removed from native/src/join.c, the first scenario
// (CAP_SYS_ADMIN in the container) reads 'canary-visible' before execve and fails.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPABILITY_NAMES as CAP_NAMES } from '@nsinit/config';
import { open } from '@nsinit/runtime';
import { createBundle, nsinitTestHooksBin, requires, runCommand, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { plain, until } from './helpers.js';

useLeakCheck();

/** This process's bounding set minus CAP_SYS_PTRACE, as config names. */
function capsWithoutPtrace(): string[] {
  const hex = /^CapBnd:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
  const bnd = BigInt(`0x${hex}`);
  return CAP_NAMES.filter((name, bit) => name !== 'SYS_PTRACE' && (bnd >> BigInt(bit)) & 1n);
}

/** PID 1: for each /tmp/go<N> (an in-container pid), probe that process and write /tmp/result<N>. */
const PROBE = `n=0
while :; do
  while [ ! -e /tmp/go$n ]; do sleep 0.02; done
  p=$(cat /tmp/go$n)
  {
    [ -e /proc/$p/status ] && echo found
    readlink /proc/$p/exe >/dev/null 2>&1 && echo "exe=$(readlink /proc/$p/exe)" || echo exe-denied
    (exec 3>>/proc/$p/exe) 2>/dev/null && echo exe-writable || echo exe-write-denied
    readlink /proc/$p/fd/0 >/dev/null 2>&1 && echo fd-readable || echo fd-denied
    cat /proc/$p/environ >/dev/null 2>&1 && echo environ-readable || echo environ-denied
    grep -q NSINIT_JOIN_CANARY /proc/$p/environ 2>/dev/null && echo canary-visible || echo canary-hidden
    (exec 3</proc/$p/mem) 2>/dev/null && echo mem-readable || echo mem-denied
  } >/tmp/result$n.tmp
  mv /tmp/result$n.tmp /tmp/result$n
  n=$((n+1))
done`;

const nsPid = (hostPid: number) =>
  Number(/^NSpid:.*\s(\d+)$/m.exec(readFileSync(`/proc/${hostPid}/status`, 'utf8'))![1]);

interface Scenario {
  name: string;
  /** Container capabilities; the joining supervisor is limited to the same set when `same`. */
  caps: () => string[] | null;
  same: boolean;
  /** Probe lines that this scenario cannot judge (see below). */
  skip: RegExp | null;
}

const SCENARIOS: Scenario[] = [
  {
    // Isolates the dumpable flag (see the header). CAP_SYS_ADMIN, which both need here, lets the
    // kernel (6.18 observed) show environ and maps of any same-uid process whatever its dumpable
    // flag, so environ is judged in the next scenario only.
    name: 'with the same uid and capabilities as the joiner',
    caps: capsWithoutPtrace,
    same: true,
    skip: /^environ-/,
  },
  {
    name: 'with the default capabilities',
    caps: () => null,
    same: false,
    skip: null,
  },
];

describe('a process joining a live container', () => {
  it.for(SCENARIOS)(
    'is non-dumpable until execve: PID 1 $name cannot reach its exe, fds, environ or memory',
    async (sc, ctx) => {
      requires(ctx, 'root', 'busybox');
      const caps = sc.caps();
      const bundle = await createBundle({
        config: (c) => {
          plain(c);
          if (caps) c.capabilities = caps;
        },
      });
      const container = await open(bundle.dir);
      const init = await container.run(['sh', '-c', PROBE], { stdio: 'ignore' });
      const pause = join(tmpdir(), `nsinit-pause-${process.pid}-${Date.now()}`);
      const judged = (lines: string[]) => lines.filter((l) => !sc.skip?.test(l));
      const probe = async (n: number, hostPid: number) => {
        const result = bundle.path('tmp', `result${n}`);
        writeWhole(bundle.path('tmp', `go${n}`), String(nsPid(hostPid)));
        await until(`probe ${n}`, () => existsSync(result));
        return judged(readFileSync(result, 'utf8').trim().split('\n'));
      };
      try {
        const wrap =
          caps && sc.same
            ? ['setpriv', '--bounding-set', `-all,${caps.map((c) => `+${c.toLowerCase()}`).join(',')}`, '--']
            : [];
        const [file, ...pre] = [...wrap, nsinitTestHooksBin];
        const joining = runCommand(file!, [...pre, 'exec', 'sh', '-c', 'echo joined; exec sleep 300'], {
          cwd: bundle.dir,
          // The canary stands for the supervisor's secrets: the joiner's memory holds the
          // supervisor's environment until execve, and PID 1 may read it (environ) when it has
          // CAP_SYS_ADMIN, so the join child blanks it before setns (native/src/join.c wipe()).
          env: {
            ...process.env,
            NSINIT_TEST_PAUSE: `join-before-go:${pause}`,
            NSINIT_JOIN_CANARY: 'supervisor-secret',
          },
          timeout: 30_000,
        });
        const joiner = Number(
          await until('the joiner to pause', () => existsSync(pause) && readFileSync(pause, 'utf8')),
        );
        // Before execve: a clone of Node, inside the container's PID namespace, non-dumpable.
        expect(await probe(0, joiner)).toEqual(
          judged([
            'found',
            'exe-denied',
            'exe-write-denied',
            'fd-denied',
            'environ-denied',
            'canary-hidden',
            'mem-denied',
          ]),
        );
        rmSync(pause);
        await until('the joined sleep', () =>
          readFileSync(`/proc/${joiner}/cmdline`, 'utf8').startsWith('sleep\0'),
        );
        // Control, after execve: the container's own uid and capabilities, dumpable again, so the
        // probe succeeds; writing its executable still fails (ETXTBSY: busybox is running).
        expect(await probe(1, joiner)).toEqual(
          judged([
            'found',
            'exe=/bin/busybox',
            'exe-write-denied',
            'fd-readable',
            'environ-readable',
            'canary-hidden',
            'mem-readable',
          ]),
        );
        init.kill('SIGKILL');
        expect(await joining).toMatchObject({ exitCode: 137, stdout: 'joined\n' });
      } finally {
        rmSync(pause, { force: true });
        init.kill('SIGKILL');
        await init.wait();
      }
    },
  );
});

/** Written whole, then renamed: the probe never reads half a pid. */
function writeWhole(path: string, content: string) {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}
