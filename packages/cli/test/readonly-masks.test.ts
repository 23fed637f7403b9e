// readonly_fs as 2014 and runc apply it (only "/" read-only: /dev, /dev/shm, /proc and a writable
// bind keep their own flags), and the host information masked in every container (runc's default
// maskedPaths), each checked from inside a real container through the CLI.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from './helpers.js';

useLeakCheck();

/** Write a probe file in each directory; print `<dir> ok` or `<dir> ro`. */
const probe = (dirs: string[]) =>
  dirs
    .map((d) => `if touch ${d}/.probe 2>/dev/null; then echo "${d} ok"; else echo "${d} ro"; fi`)
    .join('; ');

describe('readonly_fs', () => {
  it('makes only / read-only: /dev, /dev/shm, /proc/self and a writable bind stay writable', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const volume = mkdtempSync(join(tmpdir(), 'nsinit-rw-volume-'));
    onTestFinished(() => rmSync(volume, { recursive: true, force: true }));
    const bundle = await createBundle({
      config: (c) => {
        delete c.networks;
        c.readonly_fs = true;
        c.mounts = [{ type: 'bind', source: volume, destination: '/data', writable: true }];
      },
    });
    const r = await runCli(
      [
        'exec',
        'sh',
        '-c',
        `${probe(['/', '/etc', '/dev', '/dev/shm', '/data'])}; ` +
          // /proc stays writable as a filesystem: the process's own comm is writable there.
          'echo renamed > /proc/self/comm && echo "/proc ok"; ' +
          'cat /proc/self/mountinfo',
      ],
      { cwd: bundle.dir },
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 6)).toEqual(['/ ro', '/etc ro', '/dev ok', '/dev/shm ok', '/data ok', '/proc ok']);
    // The mount flags themselves: "/" has ro, the others rw.
    const opts = Object.fromEntries(
      lines
        .filter((l) => ['/', '/dev', '/dev/shm', '/proc', '/data'].includes(l.split(' ')[4] ?? ''))
        .map((l) => {
          const f = l.split(' ');
          return [f[4], f[5]!.split(',')[0]];
        }),
    );
    expect(opts).toEqual({ '/': 'ro', '/proc': 'rw', '/dev': 'rw', '/dev/shm': 'rw', '/data': 'rw' });
    expect(readFileSync(join(volume, '.probe'), 'utf8')).toBe('');
  });
});

describe('masked paths', () => {
  it('masks /proc/keys, /proc/timer_list and the rest of runc defaults, with or without restrictions', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    for (const restrictions of [true, false]) {
      const bundle = await createBundle({
        config: (c) => {
          delete c.networks;
          if (restrictions) c.context = { ...c.context, restrictions: 'true' };
          else delete c.context;
        },
      });
      const r = await runCli(
        [
          'exec',
          'sh',
          '-c',
          'wc -c < /proc/timer_list; wc -c < /proc/keys; ' +
            'grep -cE " /proc/(keys|timer_list|kcore|sched_debug) " /proc/self/mountinfo; ' +
            '(echo x > /proc/keys) 2>/dev/null || echo denied',
        ],
        { cwd: bundle.dir },
      );
      expect(r.stderr).toBe('');
      expect(r.exitCode, `restrictions=${restrictions}`).toBe(0);
      const [timerList, keys, mounted, write] = r.stdout
        .trim()
        .split('\n')
        .map((s) => s.trim());
      // The host's timer list is never empty; the container's reads as an empty file.
      expect(readFileSync('/proc/timer_list', 'utf8').length).toBeGreaterThan(0);
      expect(timerList).toBe('0');
      expect(keys).toBe('0');
      // kcore and sched_debug are masked where the kernel has them.
      const hostHas = ['/proc/keys', '/proc/timer_list', '/proc/kcore', '/proc/sched_debug'].filter(
        existsSync,
      );
      expect(Number(mounted)).toBe(hostHas.length);
      expect(write).toBe('denied');
      await bundle.cleanup();
    }
  });
});
