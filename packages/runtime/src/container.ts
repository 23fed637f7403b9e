// A container directory (the rootfs, holding container.json) and its data directory (container.json,
// `pid`, `start`; 2014's `data_path`). open() loads the config; exec() starts the container or
// joins the live one, under the data-directory lock (in the trusted state) so racers never start
// two. Which instance is live, and with which config, comes from the trusted state only.
import { realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import type { NativeBindings, WinSize } from '@nsinit/native';
import type { ManagedCgroup } from './cgroups/index.js';
import { ErrorCodes, invalidArg, type NsinitError, nsinitError } from './errors.js';
import { cleanupStale, inspect, type Liveness, sameProcess, sweepOrphans } from './instance.js';
import { joinContainer, type LaunchContext, startContainer } from './launch.js';
import { type ContainerProcess, DEFAULT_STOP_TIMEOUT_MS, signalNumber } from './process.js';
import { CONFIG_FILE, dataFileProblems, hiddenDataFiles, removeDataFiles } from './state/data-files.js';
import { type InstanceRecord, TrustedState } from './state/trusted.js';
import { type ContainerStatus, defaultWarning, live, readStatus } from './status.js';
import { normalizeStdio, type StdioOptions } from './stdio.js';
import { lookupUser } from './user.js';

export { hiddenDataFiles } from './state/data-files.js';
export { type ContainerStatus, liveCgroup, startedAt, status } from './status.js';

export interface OpenOptions {
  /** Directory holding container.json and the pid/start files (2014 `data_path`); default: `dir`. */
  root?: string;
  /** The native bindings (tests inject testkit's createNativeFake()); default: the addon. */
  native?: NativeBindings;
  /** Non-fatal problems: container.json's validation warnings (an unknown key, `/cgroups/memroy:
   *  unknown key, ignored; did you mean "memory"?`, reported once by open()), a stale pid file
   *  cleaned up, a teardown leftover. Default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /** How long to wait for the data-directory lock (ms, default 30000). */
  lockTimeout?: number;
  /** Use this config instead of reading <root>/container.json (already validated). */
  config?: ContainerConfig;
  /** Base of the trusted state (default /run/nsinit/state). For tests: every caller that
   *  should see the same containers must pass the same value. */
  stateRoot?: string;
}

export interface ProcessOptions {
  /** Like child_process: 'pipe' (default), 'inherit', 'ignore', an fd, or one per stream. With
   *  `tty: true` in the config the process gets a pty instead (stdin/stdout on its master). */
  stdio?: StdioOptions;
  /** Stop the process (the stop policy: `killSignal`, SIGKILL after `stopTimeout`) when aborted;
   *  wait() then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Stop the process (the stop policy) after this many ms; wait() rejects with ERR_NSINIT_TIMEOUT. */
  timeout?: number;
  /** The stop signal of `timeout`, `signal` and stop() (default 'SIGTERM'). */
  killSignal?: NodeJS.Signals | number;
  /** Grace in ms between the stop signal and SIGKILL (default 10000, as `docker stop`; 0 kills
   *  at once after the stop signal). */
  stopTimeout?: number;
  /** Initial terminal size for tty configs. */
  size?: WinSize;
}

type Mode = 'exec' | 'run' | 'join';

export async function open(dir: string, options: OpenOptions = {}): Promise<Container> {
  if (typeof dir !== 'string' || dir === '') throw invalidArg('dir', 'a directory path', dir);
  if (options.root !== undefined && (typeof options.root !== 'string' || options.root === '')) {
    throw invalidArg('root', 'a directory path', options.root);
  }
  const rootfs = realpathSync.native(resolve(dir));
  const dataDir = options.root === undefined ? rootfs : resolve(options.root);
  const configPath = join(dataDir, 'container.json');
  const onWarning = options.onWarning ?? defaultWarning;
  let config = options.config;
  if (!config) {
    const { formatIssue } = await import('@nsinit/config');
    const { ConfigError, readConfigResult } = await import('@nsinit/config/node');
    const result = readConfigResult(configPath);
    // Warnings first, also for an invalid config: "did you mean" often explains the error.
    for (const w of result.warnings) onWarning(formatIssue(w));
    if (!result.ok) throw ConfigError.invalid(configPath, result.errors);
    config = result.config;
  }
  const native = options.native ?? (await import('@nsinit/native')).native;
  return new Container(rootfs, dataDir, configPath, config, native, { ...options, onWarning });
}

export class Container {
  readonly #native: NativeBindings;
  readonly #onWarning: (message: string) => void;
  readonly #lockTimeout: number;
  readonly #stateRoot: string | undefined;

  constructor(
    readonly rootfs: string,
    readonly dataDir: string,
    readonly configPath: string,
    readonly config: ContainerConfig,
    native: NativeBindings,
    options: OpenOptions,
  ) {
    this.#native = native;
    this.#onWarning = options.onWarning ?? defaultWarning;
    this.#lockTimeout = options.lockTimeout ?? 30_000;
    this.#stateRoot = options.stateRoot;
  }

  status(): Promise<ContainerStatus> {
    return readStatus(this.#native, this.rootfs, this.dataDir, this.#stateRoot, this.#onWarning);
  }

  /** The live container's cgroup, from the trusted state (stats, pause, resume); null when none
   *  is running or it has no cgroups. */
  async liveCgroup(): Promise<ManagedCgroup | null> {
    return (await live(this.#native, this.dataDir, this.#stateRoot, this.#onWarning))?.cgroup ?? null;
  }

  /** Run `argv` in the live container, or start the container with `argv` as PID 1. */
  exec(argv: readonly string[], options: ProcessOptions = {}): Promise<ContainerProcess> {
    return this.#launch('exec', argv, options);
  }

  /** Start the container with `argv` as PID 1; ERR_NSINIT_CONTAINER_RUNNING if one is live. */
  run(argv: readonly string[], options: ProcessOptions = {}): Promise<ContainerProcess> {
    return this.#launch('run', argv, options);
  }

  /** Run `argv` inside the live container; ERR_NSINIT_CONTAINER_NOT_RUNNING if there is none. */
  join(argv: readonly string[], options: ProcessOptions = {}): Promise<ContainerProcess> {
    return this.#launch('join', argv, options);
  }

  async #launch(mode: Mode, argvIn: readonly string[], options: ProcessOptions): Promise<ContainerProcess> {
    const ctx = this.#context(argvIn, options);
    if (options.signal?.aborted) throw abortError(options.signal);
    const native = this.#native;
    const identity = lookupUser(this.rootfs, this.config.user ?? '');
    identity.catch(() => {}); // awaited below; read in parallel with the lock wait
    const deadline = Date.now() + this.#lockTimeout;
    for (;;) {
      const lock = await ctx.state.lock(native, Math.max(0, deadline - Date.now()));
      let released = false;
      const release = async () => {
        if (!released) {
          released = true;
          try {
            // Nothing started (an error, a join): leave no trusted directory for an idle one.
            await ctx.state.removeIfIdle();
          } catch {
            // best effort: a leftover lock file is harmless
          } finally {
            await lock.releaseAsync();
          }
        }
      };
      try {
        const found = inspect(native, ctx.state, { pidfd: true });
        if (found.kind === 'ending') {
          // PID 1 is gone but its supervisor has not torn down yet: wait for it (outside the
          // lock, which that teardown needs), then decide again.
          await release();
          await this.#awaitTeardown(found.record, deadline);
          continue;
        }
        if (found.kind === 'stale') {
          this.#onWarning(`removing stale pid file in '${this.dataDir}': ${found.reason}`);
          await cleanupStale(native, ctx.state, found.record, this.#onWarning);
        }
        if (found.kind !== 'live') {
          await sweepOrphans(native, dirname(ctx.state.dir), this.#onWarning, ctx.state.dir);
        }
        await this.#reportDataFiles(found);
        if (found.kind === 'live') {
          const { record, pidfd } = found;
          if (mode === 'run') {
            native.close(pidfd);
            throw nsinitError(
              ErrorCodes.CONTAINER_RUNNING,
              `a container is already running in '${this.dataDir}' (pid ${record.pid})`,
              { path: this.dataDir, pid: record.pid },
            );
          }
          // The join runs with the config the container was started with, never what
          // container.json says now; and under the lock until it is placed in the cgroup, so the
          // teardown of a PID 1 exiting meanwhile kills it with the rest.
          const config = record.config;
          if (JSON.stringify(config) !== JSON.stringify(this.config)) {
            this.#onWarning(
              `${join(this.dataDir, CONFIG_FILE)} differs from the config the running container was started with; the join uses the started config`,
            );
          }
          let joinIdentity: Awaited<typeof identity>;
          try {
            joinIdentity =
              (config.user ?? '') === (this.config.user ?? '')
                ? await identity
                : await lookupUser(record.rootfs, config.user ?? '');
          } catch (err) {
            native.close(pidfd);
            throw err;
          }
          try {
            return await joinContainer(
              { ...ctx, config, identity: joinIdentity },
              { state: { pid: record.pid, start: record.start }, pidfd, cgroup: record.cgroup },
            );
          } catch (err) {
            // PID 1 exited between the check and setns(2): the container is gone, so `exec`
            // starts a fresh one (after that teardown) and `join` says there is none.
            // (An exiting PID 1 has released its namespaces before it shows as a zombie: setns
            // then fails with ESRCH while the process still looks alive.)
            const e = err as NsinitError;
            const exiting = e.code === 'ESRCH' && e.syscall === 'setns';
            if (!exiting && sameProcess(native, record.pid, record.start)) throw err;
            if (mode === 'join') {
              throw nsinitError(
                ErrorCodes.CONTAINER_NOT_RUNNING,
                `no container is running in '${this.dataDir}'`,
                {
                  path: this.dataDir,
                  cause: err,
                },
              );
            }
            await new Promise((r) => setTimeout(r, 5)); // let it finish exiting
            continue;
          }
        }
        if (mode === 'join') {
          throw nsinitError(
            ErrorCodes.CONTAINER_NOT_RUNNING,
            `no container is running in '${this.dataDir}'`,
            {
              path: this.dataDir,
            },
          );
        }
        return await startContainer({ ...ctx, identity: await identity }, release);
      } finally {
        await release();
      }
    }
  }

  /** Wait until `record`'s supervisor has released its lifetime lock (its teardown is done). */
  async #awaitTeardown(record: InstanceRecord, deadline: number): Promise<void> {
    const state = TrustedState.of(this.dataDir, this.#stateRoot);
    let delay = 1;
    while (state.supervisorAlive(this.#native, record.id)) {
      if (Date.now() >= deadline) {
        throw nsinitError(
          ErrorCodes.LOCK_TIMEOUT,
          `timed out after ${this.#lockTimeout}ms waiting for the teardown of the container that ran in '${this.dataDir}' (supervisor pid ${record.supervisor.pid})`,
          { path: this.dataDir },
        );
      }
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 25);
    }
  }

  /** Warn about pid/start files that do not say what the trusted state says; a start replaces
   *  them, so with no live container they are removed. */
  async #reportDataFiles(found: Liveness): Promise<void> {
    const expected = found.kind === 'live' ? { pid: found.record.pid, start: found.record.start } : null;
    const problems = dataFileProblems(this.dataDir, expected);
    if (expected === null && problems.length > 0) {
      this.#onWarning(`removing stale pid file in '${this.dataDir}': ${problems.join('; ')}`);
      await removeDataFiles(this.dataDir);
      return;
    }
    for (const p of problems) this.#onWarning(p);
  }

  #context(argvIn: readonly string[], options: ProcessOptions): Omit<LaunchContext, 'identity'> {
    if (
      !Array.isArray(argvIn) ||
      argvIn.length === 0 ||
      !argvIn.every((a) => typeof a === 'string' && !a.includes('\0')) ||
      argvIn[0] === ''
    ) {
      throw invalidArg('argv', 'a non-empty array of strings without NUL bytes', argvIn);
    }
    if (typeof options !== 'object' || options === null) throw invalidArg('options', 'an object', options);
    const { signal, timeout, killSignal = 'SIGTERM', stopTimeout = DEFAULT_STOP_TIMEOUT_MS, size } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw invalidArg('signal', 'an AbortSignal', signal);
    if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
      throw invalidArg('timeout', 'a non-negative number of milliseconds', timeout);
    }
    if (!(typeof stopTimeout === 'number' && Number.isFinite(stopTimeout) && stopTimeout >= 0)) {
      throw invalidArg('stopTimeout', 'a non-negative number of milliseconds', stopTimeout);
    }
    try {
      signalNumber(killSignal);
    } catch {
      throw invalidArg('killSignal', "a signal name such as 'SIGTERM' or a signal number", killSignal);
    }
    if (
      typeof killSignal === 'number' &&
      !(Number.isInteger(killSignal) && killSignal > 0 && killSignal < 65)
    ) {
      throw invalidArg('killSignal', "a signal name such as 'SIGTERM' or a signal number", killSignal);
    }
    if (
      size !== undefined &&
      !(
        typeof size === 'object' &&
        size !== null &&
        Number.isInteger(size.cols) &&
        Number.isInteger(size.rows)
      )
    ) {
      throw invalidArg('size', 'an object { cols, rows } of integers', size);
    }
    const stdio = normalizeStdio(options.stdio);
    const state = TrustedState.of(this.dataDir, this.#stateRoot);
    return {
      native: this.#native,
      config: this.config,
      rootfs: this.rootfs,
      dataDir: this.dataDir,
      argv: [...argvIn],
      stdio,
      size,
      abort: signal,
      timeout,
      killSignal,
      stopTimeout,
      onWarning: this.#onWarning,
      state,
      hide: hiddenDataFiles(this.rootfs, this.dataDir),
      locked: async (fn) => {
        const lock = await state.lock(this.#native, this.#lockTimeout);
        try {
          return await fn();
        } finally {
          await lock.releaseAsync();
        }
      },
    };
  }
}

function abortError(signal: AbortSignal): NsinitError {
  const err = nsinitError(ErrorCodes.ABORTED, 'the operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}
