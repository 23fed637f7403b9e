// The OCI operations after create (the runtime-spec runtime document "Operations", runc's man pages): start, state,
// kill, delete, plus list/pause/resume/ps. Each reads the trusted record under --root, decides
// the status from the live process (pid + start time), the start gate and the freezer, and
// refuses what the spec and runc refuse for that status.
import { closeSync, existsSync, constants as fsc, openSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBindings } from '@nsinit/native';
import { destroyCgroup, cgroupPids as pidsOf, signalAll } from '../cgroups/cgroup-procs.js';
import { freezerState } from '../cgroups/freezer.js';
import { freeze, type ManagedCgroup, thaw } from '../cgroups/index.js';
import { ErrorCodes, nsinitError } from '../errors.js';
import { lockFile } from '../lock.js';
import { type OciSeccompInput, seccompFromOci } from '../spec/seccomp.js';
import { listenerHandoff } from '../spec/seccomp-listener.js';
import { CONFIG_LIMIT, readBounded } from '../state/files.js';
import { hookFailure, hookOutput } from './container-hooks.js';
import { type OciState, runHooks } from './hooks.js';
import { detachRootfsMount } from './host-mounts.js';
import { liveness, waitStopped } from './proc.js';
import { recordCgroup } from './resources.js';
import {
  CONFIG_COPY,
  containerDir,
  GATE_FILE,
  LOCK_FILE,
  listIds,
  type OciRecord,
  readRecord,
} from './store.js';

type OciConfigInput = { linux?: { seccomp?: OciSeccompInput } };

export type OciStatus = 'created' | 'running' | 'paused' | 'stopped';

export interface OciContext {
  native: NativeBindings;
  root: string;
  onWarning: (message: string) => void;
}

export function statusOf(root: string, record: OciRecord): OciStatus {
  if (liveness(record.pid, record.start) === 'stopped') return 'stopped';
  if (existsSync(join(containerDir(root, record.id), GATE_FILE))) return 'created';
  return recordFrozen(record) ? 'paused' : 'running';
}

/** Paused: the freezer of the recorded cgroup is not THAWED (v1 freezer.state; v2 cgroup.freeze
 *  or "frozen 1" in cgroup.events). Read from the record, never from /proc/<pid>/cgroup, which a
 *  container that can write its cgroupfs could change; the native verbs program reads the same. */
function recordFrozen(record: OciRecord): boolean {
  const cg = cgroupOf(record);
  if (!cg) return false;
  try {
    return freezerState(cg) !== 'THAWED';
  } catch {
    return false; // no freezer, or the directory is gone
  }
}

/** The spec's state JSON, with runc's extra fields (rootfs, created, owner). */
export function stateOf(root: string, record: OciRecord): OciState & Record<string, unknown> {
  const status = statusOf(root, record);
  return {
    ociVersion: record.ociVersion,
    id: record.id,
    pid: status === 'stopped' ? 0 : record.pid,
    status,
    bundle: record.bundle,
    rootfs: record.rootfs,
    created: record.created,
    annotations: record.annotations,
    owner: '',
  };
}

export function state(ctx: OciContext, id: string) {
  return stateOf(ctx.root, readRecord(ctx.root, id));
}

export function list(ctx: OciContext) {
  const out: ReturnType<typeof stateOf>[] = [];
  for (const id of listIds(ctx.root)) {
    try {
      out.push(state(ctx, id));
    } catch {
      // deleted meanwhile
    }
  }
  return out;
}

export function badState(message: string, status: OciStatus): never {
  throw nsinitError(ErrorCodes.OCI_BAD_STATE, message, { status } as never);
}

export async function locked<T>(
  ctx: OciContext,
  id: string,
  fn: (record: OciRecord) => Promise<T>,
): Promise<T> {
  readRecord(ctx.root, id); // not found before trying to lock a missing directory
  let lock: Awaited<ReturnType<typeof lockFile>>;
  try {
    lock = await lockFile(ctx.native, join(containerDir(ctx.root, id), LOCK_FILE));
  } catch (err) {
    // Deleted while we waited: the directory (and the lock file's parent) is gone.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') readRecord(ctx.root, id);
    throw err;
  }
  try {
    return await fn(readRecord(ctx.root, id));
  } finally {
    lock.release();
  }
}

