// Shared by the engine suites: the runtimes every case runs against, and a leak check around a
// whole file (an engine's cgroup parent and host directories exist from its first container until
// the harness removes them, so per-test snapshots would flag them).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { acquireHostLock, settledDiff, snapshotHost, type HostSnapshot } from '@nsinit/testkit';

export const RUNC = '/usr/sbin/runc';

/** packages/cli/bin/nsinit-oci, beside this test directory. */
export const NSINIT_OCI = fileURLToPath(new URL('../bin/nsinit-oci', import.meta.url));

/** Each case runs once per runtime; runc is the control. */
export const ENGINE_RUNTIMES: { name: string; path: string }[] = [
  { name: 'runc', path: RUNC },
  { name: 'nsinit-oci', path: NSINIT_OCI },
];

export function useEngineLeakCheck(): void {
  let before: HostSnapshot | null = null;
  let release: (() => void) | null = null;
  beforeAll(async () => {
    // The whole file holds the machine-wide lock: an engine's cgroups and mounts would otherwise
    // show up in other files' leak checks. Never run without it.
    release = await acquireHostLock(600_000);
    if (!release)
      throw new Error('engine suite: the machine-wide leak-check lock stayed busy for 10 minutes');
    before = snapshotHost();
  }, 610_000);
  afterAll(async () => {
    try {
      if (!before) return;
      const lines = await settledDiff(before, { settleMs: 5000 });
      if (lines.length > 0)
        throw new Error(`engine suite left ${lines.length} resource(s) behind:\n  ${lines.join('\n  ')}`);
    } finally {
      release?.();
    }
  }, 30_000);
}
