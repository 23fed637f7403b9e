// Twenty `nsinit exec` racing on one directory: the data-directory lock lets exactly one start the
// container (its command is PID 1); every other one finds it live and joins.
import { writeFileSync } from 'node:fs';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { background, plain } from './helpers.js';

useLeakCheck();

describe('concurrent nsinit exec', () => {
  it('starts one container; the other 19 join it', { timeout: 90_000 }, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    // PID 1 waits for /tmp/release (written by the test once every joiner is done); joiners exit at once.
    const script = 'echo "pid=$$"; if [ $$ = 1 ]; then while [ ! -e /tmp/release ]; do sleep 0.05; done; fi';
    const runs = Array.from({ length: 20 }, () =>
      background(['exec', 'sh', '-c', script], { cwd: bundle.dir }),
    );
    const pid1Index = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const i = runs.findIndex((r) => r.stdoutSoFar() === 'pid=1\n');
        if (i >= 0) {
          clearInterval(timer);
          resolve(i);
        }
      }, 20);
      setTimeout(() => {
        clearInterval(timer);
        reject(new Error('no run became PID 1'));
      }, 60_000);
    });
    const joiners = runs.filter((_, i) => i !== pid1Index);
    const joined = await Promise.all(joiners.map((r) => r.done));
    writeFileSync(bundle.path('tmp/release'), '');
    const first = await runs[pid1Index]!.done;
    expect(first).toMatchObject({ exitCode: 0, stdout: 'pid=1\n', stderr: '' });
    for (const r of joined) {
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^pid=\d+\n$/);
      expect(r.stdout).not.toBe('pid=1\n');
    }
    expect(new Set(joined.map((r) => r.stdout)).size).toBe(19);
  });
});
