// The executable: bin/nsinit resolves its own real path, so it runs from any cwd and through a
// symlink on PATH (as pnpm's .bin or a user's ~/bin link it).
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nsinitBin, runCommand } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsinit-bin-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/nsinit', () => {
  it('runs through a symlink on PATH from an unrelated directory', async () => {
    symlinkSync(nsinitBin, join(dir, 'nsinit'));
    const env = { ...process.env, PATH: `${dir}:${dirname(process.execPath)}:/usr/bin:/bin` };
    const r = await runCommand('nsinit', ['--version'], { cwd: '/', env });
    expect(r).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^nsinit \d+\.\d+\.\d+\n$/),
      stderr: '',
    });
    const help = await runCommand('nsinit', ['exec', '--help'], { cwd: dir, env });
    expect(help.stdout).toMatch(/^Usage: nsinit exec/);
  });
});
