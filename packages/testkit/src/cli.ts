// Runs the real `nsinit` command (packages/cli/bin/nsinit) as a child process with pipes for
// stdio, the way a user's shell would, and collects its exit status and output.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TestkitError } from './errors.js';

/** Absolute path of packages/cli/bin/nsinit (same relative place from src/ and dist/). */
export const nsinitBin: string = fileURLToPath(new URL('../../cli/bin/nsinit', import.meta.url));
/** nsinit built with the fault-injection hook (NSINIT_TEST_PAUSE), which the real one lacks. */
export const nsinitTestHooksBin: string = fileURLToPath(
  new URL('../../cli/test/bin/nsinit-test-hooks', import.meta.url),
);

export interface CliResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed (stdin is closed at once without it). */
  input?: string;
  /** Kill (SIGKILL) and reject with ERR_NSINIT_TEST_TIMEOUT after this many ms (default 20000). */
  timeout?: number;
  /** Run as this user and group (a RootlessSession's `spawn` has both, and the env). */
  uid?: number;
  gid?: number;
}

/** Runs the real nsinit command with piped stdio. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return runCommand(nsinitBin, args, opts);
}

/** Runs any command the way runCli runs nsinit. */
export function runCommand(file: string, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const timeout = opts.timeout ?? 20_000;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    // EPIPE when the command exits without reading its input is not the test's concern.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      // A process the command left behind (a container process that inherited the output pipes,
      // perhaps frozen) can hold them open forever: once the command is dead, stop waiting for
      // 'close' so the test (and its cleanup) goes on.
      child.once('exit', () => setTimeout(() => child.emit('close', null, 'SIGKILL'), 500).unref());
    }, timeout);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(
        new TestkitError(`cannot run ${file}: ${err.message}`, {
          code: 'ERR_NSINIT_TEST_CLI',
          path: file,
          cause: err,
        }),
      );
    });
    // 'close' (not 'exit') so all output has been read.
    let closed = false;
    child.on('close', (exitCode, signal) => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new TestkitError(
            `${file} ${args.join(' ')} did not finish within ${timeout} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
            { code: 'ERR_NSINIT_TEST_TIMEOUT' },
          ),
        );
        return;
      }
      resolvePromise({ exitCode, signal, stdout, stderr });
    });
  });
}
