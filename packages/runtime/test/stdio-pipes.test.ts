// Piped stdio and the supervisor's fds: when the process exits, the parent end of its stdin pipe is
// closed even if the caller never ended it (or left a write queued that nobody will read), as
// child_process does; later writes are dropped instead of throwing. Real containers.
import { readdirSync, readlinkSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { open } from '../src/index.js';
import { plain } from './api-helpers.js';

useLeakCheck();

/** Our fds and what they point at ('pipe:[1234]', ...). */
function fdTargets(): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      out.set(Number(name), readlinkSync(`/proc/self/fd/${name}`));
    } catch {
      // the fd of the directory listing itself is gone already
    }
  }
  return out;
}

/** The pipe our end of `stream` is, by its inode name, read before the process exits. */
function pipeOf(stream: Writable | null): string {
  const fd = (stream as unknown as { _handle?: { fd?: number } })?._handle?.fd;
  expect(typeof fd).toBe('number');
  const target = fdTargets().get(fd!);
  expect(target).toMatch(/^pipe:\[\d+\]$/);
  return target!;
}

describe('piped stdin', () => {
  it('is closed on our side when the process exits though the caller never ended it', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const proc = await container.exec(['/bin/true'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pipe = pipeOf(proc.stdin);
    const result = await proc.wait();
    expect(result).toMatchObject({ exitCode: 0, signal: null });
    expect([...fdTargets().values()]).not.toContain(pipe);
    expect(proc.stdin!.destroyed).toBe(true);
    // A write after the exit is dropped, not an uncaught EPIPE/ERR_STREAM_DESTROYED.
    expect(() => proc.stdin!.write('late\n')).not.toThrow();
  });

  it('is closed even with a megabyte still queued that the process never read', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const proc = await container.exec(['sleep', '0.2'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pipe = pipeOf(proc.stdin);
    // More than a pipe holds (64 KiB): most of it stays queued in our stream.
    proc.stdin!.write(Buffer.alloc(1024 * 1024, 'x'));
    expect(proc.stdin!.writableLength).toBeGreaterThan(0);
    await proc.wait();
    expect([...fdTargets().values()]).not.toContain(pipe);
  });

  it('leaves no fd behind across many runs with stdin left open', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    // One run first, so lazily opened fds (the addon's watcher) are not counted as leaks.
    await (await container.exec(['/bin/true'], { stdio: 'ignore' })).wait();
    const before = fdTargets().size;
    for (let i = 0; i < 10; i++) {
      const proc = await container.exec(['/bin/true']);
      proc.stdout!.resume();
      proc.stderr!.resume();
      await proc.wait();
    }
    expect(fdTargets().size).toBe(before);
  });
});
