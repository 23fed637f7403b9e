// useLeakCheck must be able to fail: a nested vitest run of fixtures/leaky.fixture.ts, where each
// test plants one kind of leak, has exactly the leaking tests failed with a message naming it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { acquireHostLock } from '../src/exclusive.js';
import { unmet } from '../src/index.js';

const vitestBin = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));
const config = fileURLToPath(new URL('./fixtures/vitest.config.ts', import.meta.url));

interface JsonResult {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

it('fails exactly the tests that leak, naming the leak', async () => {
  const out = mkdtempSync(join(tmpdir(), 'nsinit-leak-fixture-'));
  // The fixtures plant host-global leaks for a while: keep other leak-checked tests out meanwhile.
  const release = await acquireHostLock(20_000);
  try {
    const file = join(out, 'result.json');
    await promisify(execFile)(
      process.execPath,
      [vitestBin, 'run', '--config', config, '--reporter=json', `--outputFile=${file}`],
      { env: { ...process.env, VITEST: undefined, VITEST_POOL_ID: undefined, VITEST_WORKER_ID: undefined } },
    ).catch((err: { code?: number }) => {
      if (err.code !== 1) throw err; // 1 = some tests failed, which is the point
    });
    const result = JSON.parse(readFileSync(file, 'utf8')) as JsonResult;
    const byTitle = new Map(result.testResults[0]?.assertionResults.map((a) => [a.title, a]) ?? []);
    const status = (t: string): string | undefined => byTitle.get(t)?.status;
    const message = (t: string): string => byTitle.get(t)?.failureMessages.join('\n') ?? '';

    expect(status('clean')).toBe('passed');
    expect(status('leaks nothing after all')).toBe('passed');
    expect(status('leaks an fd')).toBe('failed');
    expect(message('leaks an fd')).toMatch(/leak check: .*\n\s+fd left open: \d+ -> \/dev\/null/);
    expect(status('leaks a child process')).toBe('failed');
    expect(message('leaks a child process')).toMatch(/child process left running: pid \d+ \(sleep\)/);
    if (unmet('root') === null) {
      expect(status('leaks a tmpfs mount')).toBe('failed');
      expect(message('leaks a tmpfs mount')).toMatch(
        /mount left behind: \/tmp\/nsinit-fixture-mnt-\w+ \(tmpfs from nsinit-fixture\)/,
      );
    }
    if (unmet('root', 'cgroup-v1') === null) {
      expect(status('leaks a cgroup directory')).toBe('failed');
      expect(message('leaks a cgroup directory')).toMatch(
        /cgroup directory left behind: pids:\/nsinit-fixture-\d+/,
      );
    }
    // Each leak is reported once, by the test that made it, not again by the following tests.
    expect(message('leaks a child process')).not.toMatch(/fd left open/);
  } finally {
    release?.();
    rmSync(out, { recursive: true, force: true });
  }
}, 60_000);
