// @nsinit/runtime as a library: open(dir) then exec/run/join, with child_process-like handles
// (pid, stdio streams, wait, kill), timeout/signal/killSignal, joined processes, ttys, and many
// containers supervised at once by one Node process. Every test runs real containers.
import type { Readable } from 'node:stream';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { open } from '../src/index.js';
import { plain, text } from './api-helpers.js';

useLeakCheck();

describe('open().exec()', () => {
  it('runs a command as PID 1 with piped stdio and reports its exit', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const proc = await container.exec([
      'sh',
      '-c',
      'read line; echo "got $line as $$"; echo err >&2; exit 5',
    ]);
    expect(proc.joined).toBe(false);
    expect(proc.pid).toBeGreaterThan(1);
    const [out, err] = [text(proc.stdout), text(proc.stderr)];
    proc.stdin!.end('hello\n');
    const result = await proc.wait();
    expect(result).toMatchObject({ exitCode: 5, signal: null, joined: false, pid: proc.pid });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(await out).toBe('got hello as 1\n');
    expect(await err).toBe('err\n');
    expect(await container.status()).toMatchObject({ running: false, pid: null });
  });

  it('joins the live container: joined is true and the exit code is its own', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const init = await container.run(['sleep', '1000'], { stdio: 'ignore' });
    const status = await container.status();
    expect(status).toMatchObject({ running: true, pid: init.pid });
    // From /proc start ticks and the boot time: within a second or two of now.
    expect(Math.abs(status.startedAt!.getTime() - Date.now())).toBeLessThan(5000);
    const joined = await container.exec([
      'sh',
      '-c',
      'ps -o pid,args | grep -c "^ *1 sleep 1000$"; grep CapInh /proc/self/status; exit 9',
    ]);
    expect(joined.joined).toBe(true);
    const out = text(joined.stdout);
    expect(await joined.wait()).toMatchObject({ exitCode: 9, joined: true });
    expect(await out).toMatch(/^1\nCapInh:\s+0+\n$/);
    await expect(container.run(['true'])).rejects.toMatchObject({ code: 'ERR_NSINIT_CONTAINER_RUNNING' });
    expect(init.kill('SIGKILL')).toBe(true);
    expect(await init.wait()).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    expect(init.kill()).toBe(false);
    await expect(container.join(['true'])).rejects.toMatchObject({
      code: 'ERR_NSINIT_CONTAINER_NOT_RUNNING',
    });
  });

  it('stops a process on timeout with killSignal and rejects with the result fields', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const proc = await container.exec(['sleep', '1000'], {
      stdio: 'ignore',
      timeout: 200,
      killSignal: 'SIGKILL',
    });
    const err = await proc.wait().catch((e) => e);
    expect(err).toMatchObject({
      code: 'ERR_NSINIT_TIMEOUT',
      signal: 'SIGKILL',
      exitCode: null,
      joined: false,
      pid: proc.pid,
    });
    expect(err.durationMs).toBeGreaterThanOrEqual(190);
    expect(err.message).toMatch(/timed out after 200ms/);
  });

  it('stops a process when its AbortSignal fires', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const ac = new AbortController();
    // A trap makes the PID 1 shell honour SIGTERM (init ignores signals it has no handler for).
    const proc = await container.exec(['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 0.05; done"], {
      stdio: 'ignore',
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(new Error('enough')), 150);
    await expect(proc.wait()).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', exitCode: 0 });
  });

  it('gives tty configs a pty on stdin/stdout', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => void Object.assign(plain(c), { tty: true, hostname: 'ptyhost' }),
    });
    const container = await open(bundle.dir);
    const proc = await container.exec(['sh', '-c', 'hostname; stty size; [ -t 0 ] && echo tty'], {
      size: { cols: 90, rows: 20 },
    });
    expect(proc.stderr).toBeNull();
    const out = text(proc.stdout);
    expect(await proc.wait()).toMatchObject({ exitCode: 0 });
    expect(await out).toBe('ptyhost\r\n20 90\r\ntty\r\n');
  });

  it('supervises many containers at once from one process', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundles = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        createBundle({ config: (c) => void Object.assign(plain(c), { hostname: `c${i}` }) }),
      ),
    );
    const procs = await Promise.all(
      bundles.map(async (b) => (await open(b.dir)).exec(['sh', '-c', 'sleep 0.3; echo $(hostname) $$'])),
    );
    const outs = procs.map((p) => text(p.stdout));
    const results = await Promise.all(procs.map((p) => p.wait()));
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await Promise.all(outs)).toEqual(bundles.map((_, i) => `c${i} 1\n`));
    // Ran side by side, not one after another.
    expect(Math.max(...results.map((r) => r.durationMs))).toBeLessThan(6 * 300);
  });

  it('reports child setup failures with step, syscall, errno and path', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    await expect(container.exec(['/no/such/binary'])).rejects.toMatchObject({
      code: 'ERR_NSINIT_EXEC_FAILED',
      step: 'exec',
      syscall: 'execve',
      errno: -2,
      path: '/no/such/binary',
      cause: expect.objectContaining({ code: 'ENOENT' }),
    });
    expect(await container.status()).toMatchObject({ running: false });
  });
});
