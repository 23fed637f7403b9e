// The handle of a process running in a container (new PID 1 or joined), shaped like Node's
// ChildProcess/execa: pid, stdio streams, wait(), kill(). Exit arrives through the pidfd becoming
// readable (pidfd_open(2), waitid(2) P_PIDFD) in the event loop: no thread, no SIGCHLD handler.
import { constants as os } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { ExitStatus, NativeBindings, WinSize } from '@nsinit/native';
import { ErrorCodes, invalidArg, type NsinitError, nsinitError } from './errors.js';
import type { MasterStreams } from './tty.js';

export interface ProcessResult {
  pid: number;
  /** True when the process joined a live container instead of starting one. */
  joined: boolean;
  argv: string[];
  /** Exactly one of exitCode and signal is non-null. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the kernel's OOM killer ended the container (its memory cgroup counted an
   *  oom_kill): `signal` is then SIGKILL and the reason is "out of memory". */
  oomKilled: boolean;
  durationMs: number;
}

/** Error of wait() when `timeout` or `signal` stopped the process; carries the same fields. */
export type ProcessError = NsinitError & ProcessResult;

export interface Launched {
  native: NativeBindings;
  pid: number;
  pidfd: number;
  joined: boolean;
  argv: string[];
  startedAt: number;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  pty: MasterStreams | null;
  /** Runs after the process is reaped, before wait() settles (new containers: kill leftovers,
   *  networks, cgroups, pid files). May report what the cgroup saw before it was removed. */
  teardown: (status: ExitStatus) => Promise<{ oomKilled?: boolean } | undefined>;
  /** The exit watch, when the launcher registered it already (to know it could be registered
   *  while it can still undo the start); otherwise the handle registers it. */
  exited?: Promise<ExitStatus>;
  abort?: AbortSignal;
  timeout?: number;
  killSignal: NodeJS.Signals | number;
  /** ms from `killSignal` to SIGKILL when stopping (the stop policy). */
  stopTimeout: number;
  onWarning: (message: string) => void;
}

/** The stop policy's default grace between the stop signal and SIGKILL, as `docker stop`. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** How long wait() lets stdio drain after the exit before settling. A process left behind that
 *  holds the terminal (a background job in a joined container) must not hold us forever. */
const DRAIN_MS = 250;

