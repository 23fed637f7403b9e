// Planted data files (issue 11): pid, start and container.json as a symlink (to /dev/zero or a
// secret), a FIFO, or a huge file. Every host-side read is bounded: a one-line error or warning
// naming the file, never a hang, an OOM or the file's contents. Each case has a timeout that
// would catch a hang.
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { type Bundle, createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { plain, runCli } from './helpers.js';

useLeakCheck();

type Plant = [string, (path: string) => void, string];

const SECRET = 'root:$6$not-to-be-echoed:19000:0:99999:7:::\n';

/** A sparse 1 GiB file: the size without the disk space. */
function huge(path: string): void {
  writeFileSync(path, '');
  truncateSync(path, 1024 ** 3);
}

const plants: Plant[] = [
  ['a symlink to /dev/zero', (p) => symlinkSync('/dev/zero', p), 'is a symbolic link'],
  ['a FIFO', (p) => execFileSync('mkfifo', [p]), 'not a regular file (fifo)'],
  ['a 1 GiB file', huge, 'larger than 32 bytes'],
  ['a file of secrets', (p) => writeFileSync(p, SECRET.repeat(4)), 'larger than 32 bytes'],
];

function plant(bundle: Bundle, name: string, how: (path: string) => void) {
  rmSync(bundle.path(name), { force: true });
  how(bundle.path(name));
}

describe.each(['pid', 'start'])('a planted %s file', (name) => {
  it.each(plants)(
    'as %s: status warns and exec starts fresh, never hangs',
    { timeout: 20_000 },
    async (_, how, why, ctx) => {
      requires(ctx, 'root', 'busybox');
      const bundle = await createBundle({ config: plain });
      plant(bundle, name, how);
      writeFileSync(bundle.path(name === 'pid' ? 'start' : 'pid'), '1');
      const status = await runCli(['status'], { cwd: bundle.dir, timeout: 10_000 });
      expect(status).toMatchObject({ exitCode: 1, signal: null, stdout: 'not running\n' });
      expect(status.stderr).toContain(`nsinit: warning: ${bundle.path(name)}: ${why}; ignoring it\n`);
      expect(status.stderr).not.toContain('not-to-be-echoed');
      const stats = await runCli(['stats'], { cwd: bundle.dir, timeout: 10_000 });
      expect(stats).toMatchObject({ exitCode: 1, signal: null });
      const r = await runCli(['exec', 'sh', '-c', 'echo fresh $$'], { cwd: bundle.dir, timeout: 10_000 });
      expect(r).toMatchObject({ exitCode: 0, signal: null, stdout: 'fresh 1\n' });
      expect(r.stderr).toMatch(/^nsinit: warning: removing stale pid file in '.*': /);
      expect(r.stderr).toContain(`${bundle.path(name)}: ${why}`);
      expect(r.stderr).not.toContain('not-to-be-echoed');
    },
  );
});

describe('a planted container.json', () => {
  const cases: Plant[] = [
    ['a symlink to /dev/zero', (p) => symlinkSync('/dev/zero', p), 'is a symbolic link'],
    ['a FIFO', (p) => execFileSync('mkfifo', [p]), 'not a regular file (fifo)'],
    ['a 1 GiB file', huge, 'larger than 4 MiB'],
  ];
  it.each(cases)(
    'as %s: exec and config validate fail at once naming it',
    { timeout: 20_000 },
    async (_, how, why, ctx) => {
      requires(ctx, 'root', 'busybox');
      const bundle = await createBundle({ config: plain });
      plant(bundle, 'container.json', how);
      const line = `nsinit: cannot read config ${bundle.configPath}: ${why}\n`;
      const r = await runCli(['exec', 'true'], { cwd: bundle.dir, timeout: 10_000 });
      expect(r).toMatchObject({ exitCode: 125, signal: null, stdout: '', stderr: line });
      const v = await runCli(['config', 'validate'], { cwd: bundle.dir, timeout: 10_000 });
      expect(v).toMatchObject({ exitCode: 1, signal: null, stdout: '', stderr: line });
    },
  );
});
