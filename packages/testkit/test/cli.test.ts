// runCli/runCommand against real processes (busybox sh as a stand-in for the CLI's mechanics:
// pipes, input, exit codes, signals, timeouts), and the location of the real nsinit command.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nsinitBin, runCommand, useLeakCheck } from '../src/index.js';

describe('runCommand', () => {
  useLeakCheck();

  it('collects stdout, stderr and the exit code, feeding input to stdin', async () => {
    const r = await runCommand('/bin/busybox', ['sh', '-c', 'read x; echo "out:$x"; echo err >&2; exit 3'], {
      input: 'hello\n',
    });
    expect(r).toEqual({ exitCode: 3, signal: null, stdout: 'out:hello\n', stderr: 'err\n' });
  });

  it('reports a signal death as signal, not exit code', async () => {
    const r = await runCommand('/bin/busybox', ['sh', '-c', 'kill -TERM $$']);
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe('SIGTERM');
  });

  it('runs in cwd with the given env', async () => {
    const r = await runCommand('/bin/busybox', ['sh', '-c', 'echo "$PWD $FOO"'], {
      cwd: '/tmp',
      env: { FOO: 'bar' },
    });
    expect(r.stdout).toBe('/tmp bar\n');
  });

  it('kills a command that overruns its timeout and rejects with its output', async () => {
    const t0 = Date.now();
    await expect(
      runCommand('/bin/busybox', ['sh', '-c', 'echo started; exec sleep 30'], { timeout: 300 }),
    ).rejects.toMatchObject({
      code: 'ERR_NSINIT_TEST_TIMEOUT',
      message: expect.stringContaining('stdout: started'),
    });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('rejects when the file cannot be run', async () => {
    await expect(runCommand('/nonexistent/nsinit', [])).rejects.toMatchObject({
      code: 'ERR_NSINIT_TEST_CLI',
    });
  });
});

describe('nsinitBin', () => {
  it('is packages/cli/bin/nsinit', () => {
    expect(nsinitBin).toBe(fileURLToPath(new URL('../../cli/bin/nsinit', import.meta.url)));
    expect(existsSync(new URL('../../cli/package.json', import.meta.url))).toBe(true);
  });
});
