// Case 3: joining a running container — `nsinit exec /bin/true` in a directory whose container is
// live (setns(2) into its namespaces) vs `runc exec` / `crun exec` into a detached container.
// Each target runs `sleep` as PID 1; all three joins are interleaved round by round.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { interleave } from '../lib/harness.mjs';
import { toSummary } from './cold.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startNsinitTarget(ctx) {
  const { joinBundle: b, nsinit } = ctx;
  const cli = spawn(nsinit.bin, ['exec', '/bin/sleep', '1000000'], {
    cwd: b.dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  cli.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => cli.once('exit', resolve));
  const pidFile = b.path('pid');
  for (let i = 0; i < 200 && !existsSync(pidFile); i++) {
    if (cli.exitCode !== null) break;
    await sleep(25);
  }
  if (!existsSync(pidFile)) {
    cli.kill('SIGKILL');
    await exited;
    throw new Error(`nsinit join target did not start: ${stderr.trim()}`);
  }
  return {
    stop: async () => {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => cli.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

function startOciTarget(rt, prefix, bundle, id) {
  const [cmd, ...args] = [...prefix, ...rt.run(bundle, id, '--detach')];
  execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
  return {
    stop: async () => {
      for (const argv of [rt.kill(id, 'KILL'), rt.delete(id)]) {
        const [c, ...a] = [...prefix, ...argv];
        try {
          execFileSync(c, a, { stdio: 'ignore' });
        } catch {
          /* delete --force below covers a kill that raced the exit */
        }
      }
    },
  };
}

export async function joinCase(ctx) {
  const { runc, crun, crunPrefix, oci, nsinit } = ctx;
  const id = `bench-join-${process.pid}`;
  const targets = [];
  const runners = [];
  const failures = {};
  try {
    if (nsinit.ok) {
      try {
        targets.push(await startNsinitTarget(ctx));
        runners.push({
          name: 'nsinit',
          argv: () => [nsinit.bin, 'exec', '/bin/true'],
          cwd: ctx.joinBundle.dir,
        });
      } catch (err) {
        failures.nsinit = err.message;
      }
    }
    for (const [rt, prefix] of [
      [runc, []],
      [crun, crunPrefix],
    ]) {
      try {
        targets.push(startOciTarget(rt, prefix, oci.sleepBundle, id));
        runners.push({ name: rt.name, argv: () => [...prefix, ...rt.exec(id, ['/bin/true'])] });
      } catch (err) {
        failures[rt.name] = err.message;
      }
    }
    const results = await interleave(ctx.helper, runners, ctx.rounds, { onRound: ctx.progress('join') });
    return {
      rounds: ctx.rounds,
      runners: runners.map((r) => toSummary(r.name, results.get(r.name))),
      failures,
    };
  } finally {
    for (const t of targets) await t.stop();
  }
}
