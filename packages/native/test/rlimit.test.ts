// rlimits: soft and hard values, -1 as unlimited, read back with busybox ulimit and /proc/self/limits.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { native, type Step } from '../lib/index.js';
import { run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('rlimits', () => {
  const rootfs = useRootfs();

  const R = () => native.rlimits;

  it('sets soft and hard limits', async () => {
    const steps: Step[] = [
      { op: 'rlimit', resource: R().RLIMIT_NOFILE!, soft: 1024, hard: 2048 },
      { op: 'rlimit', resource: R().RLIMIT_CORE!, soft: -1, hard: -1 },
      { op: 'rlimit', resource: R().RLIMIT_NPROC!, soft: 77, hard: 88 },
    ];
    const res = await run(
      standardPlan(
        rootfs().path,
        [
          'sh',
          '-c',
          'ulimit -n; ulimit -Hn; ulimit -c; grep -E "Max (processes|open files|core)" /proc/self/limits',
        ],
        {
          afterPivot: steps,
        },
      ),
    );
    expect(res.failure).toBeNull();
    const out = res.output.trim().split('\n');
    expect(out.slice(0, 3)).toEqual(['1024', '2048', 'unlimited']);
    expect(
      out
        .find((l) => l.startsWith('Max processes'))!
        .split(/\s{2,}/)
        .slice(1, 3),
    ).toEqual(['77', '88']);
    expect(
      out
        .find((l) => l.startsWith('Max core'))!
        .split(/\s{2,}/)
        .slice(1, 3),
    ).toEqual(['unlimited', 'unlimited']);
  });

  it('a soft limit above the hard limit is EINVAL setrlimit', async () => {
    const res = await run(
      standardPlan(rootfs().path, ['true'], {
        afterPivot: [{ op: 'rlimit', resource: R().RLIMIT_NOFILE!, soft: 10, hard: 5 }],
      }),
    );
    expect(res.failure).toMatchObject({ op: 'rlimit', syscall: 'setrlimit', errno: 22 });
  });

  it('hard -2 keeps the inherited hard limit and caps the soft one by it', async () => {
    const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]!;
    const res = await run(
      standardPlan(rootfs().path, ['sh', '-c', 'ulimit -n; ulimit -Hn; ulimit -Su; ulimit -Hu'], {
        afterPivot: [
          { op: 'rlimit', resource: R().RLIMIT_NOFILE!, soft: 1024, hard: -2 },
          // a soft limit above the inherited hard one is capped, not an error
          { op: 'rlimit', resource: R().RLIMIT_NPROC!, soft: 30, hard: 50 },
          { op: 'rlimit', resource: R().RLIMIT_NPROC!, soft: 99, hard: -2 },
        ],
      }),
    );
    expect(res.failure).toBeNull();
    expect(res.output.trim().split('\n')).toEqual(['1024', hard, '50', '50']);
  });

  it('exposes the libc table', () => {
    expect(R().RLIMIT_NOFILE).toBe(7);
    expect(R().RLIMIT_RTTIME).toBe(15);
  });
});
