// scripts/test-summary.mjs, the closing line of `scripts/test`: any failure fails it (not only "no
// test passed"), skips are grouped by reason, a skip missing from the host kind's expected list
// fails it, a listed skip that no longer happens is reported, and a skip for the reference data
// beside the repository is accepted.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/test-summary.mjs', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsinit-summary-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Skip {
  file: string;
  name: string;
  reason: string;
}

function summary(
  result: { passed: number; failed: number; brokenFile?: boolean },
  skips: Skip[],
  expected: string[] | null,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string }> {
  const testResults = [
    {
      name: 'a.test.ts',
      status: result.failed > 0 || result.brokenFile ? 'failed' : 'passed',
      assertionResults: result.failed > 0 ? [{ status: 'failed' }] : [],
    },
  ];
  writeFileSync(
    join(dir, 'r.json'),
    JSON.stringify({ numPassedTests: result.passed, numFailedTests: result.failed, testResults }),
  );
  writeFileSync(join(dir, 's.json'), JSON.stringify(skips));
  // CI exports NSINIT_REQUIRE_REFERENCE=1 for the real run; these cases set it only when they mean to.
  const { NSINIT_REQUIRE_REFERENCE: _ci, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    NSINIT_EXPECTED_SKIPS: join(dir, 'expected.txt'),
    ...extraEnv,
  };
  if (expected !== null) writeFileSync(join(dir, 'expected.txt'), `# comment\n${expected.join('\n')}\n`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, join(dir, 'r.json'), join(dir, 's.json')],
      { env },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
      },
    );
  });
}

const v2 = { file: 'p/v2.test.ts', name: 'v2 > limits', reason: 'needs a cgroup v2 hierarchy' };
const ref = {
  file: 'p/s.test.ts',
  name: 'sample',
  reason: '../shared/reference not found: the 2014 sample lives beside the repository, not in it',
};

describe('test-summary', () => {
  it('fails when a test failed, even though others passed; and when a file broke outside its tests', async () => {
    const r = await summary({ passed: 10, failed: 1 }, [], []);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^10 passed, 1 failed, 0 skipped$/m);
    expect((await summary({ passed: 10, failed: 0, brokenFile: true }, [], [])).code).toBe(1);
    expect((await summary({ passed: 0, failed: 0 }, [], [])).code).toBe(1);
  });

  it('passes with expected skips, listing them grouped by reason', async () => {
    const r = await summary(
      { passed: 3, failed: 0 },
      [v2, { ...v2, name: 'v2 > pids' }, ref],
      ['p/v2.test.ts > v2 > limits', 'p/v2.test.ts > v2 > pids'],
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'skipped (3), by reason:\n  needs a cgroup v2 hierarchy (2):\n    - p/v2.test.ts > v2 > limits\n    - p/v2.test.ts > v2 > pids\n',
    );
    expect(r.out).toMatch(/^3 passed, 0 failed, 3 skipped$/m);
  });

  it('fails on a skip the host kind should not have, and reports a listed skip that no longer happens', async () => {
    const r = await summary({ passed: 3, failed: 0 }, [v2], ['p/gone.test.ts > was skipped']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /1 test\(s\) skipped that a .* host should run:\n {2}- p\/v2\.test\.ts > v2 > limits: needs a cgroup v2 hierarchy/,
    );
    expect(r.out).toMatch(
      /1 listed skip\(s\) in .* no longer happen .*\n {2}- p\/gone\.test\.ts > was skipped/,
    );
    const stale = await summary({ passed: 3, failed: 0 }, [], ['p/gone.test.ts > was skipped']);
    expect(stale.code).toBe(0);
  });

  it('with NSINIT_REQUIRE_REFERENCE=1 (CI), a skip for the missing reference data fails the run', async () => {
    const r = await summary({ passed: 3, failed: 0 }, [ref], [], { NSINIT_REQUIRE_REFERENCE: '1' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/- p\/s\.test\.ts > sample: \.\.\/shared\/reference not found/);
  });
});
