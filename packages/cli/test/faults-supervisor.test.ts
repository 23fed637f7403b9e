// Fault injection: the supervisor dies (SIGKILL) at each point of start-up — child cloned and
// waiting for GO, GO sent, exec confirmed but no pid file yet, running with its pid file — and at
// random moments; also a Node program embedding @nsinit/runtime is killed. The container must never
// survive its supervisor (parent-death signal, prctl(2) PR_SET_PDEATHSIG, armed first in the child
// and re-armed after the user switch) and the next `nsinit exec` must start cleanly: a stale pid
// file and a stale cgroup directory are cleaned up, never joined or reused. Points are reached with
// the runtime's test-only NSINIT_TEST_PAUSE hook.
//
// Guard check (scripts/guard-check pdeathsig): without the child's first PR_SET_PDEATHSIG
// and the plan's pdeathsig step, every case but before-go fails (the container outlives its
// supervisor); before-go still passes because a child waiting for GO exits on the sync socket's EOF.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bundle, createBundle, nsinitTestHooksBin, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive, background, runCli, until, waitForPid } from './helpers.js';

useLeakCheck();

const LONG = process.env.NSINIT_LONG === '1';

/** Host pids of the processes whose command line is exactly `argv`. */
function pidsOf(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') === want) out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** A bundle with the default cgroups (a bundle-unique name) and loopback network. */
function bundleWithCgroup(): Promise<Bundle> {
  return createBundle();
}

function cgroupDirs(bundle: Bundle): string[] {
  const name = bundle.config.cgroups!.name!;
  const found: string[] = [];
  for (const ctrl of ['memory', 'cpu', 'devices', 'freezer', 'pids']) {
    const root = `/sys/fs/cgroup/${ctrl}`;
    if (!existsSync(root)) continue;
    const walk = (dir: string, depth: number) => {
      if (depth > 5) return;
      for (const d of readdirSync(dir, { withFileTypes: true })) {
        if (!d.isDirectory()) continue;
        // One leaf per instance: `<cgroups.name>-<instance id>`.
        if (new RegExp(`^${name}-[0-9a-f]{12}$`).test(d.name)) found.push(join(dir, d.name));
        else walk(join(dir, d.name), depth + 1);
      }
    };
    walk(root, 0);
  }
  return found;
}

/** The next exec after a crash: runs, says what it cleaned, and leaves nothing behind. */
async function expectCleanRestart(bundle: Bundle, stalePid: boolean) {
  // PID 1 of its own PID namespace: a fresh container, not a join into a leftover one.
  const r = await runCli(['exec', 'sh', '-c', 'echo fresh $$'], { cwd: bundle.dir });
  expect(r).toMatchObject({ exitCode: 0, stdout: 'fresh 1\n' });
  if (stalePid) expect(r.stderr).toMatch(/^nsinit: warning: removing stale pid file /);
  else expect(r.stderr).toBe('');
  expect(existsSync(bundle.path('pid'))).toBe(false);
  expect(existsSync(bundle.path('start'))).toBe(false);
  expect(cgroupDirs(bundle)).toEqual([]);
}

describe('the supervising nsinit is SIGKILLed during start-up', () => {
  it.for(['cgroups-made', 'before-go', 'after-go', 'after-exec'] as const)(
    'at %s: the container dies with it and the next exec starts cleanly',
    async (point, ctx) => {
      requires(ctx, 'root', 'busybox', 'cgroup-v1');
      const bundle = await bundleWithCgroup();
      const pause = join(tmpdir(), `nsinit-pause-${process.pid}-${point}`);
      rmSync(pause, { force: true });
      const marker = ['sleep', '1001'];
      const sup = background(['exec', ...marker], {
        cwd: bundle.dir,
        env: { ...process.env, NSINIT_TEST_PAUSE: `${point}:${pause}` },
        bin: nsinitTestHooksBin,
      });
      try {
        const child = Number(
          await until(`the pause at ${point}`, () => existsSync(pause) && readFileSync(pause, 'utf8')),
        );
        expect(alive(child)).toBe(true);
        // The cgroup exists from before GO: a crash leaves it for the next start to clean. At
        // cgroups-made its directories exist but the final record does not: the record written
        // before the first mkdir(2) names them.
        expect(cgroupDirs(bundle).length).toBeGreaterThan(0);
        if (point === 'after-exec') await until('the exec', () => pidsOf(marker).includes(child));
        process.kill(sup.pid, 'SIGKILL');
        expect((await sup.done).signal).toBe('SIGKILL');
        await until('the orphaned child to die', () => !alive(child), 5000);
        expect(pidsOf(marker)).toEqual([]);
      } finally {
        rmSync(pause, { force: true });
      }
      // The trusted record is written before GO: the restart reports the instance it cleaned.
      await expectCleanRestart(bundle, true);
    },
  );

  it('while running with its pid file: the stale pid file and cgroup are cleaned up', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundle = await bundleWithCgroup();
    const sup = background(['exec', 'sleep', '1002'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    process.kill(sup.pid, 'SIGKILL');
    await sup.done;
    await until('the container to die', () => !alive(pid1), 5000);
    expect(existsSync(bundle.path('pid'))).toBe(true);
    await expectCleanRestart(bundle, true);
  });

  it(`at random moments (${LONG ? 40 : 6} runs): nothing survives, every restart is clean`, async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundle = await bundleWithCgroup();
    const marker = ['sleep', '1003'];
    const runs = LONG ? 40 : 6;
    for (let i = 0; i < runs; i++) {
      const sup = background(['exec', ...marker], { cwd: bundle.dir });
      // Node start-up takes ~300-500 ms here; spread the kills over it and the start that follows.
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 500));
      process.kill(sup.pid, 'SIGKILL');
      await sup.done;
      await until(`run ${i}: the container to die`, () => pidsOf(marker).length === 0, 5000);
    }
    const r = await runCli(['exec', 'echo', 'fresh'], { cwd: bundle.dir });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'fresh\n' });
    expect(existsSync(bundle.path('pid'))).toBe(false);
    expect(cgroupDirs(bundle)).toEqual([]);
  });
});

describe('a Node program embedding @nsinit/runtime dies', () => {
  it('takes its containers with it; the next start cleans up after it', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundle = await bundleWithCgroup();
    const runtime = fileURLToPath(new URL('../../runtime/dist/index.js', import.meta.url));
    const program = `
      const { open } = await import(${JSON.stringify(runtime)});
      const c = await open(${JSON.stringify(bundle.dir)});
      const p = await c.run(['sleep', '1004'], { stdio: 'ignore' });
      process.stdout.write(String(p.pid) + '\\n');
      setInterval(() => {}, 1000);`;
    const embedder = spawn(process.execPath, ['--input-type=module', '-e', program], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => embedder.on('close', r));
    try {
      let out = '';
      embedder.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      const pid1 = Number(await until('the embedded container', () => /^\d+\n/.test(out) && out.trim()));
      expect(await waitForPid(bundle.dir)).toBe(pid1);
      embedder.kill('SIGKILL');
      await exited;
      await until('the container to die', () => !alive(pid1), 5000);
    } finally {
      embedder.kill('SIGKILL');
      await exited;
    }
    await expectCleanRestart(bundle, true);
  });
});
