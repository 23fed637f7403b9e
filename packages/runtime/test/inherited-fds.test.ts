// A supervisor holding more fds than a container's RLIMIT_NOFILE (a process watching hundreds of
// containers holds three per container): the new container closes what it inherited before its
// first open, so its default limit of 1024 never makes the working directory (or anything else it
// opens before execve) fail with EMFILE, and none of those fds reach the command.
import { closeSync, openSync, readdirSync } from 'node:fs';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { open } from '../src/index.js';
import { plain } from './api-helpers.js';

useLeakCheck();

describe('a supervisor with more open fds than the container may have', () => {
  it('still starts containers, and none of its fds reach them', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const held: number[] = [];
    try {
      // Past the container's default RLIMIT_NOFILE (1024), whatever this process already holds.
      while (readdirSync('/proc/self/fd').length < 1200) held.push(openSync('/dev/null', 'r'));
      const container = await open(bundle.dir);
      const proc = await container.exec(['sh', '-c', 'ls /proc/self/fd | wc -l'], { stdio: 'pipe' });
      let out = '';
      proc.stdout!.setEncoding('utf8');
      proc.stdout!.on('data', (d: string) => {
        out += d;
      });
      expect(await proc.wait()).toMatchObject({ exitCode: 0 });
      // 0, 1, 2 and the directory ls reads.
      expect(Number(out.trim())).toBeLessThanOrEqual(4);
    } finally {
      for (const fd of held) closeSync(fd);
    }
  });
});
