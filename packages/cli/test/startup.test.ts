// What a cold `nsinit exec` loads beyond `node -e 0`: none of the Node built-ins a container with
// inherited stdio, no terminal, no network, no hooks and no seccomp does not use (each pulls in tens
// of internal modules, milliseconds of every start: README "Performance"). A preload records
// process.moduleLoadList before the CLI runs and writes what was added at exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBundle, nsinitBin, requires, useLeakCheck } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plain } from './helpers.js';

useLeakCheck();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsinit-startup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The built-ins that must stay unloaded, as moduleLoadList names them. */
const HEAVY =
  /^NativeModule (crypto|child_process|net|stream|tty|dgram|readline|zlib|http|https|worker_threads|perf_hooks|fs\/promises)$/;

describe('a cold nsinit exec', () => {
  it('loads none of the heavy Node built-ins it does not use', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const preload = join(dir, 'modules.cjs');
    const out = join(dir, 'loaded.json');
    writeFileSync(
      preload,
      `const before = new Set(process.moduleLoadList);
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)},
  JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m)))));
`,
    );
    // stdin and stdout on /dev/null, stderr a pipe: what an engine or a script gives it. The first
    // start validates container.json (loading the validator chunk); the second is the common case.
    for (const round of ['first', 'second']) {
      const r = spawnSync(process.execPath, ['-r', preload, nsinitBin, 'exec', '/bin/true'], {
        cwd: bundle.dir,
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect([round, r.status, r.stderr]).toEqual([round, 0, '']);
    }
    const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
    expect(loaded.filter((m) => HEAVY.test(m))).toEqual([]);
    // Node-API addons load through process.dlopen, not as built-ins: the list is short.
    expect(loaded.length).toBeLessThan(20);
  });
});
