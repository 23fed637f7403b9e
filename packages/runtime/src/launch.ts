// Starting a container and joining a live one, the parent side of the handshake (docs/architecture.md,
// "Starting a container"): lock → pid file check → compile → spawn (clone3(2), child blocked) →
// cgroups → networks → GO → exec confirmed → pid files → unlock. Any failure after the clone
// kills and reaps the child before cleaning up, so nothing is left behind.
import { closeSync, constants as fsc, openSync, readFileSync } from 'node:fs';
import type { ContainerConfig } from '@nsinit/config';
import {
  type ChildFailure,
  childFailureError,
  type ExitStatus,
  type NativeBindings,
  type Plan,
  type Spawned,
  type WinSize,
} from '@nsinit/native';
import { argSpaceError } from './arg-space.js';
import { type CgroupHandle, cgroupsOf, isFrozen, setupCgroups } from './cgroups/index.js';
import { ErrorCodes, type NsinitError, nsinitError } from './errors.js';
import { assertNetworks, type NetworkHandle, netnsPath, setupNetworks } from './net/index.js';
import { compilePlan, type KernelTables, namespaceFlags, type PlanConfig } from './plan/compile.js';
import { ContainerProcess, type Launched, monotonicMs } from './process.js';
import { testPause } from './pause-points.js';
import { type ContainerState, removeState, writeState } from './state.js';
import { type ChildStdio, setupStdio, type StdioOption } from './stdio.js';
import { masterStreams, openPty, type PtyPair } from './tty.js';
import type { Identity } from './user.js';

export interface LaunchContext {
  native: NativeBindings;
  config: ContainerConfig;
  rootfs: string;
  dataDir: string;
  argv: string[];
  identity: Identity;
  stdio: [StdioOption, StdioOption, StdioOption];
  size?: WinSize;
  abort?: AbortSignal;
  timeout?: number;
  killSignal: NodeJS.Signals | number;
  onWarning: (message: string) => void;
  /** Runs the teardown under the data-directory lock (see container.ts). */
  locked: <T>(fn: () => Promise<T>) => Promise<T>;
}

function tables(native: NativeBindings): KernelTables {
  return { capabilities: native.capabilities, rlimits: native.rlimits, constants: native.constants };
}

/** The child's stdio: a pty when the config asks for a terminal, else pipes/inherit/ignore. */
function prepareStdio(ctx: LaunchContext): {
  pty: PtyPair | null;
  stdio: ChildStdio | null;
  fds: [number, number, number];
} {
  if (ctx.config.tty) {
    const pty = openPty(ctx.native, ctx.size);
    return { pty, stdio: null, fds: [pty.slave, pty.slave, pty.slave] };
  }
  const stdio = setupStdio(ctx.native, ctx.stdio);
  return { pty: null, stdio, fds: stdio.fds };
}

/** Turn a child-side failure record into the error users see; exec failures keep their errno so
 *  the CLI can answer 126/127. */
export function failureError(failure: ChildFailure, plan: Plan, argv: string[]): NsinitError {
  const cause = childFailureError(failure, plan);
  const isExec = failure.op === 'exec';
  const fields = {
    errno: cause.errno,
    syscall: cause.syscall,
    path: cause.path,
    step: failure.op,
    cause,
  };
  return isExec
    ? nsinitError(ErrorCodes.EXEC_FAILED, `cannot execute '${argv[0]}': ${cause.message}`, fields)
    : nsinitError(
        ErrorCodes.START_FAILED,
        `container setup failed at step '${failure.op}': ${cause.message}`,
        fields,
      );
}

/** E2BIG from execve, but before anything is created. */
function assertArgSpace(ctx: LaunchContext): void {
  const err = argSpaceError(ctx.argv, ctx.config.environment ?? [], ctx.config.rlimits);
  if (err) throw err;
}

/** Kill the child (SIGKILL through the pidfd, never a recycled pid) and reap it. */
async function killAndReap(native: NativeBindings, spawned: Spawned): Promise<ExitStatus | null> {
  native.pidfdSignal(spawned.pidfd, native.constants.SIGKILL ?? 9);
  try {
    return await native.waitExit(spawned.pidfd);
  } catch {
    return null;
  }
}

