// The executable: bin/nsinit resolves its own real path, so it runs from any cwd and through a
// symlink on PATH (as pnpm's .bin or a user's ~/bin link it). It runs the bundled CLI
// (dist/nsinit.cjs) through a V8 code cache, says clearly when the bundle is missing, and still
// starts (rewriting the cache) when the cache is missing or damaged.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nsinitBin, runCommand } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

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
  for (const f of ['nsinit', 'load-bundle.cjs', 'package.json'])
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
      stdout: expect.stringMatching(/^nsinit version \d+\.\d+\.\d+\n(commit: [0-9a-f]{40}(-dirty)?\n)?$/),
      stderr: '',
    });
    const help = await runCommand('nsinit', ['exec', '--help'], { cwd: dir, env: pathEnv });
    expect(help.stdout).toMatch(/^Usage: nsinit exec/);
  });

  it('exits 125 naming the missing bundle and the build command', async () => {
    const bin = copyCli(false);
    const r = await runCommand(process.execPath, [bin, '--version'], { cwd: dir, env });
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^nsinit: cannot load the CLI bundle \(.*dist\/nsinit\.cjs is missing\); build it with 'pnpm --filter @nsinit\/cli build'\n$/,
    );
  });

  it('runs the bundle without its code cache or with a damaged one, and writes a fresh cache', async () => {
    const bin = copyCli(true);
    const cache = join(dirname(dirname(bin)), 'dist', 'nsinit.cjs.cache');
    // The copy has the bundle but no tsc output: the bundle alone is the CLI.
    expect(existsSync(join(dirname(cache), 'cli.js'))).toBe(false);
    rmSync(cache);
    const first = await runCommand(process.execPath, [bin, '--version'], { cwd: dir, env });
    expect(first).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^nsinit /), stderr: '' });
    expect(statSync(cache).size).toBeGreaterThan(1000);
    writeFileSync(cache, 'not a code cache');
    const second = await runCommand(process.execPath, [bin, '--version'], { cwd: dir, env });
    expect(second).toMatchObject({ exitCode: 0, stdout: first.stdout, stderr: '' });
    expect(statSync(cache).size).toBeGreaterThan(1000);
  });
});
