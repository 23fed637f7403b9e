// createContainer and startContainer hooks run in the container's namespaces, forked by its init
// (the runtime-spec config document, "POSIX-platform Hooks"): each probe hook records its
// namespaces, hostname, root and stdin; a failing or timed-out one fails create (nothing left) or
// start (the container stops), naming the hook and quoting its output.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createOciBundle, nsinitOciBin, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive } from './helpers.js';
import { created, nsOf, stateOf, waitStatus } from './oci-helpers.js';

useLeakCheck();

const NAMESPACES = ['mnt', 'uts', 'ipc', 'net', 'pid'];

/** A shell hook writing, one per line: each namespace link, the hostname, whether the bundle's
 *  config.json is reachable at its host path, then its stdin. */
function probe(log: string, bundleConfig: string) {
  const ns = NAMESPACES.map((n) => `readlink /proc/self/ns/${n}`).join('; ');
  return {
    path: '/bin/sh',
    args: [
      'sh',
      '-c',
      `{ ${ns}; hostname; if [ -e "$1" ]; then echo host-visible; else echo host-hidden; fi; cat; echo; } > "$2"`,
      'sh',
      bundleConfig,
      log,
    ],
  };
}

function readProbe(file: string) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const ns = Object.fromEntries(NAMESPACES.map((n, i) => [n, lines[i]]));
  const k = NAMESPACES.length;
  return { ns, hostname: lines[k], host: lines[k + 1], state: JSON.parse(lines[k + 2]!) };
}

