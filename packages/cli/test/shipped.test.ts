// What users install carries no test hook: the fault-injection pause (NSINIT_TEST_PAUSE, which
// makes root write a pid to any path an environment variable names) is only in the test build.
// Checked on the built files: the CLI bundle and the runtime's package contents.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('..', import.meta.url));
const runtime = fileURLToPath(new URL('../../runtime', import.meta.url));
const HOOK = 'NSINIT_TEST_PAUSE';

/** The files `npm pack` would publish for a package (its "files" applied). */
function packed(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

describe('the shipped build has no fault-injection hook', () => {
  it('the CLI bundle lacks it; the test bundle has it (so this check can fail)', () => {
    const bundle = readFileSync(`${cli}dist/nsinit.cjs`, 'utf8');
    expect(bundle).not.toContain(HOOK);
    expect(readFileSync(`${cli}dist/nsinit-test-hooks.cjs`, 'utf8')).toContain(HOOK);
  });

  it('neither published package contains a file with it', () => {
    for (const dir of [cli, runtime]) {
      const files = packed(dir);
      expect(files.length).toBeGreaterThan(2);
      const withHook = files.filter(
        (f) => existsSync(`${dir}/${f}`) && readFileSync(`${dir}/${f}`, 'utf8').includes(HOOK),
      );
      expect([dir, withHook]).toEqual([dir, []]);
    }
    expect(existsSync(`${runtime}/dist/test-pause.js`)).toBe(true);
  });
});
