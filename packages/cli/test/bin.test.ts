// The executable: bin/nsinit resolves its own real path, so it runs from any cwd and through a
// symlink on PATH (as pnpm's .bin or a user's ~/bin link it), without Node's extra CA bundle. It runs the bundled CLI
// (dist/nsinit.cjs) through a V8 code cache, says clearly when the bundle is missing, and still
// starts when the cache is missing or damaged, caching it in the user's cache directory instead.
import { createRequire } from 'node:module';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nsinitBin, runCommand } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsinit-bin-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cliDir = dirname(dirname(nsinitBin));
const env = { ...process.env, NODE_OPTIONS: '' };

/** A copy of the package's bin/ (and, optionally, its bundles) in `dir`/cli. */
function copyCli(withBundles: boolean): string {
  const root = join(dir, 'cli');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  for (const f of ['nsinit', 'load-bundle.cjs', 'user-cache.cjs', 'package.json'])
    copyFileSync(join(cliDir, 'bin', f), join(root, 'bin', f));
  copyFileSync(join(cliDir, 'package.json'), join(root, 'package.json'));
  if (withBundles) {
    for (const f of ['nsinit.cjs', 'nsinit.cjs.cache'])
      copyFileSync(join(cliDir, 'dist', f), join(root, 'dist', f));
  }
  return join(root, 'bin', 'nsinit');
}

describe('bin/nsinit', () => {
  it('runs through a symlink on PATH from an unrelated directory', async () => {
    symlinkSync(nsinitBin, join(dir, 'nsinit'));
    const pathEnv = { ...process.env, PATH: `${dir}:${dirname(process.execPath)}:/usr/bin:/bin` };
    const r = await runCommand('nsinit', ['--version'], { cwd: '/', env: pathEnv });
    expect(r).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(
        /^nsinit version \d+\.\d+\.\d+\n(commit: [0-9a-f]{40}(-dirty)?\n)?spec: 1\.\d+\.\d+\n$/,
      ),
      stderr: '',
    });
    const help = await runCommand('nsinit', ['exec', '--help'], { cwd: dir, env: pathEnv });
    expect(help.stdout).toMatch(/^Usage: nsinit exec/);
  });

  it('never loads the CA bundle NODE_EXTRA_CA_CERTS names (nsinit makes no TLS connections)', async () => {
    // Node reads that file before any JavaScript runs (~35 ms on a system bundle); a missing one
    // makes it warn. bin/nsinit is a shell line that drops the variable, then JavaScript for node:
    // through a symlink on PATH, run by sh as pnpm's .bin shims do, and for nsinit-oci alike.
    symlinkSync(nsinitBin, join(dir, 'nsinit'));
    const caEnv = {
      ...env,
      PATH: `${dir}:${dirname(process.execPath)}:/usr/bin:/bin`,
      NODE_EXTRA_CA_CERTS: join(dir, 'no-such-ca.pem'),
    };
    const runs = [
      await runCommand('nsinit', ['--version'], { cwd: '/', env: caEnv }),
      await runCommand('sh', [nsinitBin, '--version'], { cwd: '/', env: caEnv }),
      await runCommand(join(dirname(nsinitBin), 'nsinit-oci'), ['--version'], { cwd: '/', env: caEnv }),
    ];
    for (const r of runs)
      expect(r).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^nsinit/), stderr: '' });
    // The control: node itself warns about the same variable.
    const control = await runCommand(process.execPath, ['-e', '0'], { cwd: '/', env: caEnv });
    expect(control.stderr).toMatch(/Ignoring extra certs from/);
  });

  it('exits 125 naming the missing bundle and the build command', async () => {
    const bin = copyCli(false);
    const r = await runCommand(process.execPath, [bin, '--version'], { cwd: dir, env });
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^nsinit: cannot load the CLI bundle \(.*dist\/nsinit\.cjs is missing\); reinstall @nsinit\/cli, or run 'pnpm build' in a checkout\n$/,
    );
  });

  it('runs the bundle without its code cache or with a damaged one, and caches it outside the package', async (ctx) => {
    const bin = copyCli(true);
    const dist = join(dirname(dirname(bin)), 'dist');
    const cache = join(dist, 'nsinit.cjs.cache');
    // The copy has the bundle but no tsc output: the bundle alone is the CLI.
    expect(existsSync(join(dist, 'cli.js'))).toBe(false);
    rmSync(cache);
    // Where this user's start writes the cache it made (bin/user-cache.cjs), keyed by the bundle.
    const userCache = require(join(dirname(bin), 'user-cache.cjs')) as {
      cacheDir(): string | undefined;
      keyOf(file: string): string | undefined;
    };
    const cacheDir = userCache.cacheDir();
    if (cacheDir === undefined) return ctx.skip('no HOME or XDG_CACHE_HOME for a cache directory');
    const written = join(cacheDir, userCache.keyOf(join(dist, 'nsinit.cjs'))!);
    try {
      const first = await runCommand(process.execPath, [bin, '--version'], { cwd: '/', env });
      expect(first).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^nsinit /), stderr: '' });
      expect(existsSync(cache)).toBe(false);
      expect(statSync(written).size).toBeGreaterThan(1000);
      writeFileSync(cache, 'not a code cache');
      const second = await runCommand(process.execPath, [bin, '--version'], { cwd: '/', env });
      expect(second).toMatchObject({ exitCode: 0, stdout: first.stdout, stderr: '' });
      // The rejected shipped cache is left alone; the start used (or rewrote) its own.
      expect(readFileSync(cache, 'utf8')).toBe('not a code cache');
      expect(readdirSync(dist).sort()).toEqual(['nsinit.cjs', 'nsinit.cjs.cache']);
      expect(statSync(written).size).toBeGreaterThan(1000);
    } finally {
      rmSync(written, { force: true });
    }
  });
});
