// The symlink-exchange race of CVE-2021-30465 and CVE-2024-45310 (class 3 of docs/security-classes.md):
// while containers start, an attacker process swaps a path on the mount destination's route
// (/mnt/vol of /mnt/vol/data) between a real directory and a symlink to a host canary directory,
// atomically with renameat2(2) RENAME_EXCHANGE, in a tight loop. Whatever instant each container's
// setup hits, the bind must land inside the rootfs (it is then in the container's own mountinfo; a
// bind made on a host path is detached with the old root by pivot_root(2)) or the start must fail
// cleanly; the canary stays untouched and no host mount appears. 30 containers in CI, 200 with
// NSINIT_LONG=1, five at a time on one rootfs (separate data directories).
//
// Guard check (scripts/guard-check resolve-in-root): with path.c resolving container paths
// relative to the rootfs but without RESOLVE_IN_ROOT (absolute links followed to the host), every
// container that hit the symlink lost its bind to the host canary and this test failed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from '@nsinit/runtime';
import { createBundle, createCanary, requires, startSymlinkFlipper, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { plain } from './helpers.js';

useLeakCheck();

const LONG = process.env.NSINIT_LONG === '1';
const CONTAINERS = LONG ? 200 : 30;
const PARALLEL = 5;

describe('a mount destination swapped with an outside symlink while containers start', () => {
  it(`never mounts over a host path (${CONTAINERS} containers)`, {
    timeout: LONG ? 300_000 : 60_000,
  }, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const canary = await createCanary();
    const source = mkdtempSync(join(tmpdir(), 'nsinit-race-src-'));
    writeFileSync(join(source, 'from-source'), 'bound\n');
    const data = mkdtempSync(join(tmpdir(), 'nsinit-race-data-'));
    onTestFinished(() => {
      rmSync(source, { recursive: true, force: true });
      rmSync(data, { recursive: true, force: true });
    });
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.mounts = [{ type: 'bind', source, destination: '/mnt/vol/data', writable: false }];
      },
    });
    mkdirSync(bundle.path('mnt/vol/data'), { recursive: true });
    // Prints the mount point of every mount whose root is the bind source. (Its path moves with
    // the flips, /mnt/vol/data or /mnt/vol.flip/data, and may read as the symlink side meanwhile:
    // presence in the container's table is the proof, content is not probed.)
    const probe = ['sh', '-c', `awk '$4 == "${source}" { print $5 }' /proc/self/mountinfo`];

    const flipper = await startSymlinkFlipper(bundle.path('mnt/vol'), canary.path('dir'));
    const outcomes = { inside: 0, refused: 0 };
    const problems: string[] = [];
    const one = async (i: number) => {
      const root = join(data, String(i));
      mkdirSync(root);
      writeFileSync(join(root, 'container.json'), JSON.stringify(bundle.config));
      const container = await open(bundle.dir, { root });
      let proc: Awaited<ReturnType<typeof container.run>>;
      try {
        proc = await container.run(probe, { stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        const e = err as { code?: string; step?: string; message: string };
        if (e.code === 'ERR_NSINIT_START_FAILED' && e.step === 'bind') outcomes.refused++;
        else problems.push(`container ${i}: unexpected error ${e.code}: ${e.message}`);
        return;
      }
      let out = '';
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      proc.stderr!.resume();
      const result = await proc.wait();
      const lines = out.trim().split('\n');
      // Exactly one bind in the container's own table: made inside the rootfs.
      if (result.exitCode === 0 && lines.length === 1 && lines[0]!.startsWith('/mnt/')) outcomes.inside++;
      else problems.push(`container ${i}: exit ${result.exitCode}, bind seen as ${JSON.stringify(out)}`);
    };
    try {
      for (let i = 0; i < CONTAINERS; i += PARALLEL) {
        await Promise.all(Array.from({ length: Math.min(PARALLEL, CONTAINERS - i) }, (_, k) => one(i + k)));
      }
    } finally {
      const flips = await flipper.stop();
      expect(flips).toBeGreaterThan(CONTAINERS);
    }
    expect(problems).toEqual([]);
    // Both outcomes happen under the race; each container took one of them.
    expect(outcomes.inside + outcomes.refused).toBe(CONTAINERS);
    expect(canary.changes()).toEqual([]);
  });
});
