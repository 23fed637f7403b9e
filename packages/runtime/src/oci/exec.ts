// `exec` (runc-exec(8)): run another process in a live container. The process is described by
// --process (an OCI `process` JSON) or by the container's own process with the command and the
// overrides of the command line; it joins every namespace of the init (through its verified
// pidfd), is placed in the container's cgroup before it runs, and is our child (join's
// CLONE_PARENT), so the foreground waits for it and --detach leaves it to the engine's subreaper.
import { closeSync, constants as fsc, openSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBindings, Plan, Spawned, Step } from '@nsinit/native';
import { openCgroup } from '../cgroups/index.js';
import { ErrorCodes, nsinitError } from '../errors.js';
import { failureError } from '../exec-failure.js';
import { compilePlan, namespaceFlags } from '../plan/compile.js';
import { seccompFilter } from '../spec/compile-oci.js';
import { fromOci } from '../spec/from-oci.js';
import { listenerHandoff } from '../spec/seccomp-listener.js';
import { hasNamespace } from '../spec/model.js';
import { CONFIG_LIMIT, readBounded } from '../state/files.js';
import { setgroupsDenied } from '../userns.js';
import { ambientFixed } from './create.js';
import { type OciContext, openInit, statusOf } from './lifecycle.js';
import { CONFIG_COPY, containerDir, readRecord, writeFileAtomic } from './store.js';

export interface ExecProcessOptions {
  /** A whole OCI `process` object (--process FILE), replacing the container's. */
  process?: Record<string, unknown>;
  args?: string[];
  tty?: boolean;
  cwd?: string;
  env?: string[];
  user?: { uid: number; gid?: number };
  /** Appended to the process's user.additionalGids (runc's --additional-gids). */
  additionalGids?: number[];
  caps?: string[];
  noNewPrivs?: boolean;
}

export interface ExecOptions extends ExecProcessOptions {
  id: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
  /** Foreground with a terminal and no socket: keep the pty master for the caller to proxy. */
  keepConsole?: boolean;
}

export interface Executed {
  pid: number;
  pidfd: number;
  consoleMaster: number;
}

function tables(native: NativeBindings) {
  return { capabilities: native.capabilities, rlimits: native.rlimits, constants: native.constants };
}

/** The process to run, as an OCI `process` object. */
function execProcess(base: Record<string, unknown>, o: ExecProcessOptions): Record<string, unknown> {
  if (o.process) return o.process;
  const p: Record<string, any> = structuredClone(base);
  if (!o.args || o.args.length === 0)
    throw nsinitError(ErrorCodes.INVALID_ARG, 'exec needs a command or --process FILE');
  p.args = o.args;
  p.terminal = o.tty === true;
  delete p.consoleSize;
  if (o.cwd) p.cwd = o.cwd;
  if (o.env?.length) p.env = [...(p.env ?? []), ...o.env];
  if (o.user) p.user = { ...(p.user ?? {}), uid: o.user.uid, gid: o.user.gid ?? 0 };
  if (o.additionalGids?.length) {
    p.user ??= { uid: 0, gid: 0 };
    p.user.additionalGids = [...(p.user.additionalGids ?? []), ...o.additionalGids];
  }
  if (o.noNewPrivs) p.noNewPrivileges = true;
  if (o.caps?.length) {
    p.capabilities ??= {};
    const caps = p.capabilities;
    for (const set of ['bounding', 'effective', 'permitted'])
      caps[set] = [...new Set([...(caps[set] ?? []), ...o.caps])];
  }
  return p;
}

/** Whether the init's user namespace denies setgroups: the joined process then keeps its groups,
 *  as the init did. Read through /proc/<pid>, checked against the init's pidfd after opening. */
function initSetgroupsDenied(native: NativeBindings, pid: number, pidfd: number): boolean {
  const dir = openSync(`/proc/${pid}`, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    const denied = setgroupsDenied(`/proc/self/fd/${dir}`);
    if (!native.pidfdSignal(pidfd, 0))
      throw nsinitError(ErrorCodes.OCI_BAD_STATE, 'cannot exec in a stopped container');
    return denied;
  } finally {
    closeSync(dir);
  }
}

