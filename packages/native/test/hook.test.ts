// The `hook` step (OCI createContainer/startContainer hooks run by the container's init): the child
// forks the hook inside its namespaces with the state file on stdin and the output file on 1 and 2,
// waits on its pidfd, and reports a non-zero exit, a signal or a timeout (SIGKILL) as a record.
// Also nsOpen, the parent-side check of a namespace path (nsfs, NS_GET_NSTYPE).
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { native, type Step } from '../lib/index.js';
import { C, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('hook step', () => {
  const rootfs = useRootfs();

  /** The state and output files of a hook, in a host directory removed after the test. */
  function files(state: string) {
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-hook-'));
    const stdin = openSync(join(dir, 'state'), 'w+');
    writeSync(stdin, state, 0);
    const output = openSync(join(dir, 'out'), 'a');
    onTestFinished(() => {
      closeSync(stdin);
      closeSync(output);
      rmSync(dir, { recursive: true, force: true });
    });
    return { stdin, output, out: () => readFileSync(join(dir, 'out'), 'utf8') };
  }

  function hook(f: { stdin: number; output: number }, argv: string[], timeoutMs = 0): Step {
    return {
      op: 'hook',
      path: argv[0]!,
      argv,
      envp: ['HOOK=1'],
      stdin: f.stdin,
      output: f.output,
      timeoutMs,
    };
  }

  it("runs in the child's namespaces before pivot_root, with the state on stdin", async () => {
    const f = files('{"state":1}');
    const probe = 'echo "in:$(cat) env:$HOOK"; readlink /proc/self/ns/uts; ls /proc/self/fd';
    const plan = standardPlan(rootfs().path, ['true'], {
      // Twice: each hook reads the state from its start; the output file holds the last one's.
      beforePivot: [
        hook(f, ['/bin/sh', '-c', 'cat >/dev/null; echo first']),
        hook(f, ['/bin/sh', '-c', probe]),
      ],
    });
    const res = await run(plan);
    expect(res.failure).toBeNull();
    const [input, uts, ...fds] = f.out().trim().split('\n');
    expect(input).toBe('in:{"state":1} env:1');
    // The child's new UTS namespace, not ours.
    expect(uts).toMatch(/^uts:\[\d+\]$/);
    expect(uts).not.toBe(readlinkSync('/proc/self/ns/uts'));
    // 0-2 and ls's own directory fd: nothing of the child's.
    expect(fds.join(' ').split(/\s+/).sort()).toEqual(['0', '1', '2', '3']);
  });

  it('reports an exit status, a signal and a timeout as records', async () => {
    const f = files('{}');
    const fail = async (argv: string[], timeoutMs = 0) => {
      const plan = standardPlan(rootfs().path, ['true'], { beforePivot: [hook(f, argv, timeoutMs)] });
      const res = await run(plan);
      expect(res.exit).toEqual({ exitCode: 1, signal: null });
      return res.failure;
    };
    expect(await fail(['/bin/sh', '-c', 'echo bad; exit 7'])).toMatchObject({
      op: 'hook',
      syscall: 'exit',
      errno: 7,
      path: '/bin/sh',
    });
    expect(f.out()).toBe('bad\n');
    expect(await fail(['/bin/sh', '-c', 'kill -TERM $$'])).toMatchObject({ syscall: 'signal', errno: 15 });
    const t0 = Date.now();
    expect(await fail(['/bin/sleep', '30'], 200)).toMatchObject({ syscall: 'timeout', errno: 110 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await fail(['/nonexistent/hook'])).toMatchObject({ syscall: 'exit', errno: 127 });
    expect(f.out()).toBe('nsinit: execve of the hook failed: errno 2\n');
  });
});

describe('nsOpen', () => {
  it('opens a namespace file and tells its type; refuses what is not on nsfs', () => {
    const { fd, nstype } = native.nsOpen('/proc/self/ns/net');
    try {
      expect(nstype).toBe(C.CLONE_NEWNET);
    } finally {
      native.close(fd);
    }
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-nsopen-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => native.nsOpen(join(dir, 'file'))).toThrow(/EINVAL: invalid argument, fstatfs '.*file'/);
    expect(() => native.nsOpen(join(dir, 'missing'))).toThrow(/ENOENT: no such file or directory, open/);
  });
});
