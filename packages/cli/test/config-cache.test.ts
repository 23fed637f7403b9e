// The bundled CLI's validated-config cache, end to end: a valid container.json is validated once
// and then answered from the cache; any edit (valid or not) is validated again, so an invalid
// config is reported exactly as without the cache; NSINIT_CONFIG_CACHE=off turns it off.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBundle, requires, runCli, useLeakCheck } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plain } from './helpers.js';

useLeakCheck();

let cacheDir: string;
beforeEach(() => {
  cacheDir = join(mkdtempSync(join(tmpdir(), 'nsinit-cfgcache-')), 'validated');
});
afterEach(() => rmSync(join(cacheDir, '..'), { recursive: true, force: true }));

const entries = () => {
  try {
    return readdirSync(cacheDir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
};

describe('the validated-config cache', () => {
  it('serves an unchanged config and revalidates every edit', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: (c) => void Object.assign(plain(c), { hostname: 'first' }) });
    const env = { ...process.env, NSINIT_CONFIG_CACHE: cacheDir };
    const run = () => runCli(['exec', 'hostname'], { cwd: bundle.dir, env });

    expect(await run()).toMatchObject({ exitCode: 0, stdout: 'first\n', stderr: '' });
    expect(entries()).toHaveLength(1);
    expect(await run()).toMatchObject({ exitCode: 0, stdout: 'first\n' });
    expect(entries()).toHaveLength(1);

    bundle.writeConfig({ ...bundle.config, hostname: 'second' });
    expect(await run()).toMatchObject({ exitCode: 0, stdout: 'second\n' });
    expect(entries()).toHaveLength(2);

    bundle.writeConfig({ ...bundle.config, hostname: 42 });
    const invalid = await run();
    expect(invalid.exitCode).toBe(125);
    expect(invalid.stderr).toMatch(/^nsinit: .*container\.json/);
    expect(invalid.stderr).toMatch(/\/hostname/);
    expect(entries()).toHaveLength(2);
  });

  it('is not used with NSINIT_CONFIG_CACHE=off', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const r = await runCli(['exec', 'true'], {
      cwd: bundle.dir,
      env: { ...process.env, NSINIT_CONFIG_CACHE: 'off' },
    });
    expect(r.exitCode).toBe(0);
    expect(entries()).toEqual([]);
  });
});