export async function startContainer(ctx: LaunchContext, release: () => void): Promise<ContainerProcess> {
  const { native, config } = ctx;
  const startedAt = monotonicMs();
  // Everything that can be refused is refused before anything exists (no child, no cgroup).
  if (config.networks && config.networks.length > 0) assertNetworks(config);
  assertArgSpace(ctx);
  const { pty, stdio, fds } = prepareStdio(ctx);
  let netnsFd = -1;
  let spawned: Spawned | null = null;
  let cgroup: CgroupHandle | null = null;
  let network: NetworkHandle | null = null;
  let slaveOpen = pty !== null;
  let syncOpen = false;
  try {
    const nspath = netnsPath(config as never);
    if (nspath) netnsFd = openSync(nspath, fsc.O_RDONLY);
    const plan = compilePlan(config as PlanConfig, {
      rootfs: ctx.rootfs,
      argv: ctx.argv,
      tables: tables(native),
      identity: ctx.identity,
      stdio: fds,
      consoleFd: pty ? pty.slave : -1,
      netnsFds: netnsFd >= 0 ? [netnsFd] : [],
    });
    spawned = native.spawn(plan);
    syncOpen = true;
    // The child has its own copies now (clone3 without CLONE_FILES copies the fd table).
    if (pty) native.close(pty.slave);
    slaveOpen = false;
    stdio?.closeChildEnds();
    if (netnsFd >= 0) closeSync(netnsFd);
    netnsFd = -1;
    const child = { pid: spawned.pid, pidfd: spawned.pidfd };
    // Cgroups before GO, so the child runs no user code outside its limits ("no child escapes").
    if (config.cgroups) cgroup = await setupCgroups(config, child.pid, { v2: { native } });
    if (config.networks && config.networks.length > 0) network = await setupNetworks(native, config, child);
    await testPause('before-go', child.pid);
    native.go(spawned.sync);
    syncOpen = false; // awaitExec owns and closes it
    await testPause('after-go', child.pid);
    const failure = await native.awaitExec(spawned.sync);
    if (failure) throw failureError(failure, plan, ctx.argv);
    await testPause('after-exec', child.pid);
    const start = native.startTime(child.pid);
    if (start === null) {
      // Exec'd and already gone: still a valid run, its exit status is waiting on the pidfd.
    } else {
      const state: ContainerState = { pid: child.pid, start };
      await writeState(ctx.dataDir, state);
    }
  } catch (err) {
    if (spawned) {
      // Closing the sync socket first lets a child still waiting for GO see EOF and exit.
      if (syncOpen) safeClose(native, spawned.sync);
      await killAndReap(native, spawned);
      native.close(spawned.pidfd);
    }
    await teardownResources(network, cgroup, ctx.onWarning);
    if (netnsFd >= 0) closeSync(netnsFd);
    if (pty) {
      if (slaveOpen) safeClose(native, pty.slave);
      safeClose(native, pty.master);
    }
    stdio?.destroy();
    throw err;
  } finally {
    release();
  }
  const pid = spawned.pid;
  const pidNamespace = config.namespaces?.NEWPID === true;
  return new ContainerProcess({
    ...handleFields(ctx, spawned, false, startedAt, pty, stdio),
    teardown: (status) =>
      ctx.locked(async () => {
        // Read before the cgroup is removed: the kernel counts OOM kills per memory cgroup.
        const oomKilled = status.signal === 'SIGKILL' && cgroup !== null && cgroup.oomKilled();
        // In a PID namespace the kernel killed everything with PID 1; otherwise the cgroup
        // holds whatever the init left behind.
        if (!pidNamespace && cgroup) killCgroup(native, cgroup);
        await teardownResources(network, cgroup, ctx.onWarning);
        await removeState(ctx.dataDir, pid);
        return { oomKilled };
      }),
  });
}

export interface JoinTarget {
  state: ContainerState;
  /** pidfd of the live PID 1, verified against its start time after opening. */
  pidfd: number;
}