/** Milliseconds on the monotonic clock (process.hrtime: no perf_hooks to load at start-up). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function signalNumber(signal: NodeJS.Signals | number): number {
  if (typeof signal === 'number') return signal;
  const n = os.signals[signal];
  if (n === undefined) throw new Error(`unknown signal '${signal}'`);
  return n;
}

export function signalName(n: number): NodeJS.Signals | null {
  for (const [name, value] of Object.entries(os.signals)) if (value === n) return name as NodeJS.Signals;
  return null;
}

export class ContainerProcess {
  readonly pid: number;
  readonly joined: boolean;
  readonly argv: string[];
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly #native: NativeBindings;
  readonly #pidfd: number;
  readonly #pty: MasterStreams | null;
  readonly #result: Promise<ProcessResult>;
  readonly #killSignal: NodeJS.Signals | number;
  readonly #stopTimeout: number;
  #exited = false;
  #stopReason: 'timeout' | 'abort' | null = null;
  #killTimer: NodeJS.Timeout | undefined;
  #killAt = Number.POSITIVE_INFINITY;

  constructor(l: Launched) {
    this.pid = l.pid;
    this.joined = l.joined;
    this.argv = l.argv;
    this.#native = l.native;
    this.#pidfd = l.pidfd;
    this.#pty = l.pty;
    this.#killSignal = l.killSignal;
    this.#stopTimeout = l.stopTimeout;
    this.stdin = l.pty ? l.pty.input : l.stdin;
    this.stdout = l.pty ? l.pty.output : l.stdout;
    this.stderr = l.pty ? null : l.stderr;
    // A closed pipe on our side must not crash the supervisor (EPIPE when the process is gone).
    this.stdin?.on('error', () => {});

    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => this.#stop('abort');
    if (l.timeout !== undefined && l.timeout > 0) {
      timer = setTimeout(() => this.#stop('timeout'), l.timeout);
    }
    l.abort?.addEventListener('abort', onAbort, { once: true });

    this.#result = (l.exited ?? l.native.waitExit(l.pidfd)).then(async (status) => {
      this.#exited = true;
      clearTimeout(timer);
      clearTimeout(this.#killTimer);
      l.abort?.removeEventListener('abort', onAbort);
      let oomKilled = false;
      try {
        oomKilled = (await l.teardown(status))?.oomKilled === true;
      } catch (err) {
        l.onWarning(`teardown of container process ${l.pid}: ${(err as Error).message}`);
      }
      l.native.close(l.pidfd);
      // Nobody reads the process's stdin any more (as child_process does on exit).
      if (!l.pty) l.stdin?.destroy();
      await this.#drain();
      const result: ProcessResult = {
        pid: l.pid,
        joined: l.joined,
        argv: l.argv,
        exitCode: status.exitCode,
        signal: status.signal,
        oomKilled,
        durationMs: Math.round(monotonicMs() - l.startedAt),
      };
      if (this.#stopReason !== null) throw stoppedError(this.#stopReason, result, l.timeout, l.abort);
      return result;
    });
    // wait() may never be called (fire and forget): do not turn a stop into an unhandled rejection.
    this.#result.catch(() => {});
  }

  /** Settles once the process has exited and its container resources are released. Resolves
   *  with exitCode xor signal; rejects only when `timeout` or `signal` stopped it. */
  wait(): Promise<ProcessResult> {
    return this.#result;
  }

  /** Send a signal (default SIGTERM) through the pidfd; false if the process is already gone.
   *  Note: PID 1 of a PID namespace ignores signals it has no handler for, except SIGKILL. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.#exited) return false;
    return this.#native.pidfdSignal(this.#pidfd, signalNumber(signal));
  }

  /**
   * The stop policy: send `signal` (default: the `killSignal` option, SIGTERM), then SIGKILL if
   * the process is still there after `timeout` ms (default: the `stopTimeout` option, 10 s). PID 1
   * of a PID namespace ignores every signal it has no handler for, so the SIGKILL is what makes
   * `sleep` as PID 1 stop. Calling it again sends the signal again and may only bring the SIGKILL
   * closer. False if the process is already gone; await wait() for the result.
   */
  stop(options: { signal?: NodeJS.Signals | number; timeout?: number } = {}): boolean {
    const grace = options.timeout ?? this.#stopTimeout;
    if (!(typeof grace === 'number' && Number.isFinite(grace) && grace >= 0))
      throw invalidArg('timeout', 'a non-negative number of milliseconds', grace);
    if (this.#exited) return false;
    this.kill(options.signal ?? this.#killSignal);
    const at = monotonicMs() + grace;
    if (at < this.#killAt) {
      this.#killAt = at;
      clearTimeout(this.#killTimer);
      this.#killTimer = setTimeout(() => this.kill('SIGKILL'), grace);
    }
    return true;
  }

  /** Set the window size of the process's terminal (tty configs; no-op otherwise). */
  resize(size: WinSize): void {
    if (this.#pty && !this.#exited) this.#native.setWinSize(this.#pty.fd, size);
  }

  #stop(reason: 'timeout' | 'abort') {
    if (this.#exited || this.#stopReason !== null) return;
    this.#stopReason = reason;
    this.stop();
  }

  async #drain(): Promise<void> {
    const streams = [this.stdout, this.stderr].filter((s): s is Readable => s !== null && !s.readableEnded);
    if (streams.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, DRAIN_MS);
      });
      const ended = Promise.all(
        streams.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.once('end', resolve);
              s.once('close', resolve);
              s.once('error', () => resolve());
            }),
        ),
      );
      await Promise.race([ended, grace]);
      clearTimeout(timer);
    }
    // The master fd must not outlive the process; unread output is dropped after the grace.
    this.#pty?.close();
  }
}

function stoppedError(
  reason: 'timeout' | 'abort',
  result: ProcessResult,
  timeout: number | undefined,
  abort: AbortSignal | undefined,
): ProcessError {
  const how = result.signal ? `killed by ${result.signal}` : `exited with ${result.exitCode}`;
  const err =
    reason === 'timeout'
      ? nsinitError(ErrorCodes.TIMEOUT, `process ${result.pid} timed out after ${timeout}ms (${how})`, {
          ...result,
        })
      : nsinitError(ErrorCodes.ABORTED, `process ${result.pid} was aborted (${how})`, {
          ...result,
          cause: abort?.reason,
        });
  if (reason === 'abort') err.name = 'AbortError';
  return err as ProcessError;
}
