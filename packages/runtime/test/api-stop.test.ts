// The stop policy and the user's-terms errors of @nsinit/runtime, with real containers: `timeout`
// and an AbortSignal send the stop signal and then SIGKILL after `stopTimeout` (PID 1 ignores a
// SIGTERM it has no handler for), stop() does the same on demand, exec failures carry the CLI's
// exit codes (126/127) and say why, and container.json's warnings reach onWarning once.
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { open } from '../src/index.js';
import { plain } from './api-helpers.js';

useLeakCheck();

describe('the stop policy', () => {
  it('timeout: SIGTERM is ignored by PID 1, SIGKILL follows after stopTimeout', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const started = Date.now();
    const proc = await container.exec(['sleep', '30'], { stdio: 'ignore', timeout: 300, stopTimeout: 400 });
    const err = await proc.wait().catch((e) => e);
    const took = Date.now() - started;
    expect(err).toMatchObject({ code: 'ERR_NSINIT_TIMEOUT', signal: 'SIGKILL', exitCode: null });
    expect(took).toBeGreaterThanOrEqual(650);
    expect(took).toBeLessThan(5000);
  });

  it('defaults to a 10 s grace, as docker stop', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const started = Date.now();
    const proc = await container.exec(['sleep', '60'], { stdio: 'ignore', timeout: 100 });
    const err = await proc.wait().catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_NSINIT_TIMEOUT', signal: 'SIGKILL' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('an AbortSignal stops a PID 1 that ignores SIGTERM', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const ac = new AbortController();
    const proc = await container.exec(['sleep', '30'], {
      stdio: 'ignore',
      signal: ac.signal,
      stopTimeout: 200,
    });
    setTimeout(() => ac.abort(), 100);
    await expect(proc.wait()).rejects.toMatchObject({ name: 'AbortError', signal: 'SIGKILL' });
  });

  it('stop() ends at the stop signal when the process honours it', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    const proc = await container.exec(
      ['sh', '-c', "trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done"],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise((resolve) => proc.stdout!.once('data', resolve));
    expect(() => proc.stop({ timeout: -5 })).toThrow(/'timeout' option must be a non-negative number/);
    expect(proc.stop({ timeout: 5000 })).toBe(true);
    expect(await proc.wait()).toMatchObject({ exitCode: 7, signal: null });
    expect(proc.stop()).toBe(false);
  });

  it('refuses a stopTimeout that is not a number of milliseconds', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const container = await open(bundle.dir);
    await expect(container.exec(['true'], { stopTimeout: -1 })).rejects.toMatchObject({
      code: 'ERR_NSINIT_INVALID_ARG',
      option: 'stopTimeout',
    });
  });
});

describe('exec failures in the user terms', () => {
  const files = {
    'nobang.sh': 'echo no interpreter line\n',
    'noint.sh': '#!/bin/nosuch -x\necho hi\n',
    'plain.txt': 'not executable\n',
  };

  it('say why and carry the exit code the CLI uses', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain, files });
    const { chmodSync } = await import('node:fs');
    chmodSync(bundle.path('nobang.sh'), 0o755);
    const container = await open(bundle.dir);
    const cases: [string, number, RegExp][] = [
      ['/nobang.sh', 126, /^cannot execute '\/nobang\.sh': not an executable: no #! line/],
      ['/etc', 126, /^cannot execute '\/etc': is a directory$/],
      [
        '/noint.sh',
        127,
        /^cannot execute '\/noint\.sh': interpreter '\/bin\/nosuch' of '\/noint\.sh' not found$/,
      ],
      [
        '/plain.txt',
        126,
        /^cannot execute '\/plain\.txt': permission denied \(the file is not executable\)$/,
      ],
      ['nosuchcmd', 127, /^cannot execute 'nosuchcmd': not found in the container's PATH$/],
      ['/no/such', 127, /^cannot execute '\/no\/such': no such file in the container$/],
    ];
    for (const [cmd, exitCode, message] of cases) {
      const err = await container.exec([cmd], { stdio: 'ignore' }).catch((e) => e);
      expect(err, cmd).toMatchObject({ code: 'ERR_NSINIT_EXEC_FAILED', exitCode, step: 'exec' });
      expect(err.message, cmd).toMatch(message);
    }
    expect(await container.status()).toMatchObject({ running: false });
  });

  it('a working_dir the user cannot enter names working_dir and the user', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => void Object.assign(plain(c), { user: 'nobody', working_dir: '/private' }),
    });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bundle.path('private'), { mode: 0o700 });
    const container = await open(bundle.dir);
    const err = await container.exec(['true'], { stdio: 'ignore' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_NSINIT_START_FAILED', step: 'chdir' });
    expect(err.message).toMatch(
      /^cannot enter working_dir '\/private' as user 'nobody' \(uid 65534, gid \d+\): permission denied$/,
    );
  });
});

describe('config warnings', () => {
  it('reach onWarning once, from open()', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    bundle.writeConfig({ ...bundle.config, hostnme: 'typo', cgroups: undefined });
    const warnings: string[] = [];
    const container = await open(bundle.dir, { onWarning: (m) => warnings.push(m) });
    const proc = await container.exec(['true'], { stdio: 'ignore' });
    await proc.wait();
    expect(warnings).toEqual(['/hostnme: unknown key, ignored; did you mean "hostname"?']);
  });
});
