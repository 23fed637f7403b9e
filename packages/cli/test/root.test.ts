// Where things live: --root and the 2014 `data_path` variable move container.json and the pid
// files; the rootfs stays the working directory (or --dir) and is left unchanged.
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { background, plain, runCli, waitForPid } from './helpers.js';

useLeakCheck();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nsinit-data-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function movedBundle() {
  const bundle = await createBundle({ config: plain, files: { marker: 'in-the-rootfs\n' } });
  const data = tempDir();
  renameSync(bundle.configPath, join(data, 'container.json'));
  return { bundle, data, before: readdirSync(bundle.dir).sort() };
}

describe('--root, data_path and --dir', () => {
  it('--root puts config and pid files elsewhere; the rootfs is unchanged', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const { bundle, data, before } = await movedBundle();
    const bg = background(['--root', data, 'exec', 'sh', '-c', 'cat /marker; sleep 1000'], {
      cwd: bundle.dir,
    });
    const pid = await waitForPid(data);
    expect(readdirSync(bundle.dir).sort()).toEqual(before);
    const status = await runCli(['status', '--json', '--root', data], { cwd: bundle.dir });
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      running: true,
      pid,
      dataDir: data,
      rootfs: bundle.dir,
    });
    process.kill(pid, 'SIGKILL');
    const r = await bg.done;
    expect(r).toMatchObject({ exitCode: 137, stdout: 'in-the-rootfs\n' });
    expect(readdirSync(data).filter((f) => f === 'pid' || f === 'start')).toEqual([]);
    expect(readdirSync(bundle.dir).sort()).toEqual(before);
  });

  it('honours the data_path environment variable (relative to the working directory)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const { bundle, data, before } = await movedBundle();
    const r = await runCli(['exec', 'cat', '/marker'], {
      cwd: bundle.dir,
      env: { ...process.env, data_path: data },
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'in-the-rootfs\n', stderr: '' });
    expect(readdirSync(bundle.dir).sort()).toEqual(before);
    // Without it, the config is looked for in the rootfs and its absence is reported clearly.
    const missing = await runCli(['exec', 'cat', '/marker'], { cwd: bundle.dir });
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toMatch(/^nsinit: .*container\.json/);
  });

  it('--dir names the container directory so users need not cd', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain, files: { marker: 'via-dir\n' } });
    const elsewhere = tempDir();
    mkdirSync(join(elsewhere, 'sub'));
    writeFileSync(join(elsewhere, 'marker'), 'wrong\n');
    const r = await runCli(['--dir', bundle.dir, 'exec', 'cat', '/marker'], { cwd: elsewhere });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'via-dir\n' });
    expect(readdirSync(elsewhere).sort()).toEqual(['marker', 'sub']);
  });
});
