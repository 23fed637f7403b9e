// A storm of short-lived starts and joins (issue 11): several processes at once, each running
// containers through the library API on one data directory, then on two directories whose configs
// share a cgroups.name (and a cgroups.parent), with memory and pids limits. Every container that
// ran reports from inside its own cgroup (/proc/self/cgroup, a join beside its PID 1) and the limit
// files of that cgroup; no PID 1 is killed by another instance's teardown; the leak check finds
// nothing left (no cgroup leaf or shared parent, no trusted state). CI: 3 processes x 12 runs;
// NSINIT_LONG=1: 6 x 60.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';

useLeakCheck({ settleMs: 5000 });

const LONG = process.env.NSINIT_LONG === '1';
const WORKERS = LONG ? 6 : 3;
const RUNS = LONG ? 60 : 12;
const MEMORY = 64 * 1024 * 1024;
const PIDS = 32;

const RUNTIME = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Inside: own memory cgroup and its limit, own pids cgroup and its limit, PID 1's memory
 *  cgroup. PID 1 lingers a little so that other processes' runs join it. */
const PROBE = [
  "m=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)",
  "p=$(sed -n 's/^[0-9]*:pids://p' /proc/self/cgroup)",
  "m1=$(sed -n 's/^[0-9]*:memory://p' /proc/1/cgroup)",
  'echo "$m $(cat /cg/memory$m/memory.limit_in_bytes) $p $(cat /cg/pids$p/pids.max) $m1"',
  'if [ $$ = 1 ]; then sleep 0.3; fi',
  'exit 0',
].join('\n');

const WORKER = `
  const { exec } = await import(${JSON.stringify(RUNTIME)});
  const [dirs, runs, seed] = JSON.parse(process.argv[1]);
  const out = [];
  for (let i = 0; i < runs; i++) {
    const dir = dirs[(i + seed) % dirs.length];
    try {
      const p = await exec(dir, ['sh', '-c', ${JSON.stringify(PROBE)}], {
        stdio: ['ignore', 'pipe', 'pipe'],
        onWarning: (m) => out.push({ dir, warning: m }),
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      const r = await p.wait();
      out.push({ dir, joined: p.joined, exitCode: r.exitCode, signal: r.signal, stdout, stderr });
    } catch (e) {
      out.push({ dir, error: e.message });
    }
  }
  process.stdout.write(JSON.stringify(out));
`;

interface Outcome {
  dir: string;
  joined?: boolean;
  exitCode?: number | null;
  signal?: string | null;
  stdout?: string;
  stderr?: string;
  error?: string;
  warning?: string;
}

function worker(dirs: string[], seed: number): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', WORKER, JSON.stringify([dirs, RUNS, seed])],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker ${seed} exited with ${code}`));
      else resolve(JSON.parse(out) as Outcome[]);
    });
  });
}

describe('a storm of starts and joins', () => {
  it.each([
    ['one directory', 1],
    ['two directories sharing a cgroups.name', 2],
  ])(
    'on %s: every container ran inside its cgroup with its limits',
    { timeout: LONG ? 600_000 : 50_000 },
    async (_, count, ctx) => {
      requires(ctx, 'root', 'busybox', 'cgroup-v1');
      const parent = `storm-${process.pid}`;
      const dirs: string[] = [];
      for (let i = 0; i < count; i++) {
        const b = await createBundle({
          config: (c: ContainerConfig) => {
            delete c.networks;
            c.cgroups = { ...c.cgroups!, name: 'storm', parent, memory: MEMORY, pids_limit: PIDS };
            c.mounts = [{ type: 'bind', source: '/sys/fs/cgroup', destination: '/cg', writable: false }];
            return c;
          },
        });
        mkdirSync(b.path('cg'));
        dirs.push(b.dir);
      }
      const results = (await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(dirs, i)))).flat();
      const runs = results.filter((r) => r.warning === undefined);
      expect(runs).toHaveLength(WORKERS * RUNS);
      const leaf = new RegExp(`^(\\S*/${parent}/storm-([0-9a-f]{12}))$`);
      let started = 0;
      let joined = 0;
      for (const r of runs) {
        expect(r.error).toBeUndefined();
        if (r.joined) joined++;
        else started++;
        // A PID 1 is never killed: not by another instance's teardown, not by anything.
        if (!r.joined) expect(r).toMatchObject({ exitCode: 0, signal: null, stderr: '' });
        // A joined process ends with its container's PID 1 (NEWPID): the only kill allowed.
        else if (r.signal !== null) expect(r.signal).toBe('SIGKILL');
        if (r.joined && r.stdout === '') continue; // killed with its container before it printed
        const [mem, memLimit, pids, pidsLimit, pid1Mem, ...rest] = r.stdout!.trim().split(' ');
        expect(rest).toEqual([]);
        expect(mem).toMatch(leaf);
        expect(Number(memLimit)).toBe(MEMORY);
        expect(Number(pidsLimit)).toBe(PIDS);
        // The same instance in both hierarchies, and a join sits beside its PID 1.
        expect(leaf.exec(pids!)?.[2]).toBe(leaf.exec(mem!)?.[2]);
        expect(pid1Mem).toBe(mem);
      }
      expect(started).toBeGreaterThan(0);
      expect(joined).toBeGreaterThan(0);
    },
  );
});
