// The measuring harness: helper/rusage.c (compiled once per run into the run's temp dir) forks,
// execs the command and reports wall time, CPU time and peak RSS from wait4(2)'s rusage on fd 3,
// so the numbers are those of the command and the children it waited for, not of Node.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../helper/rusage.c', import.meta.url));
const FLOOR_SOURCE = fileURLToPath(new URL('../helper/ns-floor.c', import.meta.url));

function compile(source, out) {
  try {
    execFileSync('cc', ['-O2', '-Wall', '-o', out, source], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`cannot compile ${source} with cc (apt-get install gcc): ${err.stderr ?? err.message}`);
  }
  return out;
}

/** Compiles the helper into `dir`; returns its path. */
export function buildHelper(dir) {
  return compile(SOURCE, join(dir, 'rusage'));
}

/** Compiles helper/ns-floor.c (the kernel's floor for a start, embedded case) into `dir`. */
export function buildFloorHelper(dir) {
  return compile(FLOOR_SOURCE, join(dir, 'ns-floor'));
}

/**
 * Runs `argv` under the helper: resolves { wallMs, userMs, sysMs, cpuMs, maxRssKiB, exitCode,
 * signal, stderr }. The command's stdout is discarded; its stderr is kept for error reports.
 */
export function measure(helper, argv, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(helper, argv, { cwd, env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let report = '';
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (stderr.length < 4096) stderr += d;
    });
    child.stdio[3].setEncoding('utf8').on('data', (d) => {
      report += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || report === '') {
        reject(new Error(`rusage helper failed (exit ${code}) for ${argv.join(' ')}: ${stderr.trim()}`));
        return;
      }
      const r = JSON.parse(report);
      resolve({ ...r, cpuMs: r.userMs + r.sysMs, stderr: stderr.trim() });
    });
  });
}

/**
 * One interleaved run: each round runs every runner once (A B C, then B C A, ...) so that drift in
 * machine state (page cache, CPU frequency, other load) hits all runners alike. A runner is
 * { name, argv(i) → string[], cwd?, env? }. Round 0 is a warm-up and not recorded. A runner that
 * fails 3 times is dropped, keeping its last error.
 */
export async function interleave(helper, runners, rounds, { onRound } = {}) {
  const results = new Map(runners.map((r) => [r.name, { samples: [], errors: [] }]));
  const active = [...runners];
  for (let round = 0; round <= rounds; round++) {
    const order = active.map((_, k) => active[(k + round) % active.length]);
    for (const r of order) {
      const res = results.get(r.name);
      if (res.errors.length >= 3) continue;
      try {
        const m = await measure(helper, r.argv(round), { cwd: r.cwd, env: r.env });
        if (m.exitCode !== 0) throw new Error(`exit ${m.exitCode} signal ${m.signal}: ${m.stderr}`);
        if (round > 0) res.samples.push(m);
      } catch (err) {
        res.errors.push(String(err.message ?? err));
      }
    }
    onRound?.(round);
  }
  return results;
}
