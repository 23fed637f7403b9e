// The code cache a start writes when the shipped one does not fit this Node (bin/user-cache.cjs):
// V8 trusts a cache's contents, so one planted through a symlink or left writable by others must
// never be read. Run as an unprivileged user (nobody) with its own XDG_CACHE_HOME.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requires } from '@nsinit/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const module = fileURLToPath(new URL('../bin/user-cache.cjs', import.meta.url));
const NOBODY = 65534;
let scratch: string | undefined;

afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A home for nobody: <scratch>/cache (XDG_CACHE_HOME) and a bundle file to key caches by. */
function home(): { cache: string; bundle: string } {
  scratch = mkdtempSync(join(tmpdir(), 'nsinit-user-cache-'));
  chmodSync(scratch, 0o755);
  const cache = join(scratch, 'cache');
  mkdirSync(cache);
  chownSync(cache, NOBODY, NOBODY);
  const bundle = join(scratch, 'nsinit.cjs');
  writeFileSync(bundle, '1');
  return { cache, bundle };
}

/** user-cache.cjs as nobody: write `data` when given, then what read() returns (or "none"). */
function asNobody(cache: string, bundle: string, data?: string): string {
  const script = `const c = require(${JSON.stringify(module)}); const k = c.keyOf(${JSON.stringify(bundle)});
${data ? `c.write(k, Buffer.from(${JSON.stringify(data)}));` : ''}
const r = c.read(k); process.stdout.write(r ? r.toString() : 'none');`;
  return execFileSync(
    'setpriv',
    ['--reuid', `${NOBODY}`, '--regid', `${NOBODY}`, '--clear-groups', process.execPath, '-e', script],
    {
      env: { PATH: process.env.PATH, XDG_CACHE_HOME: cache },
      encoding: 'utf8',
    },
  );
}

describe('the per-user code cache', () => {
  it('is written owner-only and read back', (ctx) => {
    requires(ctx, 'root');
    const { cache, bundle } = home();
    expect(asNobody(cache, bundle, 'cached')).toBe('cached');
    expect(readdirSync(join(cache, 'nsinit'))).toHaveLength(1);
  });

  it('refuses a cache directory reached through a symlink', (ctx) => {
    requires(ctx, 'root');
    const { cache, bundle } = home();
    const elsewhere = join(cache, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    chownSync(elsewhere, NOBODY, NOBODY);
    symlinkSync(elsewhere, join(cache, 'nsinit'));
    expect(asNobody(cache, bundle, 'cached')).toBe('none');
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('refuses a cache file others could have written', (ctx) => {
    requires(ctx, 'root');
    const { cache, bundle } = home();
    expect(asNobody(cache, bundle, 'cached')).toBe('cached');
    const dir = join(cache, 'nsinit');
    const [file] = readdirSync(dir);
    chmodSync(join(dir, file!), 0o666);
    expect(asNobody(cache, bundle)).toBe('none');
  });
});
