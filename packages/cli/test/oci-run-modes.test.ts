// nsinit-oci run in the foreground with process.terminal and no --console-socket (runc proxies
// the pty to the caller's terminal: raw mode, its window size, input and output, the exit status,
// the modes restored), driven through a real pty; and create --no-pivot (the root is moved with
// MS_MOVE and chroot(2) instead of pivot_root(2)), checked from inside and from its namespace.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createOciBundle, nsinitOciBin, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { PROMPT, ptySession } from './helpers.js';
import { created } from './oci-helpers.js';

useLeakCheck();

const env = { ...process.env, TERM: 'xterm', PATH: `${dirname(process.execPath)}:${process.env.PATH}` };

describe('nsinit-oci run in the foreground with a terminal', () => {
  it("proxies the container's pty to the caller's terminal and restores it", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.terminal = true;
        s.process.args = ['sh'];
      },
    });
    const script = `stty -g; echo BEFORE-DONE; ${nsinitOciBin} --root ${b.root} run --bundle ${b.dir} tty1; echo "rc=$?"; stty -g`;
    const session = ptySession('/bin/sh', ['-c', script], { cwd: b.dir, env, cols: 101, rows: 37 });
    await session.expect(/BEFORE-DONE\r*\n/);
    await session.expect(PROMPT);
    session.write('[ -t 0 ] && [ -t 1 ] && echo "tty-$((6*7))"\r');
    await session.expect(/tty-42/);
    // Raw mode outside: only the container's terminal echoes what we type.
    expect(session.output().split('echo "tty-$((6*7))"').length - 1).toBe(1);
    // The caller's size, copied to the container's pty before it ran.
    session.write('stty size\r');
    await session.expect(/\n37 101\r*\n/);
    session.write('exit 5\r');
    await session.expect(/rc=5\r*\n.*\r*\n/s);
    await session.exit();
    const out = session.output();
    // The same modes before and after (stty -g around the run).
    expect(/rc=5\r*\n(\S+)\r*\n/.exec(out)?.[1]).toBe(/^(\S+)\r*\nBEFORE-DONE/m.exec(out)?.[1]);
    // run deleted it.
    expect(existsSync(`${b.root}/tty1`)).toBe(false);
  });
});

/** Every mount of a process's mount namespace, reachable from its root or not: listmount(2)
 *  (LSMT_ROOT, by the namespace id from NS_GET_MNTNS_ID), from python3's ctypes. */
const LISTMOUNT = `
import ctypes, fcntl, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
buf = bytearray(8)
fcntl.ioctl(os.open("/proc/%s/ns/mnt" % sys.argv[1], os.O_RDONLY), 0x8008b705, buf)
req = ctypes.create_string_buffer(struct.pack("IIQQQ", 32, 0, 2**64 - 1, 0, struct.unpack("Q", buf)[0]), 32)
ids = (ctypes.c_uint64 * 4096)()
n = libc.syscall(458, req, ids, 4096, 0)
print(n if n >= 0 else "errno %d" % ctypes.get_errno())
`;

function mountsIn(pid: number | 'self'): number {
  const out = execFileSync('python3', ['-c', LISTMOUNT, String(pid)])
    .toString()
    .trim();
  expect(out).toMatch(/^\d+$/);
  return Number(out);
}

describe('nsinit-oci create --no-pivot', () => {
  it('moves the rootfs onto / and chroots: the old root is not reachable from inside', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    if (!['/usr/bin/python3', '/bin/python3'].some((p) => existsSync(p)))
      return ctx.skip('python3 calls listmount(2) in this test and is not installed');
    if (!/^\d+$/.test(execFileSync('python3', ['-c', LISTMOUNT, 'self']).toString().trim()))
      return ctx.skip('listmount(2) or NS_GET_MNTNS_ID is missing (Linux < 6.10)');
    const probe = [
      'awk \'$5 == "/" { print "root", $4 }\' /proc/self/mountinfo',
      'grep -c " /work \\| /sys/fs/cgroup/unified " /proc/self/mountinfo',
      '[ "$(stat -c %d:%i /)" = "$(stat -c %d:%i /..)" ] && echo dotdot-is-root',
      '[ -e "$1" ] && echo host-visible || echo host-hidden',
      'exec sleep 1000',
    ].join('; ');
    const b = await createOciBundle();
    // The probe looks for the bundle's config.json at its host path.
    b.writeSpec({
      ...b.spec,
      process: { ...b.spec.process, args: ['sh', '-c', probe, 'sh', b.path('config.json')] },
    });
    const counts: Record<string, number> = {};
    for (const [id, args] of [
      ['np', ['--no-pivot']],
      ['pv', []],
    ] as const) {
      const st = await created(b, id, [...args]);
      // The host's mounts when the container's namespace was copied from them.
      if (id === 'np') counts.host = mountsIn('self');
      try {
        expect((await b.oci(['start', id])).exitCode).toBe(0);
        await expect.poll(() => b.output(id), { timeout: 10_000 }).toMatch(/host-(visible|hidden)\n/);
        // Inside: one "/" (the bundle's rootfs, bound onto itself), no host mount listed, ".." of
        // "/" is "/", the host's files out of reach.
        expect(b.output(id).trimEnd().split('\n')).toEqual([
          `root ${b.rootfs}`,
          '0',
          'dotdot-is-root',
          'host-hidden',
        ]);
        counts[id] = mountsIn(st.pid);
      } finally {
        await b.oci(['delete', '--force', id]);
      }
    }
    // The whole namespace (not only what its root reaches): with --no-pivot the host's root and
    // every mount under it are still there beneath the moved rootfs; pivot_root detached them.
    expect(counts.np! - counts.pv!).toBe(counts.host);
  });
});
