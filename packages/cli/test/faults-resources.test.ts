// Fault injection on resources: the container runs out of memory (cgroups(7) memory controller,
// the OOM killer), the data directory is full when the pid files are written (a tmpfs(5) of 64 KiB
// the test mounts and fills), container.json cannot be read or parsed, and the rootfs sits on a
// read-only mount (mount(8) bind,ro). Each must give one clear line naming the path and the reason
// (exit 125 when nsinit failed) and leave no process, pid file, cgroup directory or mount behind.
//
// Guard check (scripts/guard-check pidfile-write-ignored): with launch.ts no longer killing the child when
// writing the pid files fails, the disk-full case fails (the container keeps running, unsupervised).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bundle, createBundle, nsinitBin, requires, runCommand, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { plain, runCli } from './helpers.js';

useLeakCheck();

function pidsOf(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8') === want;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A scratch directory with a mount on it for the duration of `body`; unmounted and removed after. */
async function withMount(args: string[], body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nsinit-fault-'));
  try {
    execFileSync('mount', [...args, dir]);
    try {
      await body(dir);
    } finally {
      execFileSync('umount', [dir]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('out of memory in the container', () => {
  it('reports the OOM kill, cleans up, and the next start is fresh', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundle = await createBundle({
      config: (c) => {
        delete c.networks;
        c.cgroups = { ...c.cgroups!, memory: 16 << 20 };
      },
    });
    const r = await runCli(['exec', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], {
      cwd: bundle.dir,
    });
    expect(r.exitCode).toBe(137);
    expect(r.stderr).toContain('nsinit: the container was killed (SIGKILL): out of memory\n');
    expect(existsSync(bundle.path('pid'))).toBe(false);
    const again = await runCli(['exec', 'sh', '-c', 'echo fresh $$'], { cwd: bundle.dir });
    expect(again).toMatchObject({ exitCode: 0, stdout: 'fresh 1\n', stderr: '' });
  });
});

describe('a full data directory', () => {
  it('stops the container when its pid files cannot be written, and says which file', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    await withMount(['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs'], async (data) => {
      copyFileSync(bundle.configPath, join(data, 'container.json'));
      // The empty pid/start files made before clone need only inodes; fill every data block.
      const fd = openSync(join(data, 'fill'), 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(4096, 1));
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const marker = ['sleep', '1005'];
      const r = await runCli(['--root', data, 'exec', ...marker], { cwd: bundle.dir });
      expect(r).toMatchObject({ exitCode: 125, stdout: '' });
      expect(r.stderr).toBe(
        `nsinit: cannot write the start file '${join(data, 'start')}': ENOSPC: no space left on device, write\n`,
      );
      // Never left running unsupervised, and no half-written state.
      expect(pidsOf(marker)).toEqual([]);
      expect(readdirSync(data).sort()).toEqual(['container.json', 'fill']);
    });
  });
});

describe('an unreadable container.json', () => {
  const cases: [string, (b: Bundle) => void, RegExp][] = [
    [
      'missing',
      (b) => rmSync(b.configPath),
      /^no container\.json in \/.*; create one with 'nsinit spec > container\.json'$/m,
    ],
    [
      'a directory',
      (b) => {
        rmSync(b.configPath);
        mkdirSync(b.configPath);
      },
      /^cannot read config .*container\.json: EISDIR: illegal operation on a directory/,
    ],
    [
      'truncated JSON',
      (b) => writeFileSync(b.configPath, '{"hostname": "x", '),
      /^invalid config .*container\.json: \/: invalid JSON at line 1 column 19/,
    ],
    [
      'binary garbage',
      (b) => writeFileSync(b.configPath, Buffer.from([0xff, 0xfe, 0, 1, 2])),
      /^invalid config .*container\.json: \/: invalid JSON/,
    ],
    ['empty', (b) => writeFileSync(b.configPath, ''), /^invalid config .*container\.json: /],
    ['not an object', (b) => writeFileSync(b.configPath, '[1,2]'), /^invalid config .*container\.json: /],
  ];

  it.for(cases)('fails clearly when it is %s', async ([, damage, message], ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    damage(bundle);
    const r = await runCli(['exec', 'echo', 'ran'], { cwd: bundle.dir });
    expect(r).toMatchObject({ exitCode: 125, stdout: '' });
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr.replace(/^nsinit: /, '')).toMatch(message);
    expect(existsSync(bundle.path('pid'))).toBe(false);
  });

  it('fails clearly when its mode is 000 and nsinit lacks CAP_DAC_OVERRIDE', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    chmodSync(bundle.configPath, 0);
    const r = await runCommand(
      'setpriv',
      ['--bounding-set', '-dac_override,-dac_read_search', '--', nsinitBin, 'exec', 'echo', 'ran'],
      { cwd: bundle.dir },
    );
    expect(r).toMatchObject({ exitCode: 125, stdout: '' });
    expect(r.stderr).toBe(
      `nsinit: cannot read config ${bundle.configPath}: EACCES: permission denied, open '${bundle.configPath}'\n`,
    );
  });
});

describe('a rootfs on a read-only mount', () => {
  it('runs with --root elsewhere; the container sees a read-only /', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const data = mkdtempSync(join(tmpdir(), 'nsinit-rodata-'));
    try {
      copyFileSync(bundle.configPath, join(data, 'container.json'));
      await withMount(['--bind', '-o', 'ro', bundle.dir], async (ro) => {
        const r = await runCli(
          ['--root', data, 'exec', 'sh', '-c', 'touch /x || echo refused; ls /dev/null'],
          { cwd: ro },
        );
        expect(r).toMatchObject({ exitCode: 0, stdout: 'refused\n/dev/null\n' });
        expect(r.stderr).toMatch(/Read-only file system/);
        // Without --root the data directory is the read-only rootfs: the pid file cannot be made
        // (the lock is in the trusted state, outside the rootfs).
        const noRoot = await runCli(['exec', 'true'], { cwd: ro });
        expect(noRoot).toMatchObject({ exitCode: 125, stdout: '' });
        expect(noRoot.stderr).toBe(
          `nsinit: cannot write the pid file '${join(ro, 'pid')}': EROFS: read-only file system, open '${join(ro, 'pid')}'\n`,
        );
        // A bind whose destination is missing cannot be created on it.
        writeFileSync(
          join(data, 'container.json'),
          JSON.stringify({
            ...bundle.config,
            mounts: [{ type: 'bind', source: data, destination: '/mnt/new' }],
          }),
        );
        const bind = await runCli(['--root', data, 'exec', 'true'], { cwd: ro });
        expect(bind).toMatchObject({ exitCode: 125, stdout: '' });
        expect(bind.stderr).toBe(
          "nsinit: container setup failed at step 'bind': EROFS: read-only file system, mkdirat '/mnt/new'\n",
        );
      });
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
