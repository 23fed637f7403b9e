// Runs an in-process case (embedded API, memory, validation) in a fresh Node process, so that
// each starts from the same cold state and its RSS belongs to it alone; prints one JSON line.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function runWorker(file, args, { timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', fileURLToPath(file), '--worker', JSON.stringify(args)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const result = JSON.parse(line);
        if (result.error) reject(new Error(result.error));
        else resolve(result);
      } catch {
        reject(new Error(`worker ${file} failed (exit ${code ?? signal}): ${err.trim() || out.trim()}`));
      }
    });
  });
}

/** Worker side: parse the arguments, run `fn`, print its JSON result (or the error). */
export async function workerMain(fn) {
  const args = JSON.parse(process.argv[3] ?? '{}');
  try {
    const result = await fn(args);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ error: String(err?.stack ?? err) })}\n`);
    process.exitCode = 1;
  }
}
