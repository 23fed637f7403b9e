// A container's process starts like a fresh process, not like a copy of the Node supervisor:
// no blocked, ignored or caught signals (Node ignores SIGPIPE and installs handlers), stdio that
// is not O_NONBLOCK, and RLIMIT_NOFILE's soft limit at the kernel's default 1024 (Node raises
// its own to the hard limit at start-up) with the inherited hard limit, unless `rlimits` sets it.
// Read from inside real containers, new and joined, through the CLI and through the API.
import { readFileSync } from 'node:fs';
import type { ContainerConfig } from '@nsinit/config';
import { open } from '@nsinit/runtime';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { background, plain, runCli, waitForPid } from './helpers.js';

useLeakCheck();

const O_NONBLOCK = 0o4000;
const PROBE = ['cat', '/proc/self/status', '/proc/self/limits', '/proc/self/fdinfo/0', '/proc/self/fdinfo/1'];

/** What the probe printed, reduced to the fields a fresh process is judged by. */
function inspect(out: string) {
  const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)$`, 'm').exec(out)?.[1];
  const nofile = /^Max open files\s+(\S+)\s+(\S+)/m.exec(out);
  const flags = [...out.matchAll(/^flags:\s+([0-7]+)$/gm)].map((m) => Number.parseInt(m[1]!, 8));
  return {
    sigBlk: field('SigBlk'),
    sigIgn: field('SigIgn'),
    sigCgt: field('SigCgt'),
    nofile: nofile ? [nofile[1], nofile[2]] : null,
    stdioNonblock: flags.map((f) => (f & O_NONBLOCK) !== 0),
  };
}

/** The hard RLIMIT_NOFILE this supervisor passes on (the container keeps it). */
function ourHardNofile(): string {
  return /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]!;
}

const ZERO = '0000000000000000';

async function bundleWith(edit: (c: ContainerConfig) => void = () => {}) {
  return createBundle({
    config: (c) => {
      plain(c);
      edit(c);
    },
  });
}

describe('a fresh process', () => {
  it('via the CLI: no signal state, blocking stdio, NOFILE 1024 soft; new and joined', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    // The 2014 sample sets NOFILE 1024/1024: a config that is silent about it.
    const bundle = await bundleWith((c) => {
      delete c.rlimits;
    });
    const fresh = {
      sigBlk: ZERO,
      sigIgn: ZERO,
      sigCgt: ZERO,
      nofile: ['1024', ourHardNofile()],
      stdioNonblock: [false, false],
    };
    const started = await runCli(['exec', ...PROBE], { cwd: bundle.dir });
    expect(started).toMatchObject({ exitCode: 0, stderr: '' });
    expect(inspect(started.stdout)).toEqual(fresh);

    const first = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    const joined = await runCli(['exec', ...PROBE], { cwd: bundle.dir });
    expect(joined).toMatchObject({ exitCode: 0, stderr: '' });
    expect(inspect(joined.stdout)).toEqual(fresh);
    process.kill(pid1, 'SIGKILL');
    expect((await first.done).exitCode).toBe(137);
  });

  it('via the API with piped stdio, new and joined; a configured NOFILE wins', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await bundleWith((c) => {
      c.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }];
    });
    const container = await open(bundle.dir);
    const collect = async (proc: Awaited<ReturnType<typeof container.exec>>) => {
      let out = '';
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      proc.stdin!.end();
      expect(await proc.wait()).toMatchObject({ exitCode: 0 });
      return inspect(out);
    };
    const fresh = {
      sigBlk: ZERO,
      sigIgn: ZERO,
      sigCgt: ZERO,
      nofile: ['100', '200'],
      stdioNonblock: [false, false],
    };
    expect(await collect(await container.run(PROBE, { stdio: 'pipe' }))).toEqual(fresh);

    const init = await container.run(['sleep', '1000'], { stdio: 'ignore' });
    try {
      expect(await collect(await container.join(PROBE, { stdio: 'pipe' }))).toEqual(fresh);
    } finally {
      init.kill('SIGKILL');
      await init.wait();
    }
  });
});