export async function execContainer(ctx: OciContext, o: ExecOptions): Promise<Executed> {
  const { native } = ctx;
  const record = readRecord(ctx.root, o.id);
  const status = statusOf(ctx.root, record);
  if (status === 'stopped' || status === 'paused')
    throw nsinitError(ErrorCodes.OCI_BAD_STATE, `cannot exec in a ${status} container`);
  const dir = containerDir(ctx.root, o.id);
  const stored = JSON.parse(readBounded(join(dir, CONFIG_COPY), CONFIG_LIMIT) ?? '{}') as Record<string, any>;
  const proc = execProcess(stored.process ?? {}, o);
  const { validateOciConfig } = await import('@nsinit/config');
  const checked = validateOciConfig({ ...stored, process: proc });
  if (!checked.ok) {
    const first = checked.errors[0]!;
    throw nsinitError(ErrorCodes.INVALID_CONFIG, `invalid process: ${first.path || '/'}: ${first.message}`, {
      errors: checked.errors,
    } as never);
  }
  const config = checked.config as Record<string, any>;
  const terminal = config.process?.terminal === true;
  if (terminal && !o.consoleSocket && !o.keepConsole)
    throw nsinitError(ErrorCodes.INVALID_ARG, 'process.terminal is true but no --console-socket was given');
  const spec = fromOci(config as never, record.bundle, {});
  // Joining every namespace of the init would leave the process in the host's root: nsinit
  // does not join a container that has no mount namespace of its own.
  if (!hasNamespace(spec, 'mount'))
    throw nsinitError(
      ErrorCodes.OCI_BAD_STATE,
      "cannot exec in a container without a mount namespace (its root is a chroot in the host's)",
    );
  let pty: { master: number; slave: number } | null = null;
  let spawned: Spawned | null = null;
  let syncOpen = false;
  const pidfd = openInit(native, record);
  if (pidfd === null) throw nsinitError(ErrorCodes.OCI_BAD_STATE, 'cannot exec in a stopped container');
  try {
    if (terminal) {
      // From the container's own devpts, as runc does, so ttyname(3) inside finds /dev/pts/N.
      pty = native.openPty({ pidfd, pid: record.pid });
      const size = config.process.consoleSize;
      if (size) native.setWinSize(pty.master, { cols: size.width, rows: size.height });
    }
    const plan = compilePlan(spec, {
      rootfs: record.rootfs,
      tables: tables(native),
      stdio: pty ? [pty.slave, pty.slave, pty.slave] : [0, 1, 2],
      ...(pty ? { consoleFd: pty.slave } : {}),
      join: true,
      setgroupsDenied: hasNamespace(spec, 'user') && initSetgroupsDenied(native, record.pid, pidfd),
      // The container's syscall filter applies to every process in it, as runc's exec does.
      ...(spec.seccomp ? { seccomp: seccompFilter(spec, native.compileSeccomp) } : {}),
    });
    const steps: Step[] = plan.steps.flatMap((s): Step[] =>
      // The parent-death signal armed at clone (and re-armed by the identity step) is cleared:
      // a detached process outlives this command, reaped by the engine's subreaper.
      s.op === 'pdeathsig'
        ? [{ op: 'pdeathsig', signal: 0 }]
        : s.op === 'close-fds'
          ? [{ op: 'close-fds', keep: o.preserveFds ?? 0 }]
          : s.op === 'caps'
            ? [ambientFixed(s)]
            : [s],
    );
    const joinPlan: Plan = { ...plan, steps };
    spawned = await native.join(pidfd, namespaceFlags(spec, native.constants, { forJoin: true }), joinPlan);
    syncOpen = true;
    if (pty) {
      native.close(pty.slave);
      pty.slave = -1;
    }
    // Beside the init in its cgroups before it runs anything.
    if (record.cgroup) openCgroup(record.cgroup).add(spawned.pid);
    // The engine holds the terminal before the process runs (as runc sends it), so it can size
    // it and read from its first byte.
    if (pty && o.consoleSocket) {
      native.sendFd(o.consoleSocket, pty.master, '/dev/ptmx');
      native.close(pty.master);
      pty.master = -1;
    }
    syncOpen = false; // go + awaitExec own and close it
    native.go(spawned.sync);
    const joined = spawned;
    const onListener = listenerHandoff(
      native,
      spec.seccomp,
      () => ({
        ociVersion: record.ociVersion,
        id: record.id,
        status: 'running',
        pid: joined.pid,
        bundle: record.bundle,
        annotations: record.annotations,
      }),
      '/linux/seccomp/listenerPath',
    );
    const failure = await native.awaitExec(spawned.sync, onListener ? { onListener } : undefined);
    if (failure) {
      const user = config.process.user ?? { uid: 0, gid: 0 };
      throw failureError(failure, joinPlan, {
        rootfs: record.rootfs,
        argv: [...config.process.args],
        config: { user: `${user.uid}:${user.gid}` },
        identity: { uid: user.uid, gid: user.gid, groups: [...(user.additionalGids ?? [])] },
      });
    }
    if (o.pidFile) writeFileAtomic(o.pidFile, String(spawned.pid), 0o644);
    return { pid: spawned.pid, pidfd: spawned.pidfd, consoleMaster: pty?.master ?? -1 };
  } catch (err) {
    if (spawned) {
      if (syncOpen) native.close(spawned.sync);
      native.pidfdSignal(spawned.pidfd, native.constants.SIGKILL ?? 9);
      await native.waitExit(spawned.pidfd).catch(() => null);
      native.close(spawned.pidfd);
    }
    if (pty) {
      if (pty.slave >= 0) native.close(pty.slave);
      if (pty.master >= 0) native.close(pty.master);
    }
    throw err;
  } finally {
    native.close(pidfd);
  }
}
