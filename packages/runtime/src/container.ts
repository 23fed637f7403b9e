// A container directory (the rootfs, holding container.json) and its data directory (container.json,
// `pid`, `start`, the lock; 2014's `data_path`). open() loads the config; exec() starts the
// container or joins the live one, under the data-directory lock so racers never start two.
import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import type { NativeBindings, WinSize } from '@nsinit/native';
import { isFrozen } from './cgroups/index.js';
import { ErrorCodes, invalidArg, type NsinitError, nsinitError } from './errors.js';
import { joinContainer, type LaunchContext, startContainer } from './launch.js';
import { lockDataDir } from './lock.js';
import { type ContainerProcess, DEFAULT_STOP_TIMEOUT_MS, signalNumber } from './process.js';
import { type ContainerState, checkState, removeState } from './state.js';
import { normalizeStdio, type StdioOptions } from './stdio.js';
import { lookupUser } from './user.js';

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

export interface ContainerStatus {
  running: boolean;
  /** The container's processes are frozen (`nsinit pause`). */
  paused: boolean;
  pid: number | null;
  /** Start time of PID 1 (from its /proc start ticks and the boot time). */
  startedAt: Date | null;
  /** Why an existing pid file is not live (stale), if one is there. */
  stale: string | null;
  dataDir: string;
  rootfs: string;
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

function defaultWarning(message: string): void {
  process.emitWarning(message, { code: 'NSINIT_WARNING' });
}

export class Container {
  readonly #native: NativeBindings;
  readonly #onWarning: (message: string) => void;
  readonly #lockTimeout: number;

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
  }

  status(): Promise<ContainerStatus> {
    return readStatus(this.#native, this.rootfs, this.dataDir);
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
    const lock = await lockDataDir(native, this.dataDir, this.#lockTimeout);
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        lock.release();
      }
    };
    try {
      const target = await this.#liveTarget();
      if (target) {
        if (mode === 'run') {
          native.close(target.pidfd);
          throw nsinitError(
            ErrorCodes.CONTAINER_RUNNING,
            `a container is already running in '${this.dataDir}' (pid ${target.state.pid})`,
            { path: this.dataDir, pid: target.state.pid },
          );
        }
        // The pidfd pins PID 1: the lock is no longer needed to keep the decision true.
        release();
        const joinIdentity = await identity.catch((err) => {
          native.close(target.pidfd);
          throw err;
        });
        return await joinContainer({ ...ctx, identity: joinIdentity }, target);
      }
      if (mode === 'join') {
        throw nsinitError(ErrorCodes.CONTAINER_NOT_RUNNING, `no container is running in '${this.dataDir}'`, {
          path: this.dataDir,
        });
      }
      return await startContainer({ ...ctx, identity: await identity }, release);
    } finally {
      release();
    }
  }

  /** The live PID 1 as a verified pidfd, or null (a stale pid file is reported and removed). */
  async #liveTarget(): Promise<{ state: ContainerState; pidfd: number } | null> {
    const native = this.#native;
    const check = await checkState(native, this.dataDir);
    if (check.kind === 'live') {
      let pidfd = -1;
      try {
        pidfd = native.pidfdOpen(check.state.pid);
      } catch (err) {
        if ((err as NsinitError).code !== 'ESRCH') throw err;
      }
      // Checked again AFTER opening: if the start time still matches, the pidfd names the
      // process the pid file meant, and no later pid reuse can change that.
      if (pidfd >= 0 && native.startTime(check.state.pid) === check.state.start) {
        return { state: check.state, pidfd };
      }
      if (pidfd >= 0) native.close(pidfd);
      this.#onWarning(`removing stale pid file in '${this.dataDir}': process ${check.state.pid} is gone`);
      await removeState(this.dataDir);
      return null;
    }
    if (check.kind === 'stale') {
      this.#onWarning(`removing stale pid file in '${this.dataDir}': ${check.reason}`);
      await removeState(this.dataDir);
    }
    return null;
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
      locked: async (fn) => {
        const lock = await lockDataDir(this.#native, this.dataDir, this.#lockTimeout);
        try {
          return await fn();
        } finally {
          lock.release();
        }
      },
    };
  }
}

/** Whether a container is live in `dir` (pid files in `root`, default `dir`); needs no config. */
export async function status(
  dir: string,
  options: Pick<OpenOptions, 'root' | 'native'> = {},
): Promise<ContainerStatus> {
  const rootfs = realpathSync.native(resolve(dir));
  const dataDir = options.root === undefined ? rootfs : resolve(options.root);
  const native = options.native ?? (await import('@nsinit/native')).native;
  return readStatus(native, rootfs, dataDir);
}

async function readStatus(native: NativeBindings, rootfs: string, dataDir: string): Promise<ContainerStatus> {
  const check = await checkState(native, dataDir);
  const live = check.kind === 'live' ? check.state : null;
  return {
    running: live !== null,
    paused: live !== null && isFrozen(live.pid),
    pid: live?.pid ?? null,
    startedAt: live ? await startedAt(live.start) : null,
    stale: check.kind === 'stale' ? check.reason : null,
    dataDir,
    rootfs,
  };
}

function abortError(signal: AbortSignal): NsinitError {
  const err = nsinitError(ErrorCodes.ABORTED, 'the operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}

/** /proc/<pid>/stat start ticks → wall clock: boot time (btime in /proc/stat) + ticks / USER_HZ
 *  (100 on every Linux ABI Node runs on). */
export async function startedAt(startTicks: string): Promise<Date | null> {
  try {
    const stat = readFileSync('/proc/stat', 'utf8');
    const btime = /^btime (\d+)$/m.exec(stat);
    if (!btime) return null;
    return new Date((Number(btime[1]) + Number(startTicks) / 100) * 1000);
  } catch {
    return null;
  }
}