describe('nsinit-oci createContainer and startContainer hooks', () => {
  it("run in the container's namespaces with the state on stdin", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sleep', '1000'];
      },
    });
    const createLog = b.path('create-hook.out');
    b.writeSpec({
      ...b.spec,
      hooks: {
        // Before pivot_root: the runtime's paths (the host's /bin/sh, the bundle) still resolve.
        createContainer: [probe(createLog, b.path('config.json'))],
        // After it: /bin/sh is the rootfs's busybox, the log a file of the rootfs.
        startContainer: [probe('/start-hook.out', b.path('config.json'))],
      },
    });
    const st = await created(b, 'in');
    const c = readProbe(createLog);
    for (const n of NAMESPACES) {
      // pid: the hook is a child of the init, in its PID namespace.
      expect(c.ns[n], n).toBe(nsOf(st.pid, n));
      expect(c.ns[n], n).not.toBe(nsOf('self', n));
    }
    expect(c.host).toBe('host-visible');
    expect(c.state).toMatchObject({ id: 'in', status: 'created', pid: st.pid, bundle: b.dir });

    const startLog = b.path('rootfs', 'start-hook.out');
    expect(existsSync(startLog)).toBe(false);
    const r = await b.oci(['start', 'in']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const s = readProbe(startLog);
    for (const n of NAMESPACES) expect(s.ns[n], n).toBe(nsOf(st.pid, n));
    expect(s.hostname).toBe('oci-test');
    expect(s.host).toBe('host-hidden');
    expect(s.state).toMatchObject({ id: 'in', status: 'created', pid: st.pid });
    expect((await stateOf(b, 'in')).status).toBe('running');
    expect((await b.oci(['delete', '--force', 'in'])).exitCode).toBe(0);
  });

  it("inherit none of the runtime's or the container's fds beyond 0..2", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sh', '-c', 'ls /proc/self/fd'];
      },
    });
    const hookLog = b.path('hook-fds.out');
    b.writeSpec({
      ...b.spec,
      hooks: { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `ls /proc/self/fd > ${hookLog}`] }] },
    });
    // fd 3 is --preserve-fds'd to the container: the init holds it, inheritable, while the hook runs.
    const out = openSync(b.path('out.txt'), 'w');
    const fd3 = openSync(b.path('fd3.txt'), 'w');
    const child = spawn(nsinitOciBin, ['--root', b.root, 'run', '--preserve-fds', '1', 'fds'], {
      cwd: b.dir,
      stdio: ['ignore', out, out, fd3],
    });
    closeSync(out);
    closeSync(fd3);
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    const list = (f: string) => readFileSync(f, 'utf8').trim().split(/\s+/).sort();
    // The container's process: 0-2, the preserved 3, ls's own directory fd.
    expect(list(b.path('out.txt'))).toEqual(['0', '1', '2', '3', '4']);
    // The hook: 0-2 and ls's directory fd only.
    expect(list(hookLog)).toEqual(['0', '1', '2', '3']);
  });

  it('a failing or timed-out createContainer hook fails create and leaves nothing', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sleep', '1000'];
      },
    });
    b.writeSpec({
      ...b.spec,
      hooks: { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'echo broken >&2; exit 3'] }] },
    });
    const r = await b.create('cf');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/createContainer hook #0 '\/bin\/sh' exited with status 3: broken/);
    expect(existsSync(`${b.root}/cf`)).toBe(false);

    b.writeSpec({
      ...b.spec,
      hooks: {
        createContainer: [
          { path: '/bin/true' },
          { path: '/bin/sh', args: ['sh', '-c', 'echo slow; exec sleep 30'], timeout: 1 },
        ],
      },
    });
    const t0 = Date.now();
    const t = await b.create('ct');
    expect(t.exitCode).toBe(1);
    expect(t.stderr).toMatch(/createContainer hook #1 '\/bin\/sh' timed out after 1s: slow/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(existsSync(`${b.root}/ct`)).toBe(false);

    b.writeSpec({ ...b.spec, hooks: { createContainer: [{ path: '/nonexistent/hook' }] } });
    const m = await b.create('cm');
    expect(m.exitCode).toBe(1);
    expect(m.stderr).toMatch(
      /createContainer hook #0 '\/nonexistent\/hook' exited with status 127: .*errno 2/,
    );
    expect(existsSync(`${b.root}/cm`)).toBe(false);
  });

  it('a failing startContainer hook fails start and stops the container', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sh', '-c', 'echo ran > /ran; exec sleep 1000'];
      },
    });
    b.writeSpec({
      ...b.spec,
      hooks: {
        startContainer: [
          { path: '/bin/true' },
          { path: '/bin/sh', args: ['sh', '-c', 'echo refused >&2; exit 4'] },
        ],
      },
    });
    const st = await created(b, 'sf');
    const r = await b.oci(['start', 'sf']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/startContainer hook #1 '\/bin\/sh' exited with status 4: refused/);
    await waitStatus(b, 'sf', 'stopped');
    expect(alive(st.pid)).toBe(false);
    expect(existsSync(b.path('rootfs', 'ran'))).toBe(false);
    expect((await b.oci(['delete', 'sf'])).exitCode).toBe(0);

    b.writeSpec({
      ...b.spec,
      hooks: { startContainer: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] },
    });
    await created(b, 'st');
    const t = await b.oci(['start', 'st']);
    expect(t.exitCode).toBe(1);
    expect(t.stderr).toMatch(/startContainer hook #0 '\/bin\/sleep' timed out after 1s/);
    await waitStatus(b, 'st', 'stopped');
    expect((await b.oci(['delete', 'st'])).exitCode).toBe(0);
  });

  it("keeps at most 64 KiB of a hook's output in the host's state directory", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    // A startContainer hook is a binary of the container's image: a hostile one writing without
    // end must not fill the host's /run. It writes 1 MiB, then fails.
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['true'];
      },
    });
    b.writeSpec({
      ...b.spec,
      hooks: {
        startContainer: [
          {
            path: '/bin/sh',
            args: ['sh', '-c', 'head -c 1048576 /dev/zero; echo; echo tail-line >&2; exit 6'],
          },
        ],
      },
    });
    await created(b, 'big');
    const files = readdirSync(b.root, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('hook-output'));
    expect(files).toHaveLength(1);
    const r = await b.oci(['start', 'big']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/startContainer hook #0 '\/bin\/sh' exited with status 6/);
    // The file is there until delete: the first 64 KiB kept, the rest discarded.
    expect(statSync(join(b.root, files[0]!)).size).toBe(64 * 1024);
    await waitStatus(b, 'big', 'stopped');
    expect((await b.oci(['delete', 'big'])).exitCode).toBe(0);
  });
});