export async function joinContainer(ctx: LaunchContext, target: JoinTarget): Promise<ContainerProcess> {
  const { native, config } = ctx;
  const startedAt = monotonicMs();
  let pty: PtyPair | null = null;
  let stdio: ChildStdio | null = null;
  let spawned: Spawned | null = null;
  let slaveOpen = false;
  let syncOpen = false;
  try {
    // A process placed in a frozen cgroup freezes before it runs: refuse (as runc does) rather
    // than hang until someone resumes the container.
    if (isFrozen(target.state.pid)) {
      throw nsinitError(ErrorCodes.CONTAINER_PAUSED, "the container is paused; run 'nsinit resume' first", {
        pid: target.state.pid,
      });
    }
    assertArgSpace(ctx);
    ({ pty, stdio } = prepareStdio(ctx));
    slaveOpen = pty !== null;
    const fds: [number, number, number] = pty ? [pty.slave, pty.slave, pty.slave] : stdio!.fds;
    const plan = compilePlan(config as PlanConfig, {
      rootfs: ctx.rootfs,
      argv: ctx.argv,
      tables: tables(native),
      identity: ctx.identity,
      stdio: fds,
      consoleFd: pty ? pty.slave : -1,
      join: true,
    });
    const nsFlags = namespaceFlags(config as PlanConfig, native.constants);
    spawned = native.join(target.pidfd, nsFlags, plan);
    syncOpen = true;
    if (pty) native.close(pty.slave);
    slaveOpen = false;
    stdio?.closeChildEnds();
    // Beside PID 1 in its cgroups before it runs anything.
    if (config.cgroups) cgroupsOf(config, target.state.pid)?.add(spawned.pid);
    await testPause('join-before-go', spawned.pid);
    native.go(spawned.sync);
    syncOpen = false; // awaitExec owns and closes it
    const failure = await native.awaitExec(spawned.sync);
    if (failure) throw failureError(failure, plan, ctx.argv);
  } catch (err) {
    if (spawned) {
      if (syncOpen) safeClose(native, spawned.sync);
      await killAndReap(native, spawned);
      native.close(spawned.pidfd);
    }
    if (pty) {
      if (slaveOpen) safeClose(native, pty.slave);
      safeClose(native, pty.master);
    }
    stdio?.destroy();
    throw err;
  } finally {
    native.close(target.pidfd);
  }
  return new ContainerProcess({
    ...handleFields(ctx, spawned, true, startedAt, pty, stdio),
    teardown: async () => undefined,
  });
}

/** What a started and a joined process handle share: the process, its streams and the options. */
function handleFields(
  ctx: LaunchContext,
  spawned: Spawned,
  joined: boolean,
  startedAt: number,
  pty: PtyPair | null,
  stdio: ChildStdio | null,
): Omit<Launched, 'teardown'> {
  return {
    native: ctx.native,
    pid: spawned.pid,
    pidfd: spawned.pidfd,
    joined,
    argv: ctx.argv,
    startedAt,
    stdin: stdio?.stdin ?? null,
    stdout: stdio?.stdout ?? null,
    stderr: stdio?.stderr ?? null,
    pty: pty ? masterStreams(pty.master) : null,
    abort: ctx.abort,
    timeout: ctx.timeout,
    killSignal: ctx.killSignal,
    onWarning: ctx.onWarning,
  };
}

function safeClose(native: NativeBindings, fd: number) {
  try {
    native.close(fd);
  } catch {
    // already closed on this path
  }
}

/** Network first (it may reference the cgroup-less netns), then the cgroup; both best-effort
 *  with a warning: the process is gone, a leftover must not hide its exit status. */
async function teardownResources(
  network: NetworkHandle | null,
  cgroup: CgroupHandle | null,
  onWarning: (message: string) => void,
): Promise<void> {
  if (network) {
    try {
      await network.teardown();
    } catch (err) {
      onWarning(`network teardown: ${(err as Error).message}`);
    }
  }
  if (cgroup) {
    try {
      await cgroup.destroy();
    } catch (err) {
      onWarning(`cgroup teardown: ${(err as Error).message}`);
    }
  }
}

/** SIGKILL every process left in the container's cgroups (no PID namespace to do it for us). */
function killCgroup(native: NativeBindings, cgroup: CgroupHandle) {
  for (let round = 0; round < 10; round++) {
    const pids = new Set<number>();
    for (const dir of Object.values(cgroup.paths)) {
      try {
        for (const line of readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n'))
          if (line) pids.add(Number(line));
      } catch {
        // controller already gone
      }
    }
    if (pids.size === 0) return;
    for (const pid of pids) {
      try {
        const fd = native.pidfdOpen(pid);
        native.pidfdSignal(fd, native.constants.SIGKILL ?? 9);
        native.close(fd);
      } catch {
        // exited meanwhile
      }
    }
  }
}