/** Let the created container's init exec the user's process. */
export function start(ctx: OciContext, id: string): Promise<void> {
  return locked(ctx, id, async (record) => {
    const status = statusOf(ctx.root, record);
    if (status === 'stopped') badState('cannot start a container that has stopped', status);
    if (status !== 'created') badState(`cannot start an already ${status} container`, status);
    const dir = containerDir(ctx.root, id);
    if (record.noProcess) {
      // "start MUST generate an error if process was not set": the waiting init is stopped so
      // the container ends `stopped`, ready for delete.
      const fd = openInit(ctx.native, record);
      if (fd !== null) {
        ctx.native.pidfdSignal(fd, ctx.native.constants.SIGKILL ?? 9);
        ctx.native.close(fd);
      }
      await waitStopped(record.pid, record.start, 10_000);
      throw nsinitError(ErrorCodes.OCI_BAD_STATE, 'config.json has no process: nothing to start');
    }
    const st = (s: OciState['status']): OciState => ({
      ociVersion: record.ociVersion,
      id,
      status: s,
      pid: record.pid,
      bundle: record.bundle,
      annotations: record.annotations,
    });
    const dirfd = openSync(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    let conn: number;
    try {
      conn = ctx.native.gateConnect(`/proc/self/fd/${dirfd}/${GATE_FILE}`);
      // Unlinked at once: from here `state` says running, and a second start finds no gate.
      unlinkSync(join(dir, GATE_FILE));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOENT')
        badState('cannot start a container that has stopped', 'stopped');
      throw err;
    } finally {
      closeSync(dirfd);
    }
    // The init's remaining steps report to this connection: EOF at execve, a failure record, or
    // the listener of a seccomp filter loaded after the wait (with no_new_privs).
    const onListener = (fd: number) => {
      const stored = readStoredConfig(ctx.root, id);
      const seccomp = stored.linux?.seccomp ? seccompFromOci(stored.linux.seccomp) : undefined;
      const handoff = listenerHandoff(
        ctx.native,
        seccomp,
        () => ({ ...st('running'), pid: record.pid }),
        '/linux/seccomp/listenerPath',
      );
      if (!handoff)
        throw nsinitError(
          ErrorCodes.START_FAILED,
          'the container sent a seccomp listener it has no listenerPath for',
        );
      handoff(fd);
    };
    // The startContainer hooks are the init's first steps after the gate (container-hooks.ts).
    const failure = await ctx.native.awaitExec(conn, { onListener });
    if (failure?.op === 'hook') {
      const hook = record.hookSteps?.[String(failure.step)];
      throw hookFailure(hook?.label ?? 'startContainer hook', failure, hook?.timeoutMs ?? 0, hookOutput(dir));
    }
    if (failure) {
      throw nsinitError(
        failure.op === 'exec' ? ErrorCodes.EXEC_FAILED : ErrorCodes.START_FAILED,
        `the container process failed at step '${failure.op}': ${failure.syscall} ${failure.path ? `'${failure.path}' ` : ''}errno ${failure.errno}`,
        { errno: failure.errno, syscall: failure.syscall, path: failure.path, step: failure.op },
      );
    }
    await runHooks('poststart', record.hooks.poststart, st('running'), ctx.onWarning);
  });
}

/** The config as `create` stored it (never the bundle's, which may have changed since). */
export function readStoredConfig(root: string, id: string): OciConfigInput {
  return JSON.parse(readBounded(join(containerDir(root, id), CONFIG_COPY), CONFIG_LIMIT) ?? '{}');
}

/** Verified pidfd of the init, or null when it is gone. */
export function openInit(native: NativeBindings, record: OciRecord): number | null {
  let fd: number;
  try {
    fd = native.pidfdOpen(record.pid);
  } catch {
    return null;
  }
  // Checked after opening: a matching start time means the pidfd names the recorded process.
  if (liveness(record.pid, record.start) !== 'alive') {
    native.close(fd);
    return null;
  }
  return fd;
}

function cgroupOf(record: OciRecord): ManagedCgroup | null {
  try {
    return recordCgroup(record);
  } catch {
    return null;
  }
}

/** Every process in the container's cgroup, its own sub-cgroups included. */
function cgroupPids(record: OciRecord): number[] {
  const cg = cgroupOf(record);
  return cg ? pidsOf(cg) : [];
}

export function kill(ctx: OciContext, id: string, signal: number, all = false): Promise<void> {
  return locked(ctx, id, async (record) => {
    const status = statusOf(ctx.root, record);
    if (status === 'stopped') badState('container not running', status);
    const fd = openInit(ctx.native, record);
    if (fd === null) badState('container not running', 'stopped');
    try {
      ctx.native.pidfdSignal(fd, signal);
    } finally {
      ctx.native.close(fd);
    }
    // --all: freeze, signal every process in the cgroup, thaw (v2: cgroup.kill for SIGKILL).
    const cg = all ? cgroupOf(record) : null;
    if (cg) await signalAll(cg, signal);
  });
}

export function ps(ctx: OciContext, id: string): number[] {
  const record = readRecord(ctx.root, id);
  if (statusOf(ctx.root, record) === 'stopped') return [];
  const pids = cgroupPids(record);
  return pids.length > 0 || record.cgroup ? pids.sort((a, b) => a - b) : [record.pid];
}

export function pause(ctx: OciContext, id: string): Promise<void> {
  return locked(ctx, id, async (record) => {
    const status = statusOf(ctx.root, record);
    if (status !== 'running') badState(`cannot pause a ${status} container`, status);
    const cg = cgroupOf(record);
    if (!cg) badState('the container has no cgroup to freeze', status);
    await freeze(cg);
  });
}

export function resume(ctx: OciContext, id: string): Promise<void> {
  return locked(ctx, id, async (record) => {
    const status = statusOf(ctx.root, record);
    if (status !== 'paused') badState(`cannot resume a ${status} container`, status);
    const cg = cgroupOf(record);
    if (!cg) badState('the container has no cgroup to thaw', status);
    await thaw(cg);
  });
}

/** Remove everything the container had: its processes (created, or any with --force), its
 *  cgroups, its state directory; then the poststop hooks (failures only warn). */
export async function remove(ctx: OciContext, id: string, force = false): Promise<void> {
  let record: OciRecord;
  try {
    readRecord(ctx.root, id);
  } catch (err) {
    if (force && (err as { code?: string }).code === ErrorCodes.OCI_NOT_FOUND) {
      // runc: `delete --force` of a missing container succeeds, and clears a half-made directory.
      rmSync(containerDir(ctx.root, id), { recursive: true, force: true });
      return;
    }
    throw err;
  }
  await locked(ctx, id, async (r) => {
    record = r;
    const status = statusOf(ctx.root, record);
    if ((status === 'running' || status === 'paused') && !force)
      badState(`cannot delete container that is not stopped: ${status}`, status);
    if (status !== 'stopped') {
      const cg = status === 'paused' ? cgroupOf(record) : null;
      const fd = openInit(ctx.native, record);
      if (fd !== null) {
        try {
          ctx.native.pidfdSignal(fd, ctx.native.constants.SIGKILL ?? 9);
        } finally {
          ctx.native.close(fd);
        }
      }
      // A frozen task dies only once thawed.
      if (cg) await thaw(cg).catch(() => {});
      if (!(await waitStopped(record.pid, record.start, 10_000)))
        throw nsinitError(
          ErrorCodes.OCI_BAD_STATE,
          `container init ${record.pid} did not stop after SIGKILL`,
        );
    }
    // Without a PID namespace the init's descendants may outlive it: the cgroup holds them.
    // destroyCgroup kills what is left, removes sub-cgroups the container made, its directories
    // and the parents its create made.
    const cg = cgroupOf(record);
    if (cg) {
      try {
        await destroyCgroup(cg);
      } catch (err) {
        ctx.onWarning(`cgroup teardown: ${(err as Error).message}`);
      }
    }
    // No mount namespace: what the container mounted in ours, below its rootfs bind.
    if (record.hostMount) detachRootfsMount(ctx.native, record.hostMount, ctx.onWarning);
    rmSync(containerDir(ctx.root, id), { recursive: true, force: true });
  });
  await runHooks(
    'poststop',
    record!.hooks.poststop,
    {
      ociVersion: record!.ociVersion,
      id,
      status: 'stopped',
      bundle: record!.bundle,
      annotations: record!.annotations,
    },
    ctx.onWarning,
  );
}
