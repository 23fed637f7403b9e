// Starting a container and joining a live one, the parent side of the handshake (docs/architecture.md,
// "Starting a container"): lock → pid file check → compile → spawn (clone3(2), child blocked) →
// cgroups → networks → GO → exec confirmed → pid files → unlock. Every resource goes on one
// cleanup stack as it is acquired (unwind.ts); any failure releases it all in reverse.
import { closeSync, constants as fsc, openSync } from 'node:fs';
import { basename } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import type { ExitStatus, NativeBindings, Spawned, WinSize } from '@nsinit/native';
import { argSpaceError } from './arg-space.js';
import {
  type CgroupHandle,
  type CgroupRecord,
  cgroupFromRecord,
  cgroupRecord,
  freeze,
  isFrozen,
  leaveFreezer,
  type ManagedCgroup,
  plannedCgroupRecord,
  rootless2014Cgroups,
  setupCgroups,
} from './cgroups/index.js';
import { ErrorCodes, nsinitError } from './errors.js';
import { failureError } from './exec-failure.js';
import { idmapWarnings, openIdmapTrees } from './idmap-mounts.js';
import { killCgroup } from './instance.js';
import { assertNetworks, type NetworkHandle, netnsPath, setupNetworks } from './net/index.js';
import { slirpNetwork, startSlirp } from './net/slirp.js';
import { testPause } from './pause-points.js';
import { compilePlan, type KernelTables, namespaceFlags } from './plan/compile.js';
import { ContainerProcess, type Launched, monotonicMs } from './process.js';
import { isRootless, refuseRootless2014, rootlessLinkSteps } from './rootless.js';
import { seccompFilter } from './spec/compile-oci.js';
import { from2014, type PlanConfig } from './spec/from-2014.js';
import { hasNamespace } from './spec/model.js';
import { type ListenerState, listenerHandoff } from './spec/seccomp-listener.js';
import {
  type ContainerState,
  prepareDataFiles,
  removeDataFiles,
  writeDataFiles,
} from './state/data-files.js';
import { isBlockingIo } from './state/fs-async.js';
import { newInstanceId, supervisedHere, type TrustedState } from './state/trusted.js';
import { type ChildStdio, type StdioOption, setupStdio } from './stdio.js';
import { masterStreams, type PtyPair } from './tty.js';
import { type Held, once, Unwind } from './unwind.js';
import type { Identity } from './user.js';
import { currentCaller, setgroupsDenied, usernsSetup, writeIdMaps } from './userns.js';

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
  stopTimeout: number;
  onWarning: (message: string) => void;
  /** Runs the teardown under the data-directory lock (see container.ts). */
  locked: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The data directory's trusted state (state/trusted.ts). */
  state: TrustedState;
  /** Container paths of container.json/pid/start when the data directory is inside the rootfs:
   *  masked, so the container can neither rewrite them nor learn its host pid. */
  hide: string[];
}

function tables(native: NativeBindings): KernelTables {
  return { capabilities: native.capabilities, rlimits: native.rlimits, constants: native.constants };
}

interface PreparedStdio {
  pty: PtyPair | null;
  stdio: ChildStdio | null;
  fds: [number, number, number];
  /** The child's ends (pty slave or pipe ends): released once the child holds its own copies. */
  childEnds: Held;
}

/** The child's stdio: a pty when the config asks for a terminal, else pipes/inherit/ignore.
 *  Both ends go on the stack; the parent's ends are handed to the process handle on success. */
function prepareStdio(ctx: LaunchContext, stack: Unwind): PreparedStdio {
  const { native } = ctx;
  if (ctx.config.tty) {
    const pty = native.openPty();
    stack.push('terminal master', () => native.close(pty.master));
    const childEnds = stack.push('terminal', () => native.close(pty.slave));
    if (ctx.size && ctx.size.cols > 0 && ctx.size.rows > 0) native.setWinSize(pty.master, ctx.size);
    return { pty, stdio: null, fds: [pty.slave, pty.slave, pty.slave], childEnds };
  }
  const stdio = setupStdio(native, ctx.stdio);
  stack.push('stdio pipes', () => stdio.destroy());
  const childEnds = stack.push("the child's stdio pipe ends", () => stdio.closeChildEnds());
  return { pty: null, stdio, fds: stdio.fds, childEnds };
}

/** Push a cloned child: its pidfd, its sync socket and the child itself (killed and reaped
 *  first on unwind). The returned `stop` kills and reaps it once, for steps (cgroup removal)
 *  that need it gone before they can release their own resource. */
function holdChild(
  stack: Unwind,
  native: NativeBindings,
  spawned: Spawned,
  onWarning: (message: string) => void,
): { sync: Held; stop: () => Promise<void> } {
  stack.push(`pidfd of process ${spawned.pid}`, () => native.close(spawned.pidfd));
  // Closing the sync socket first lets a child still waiting for GO see EOF and exit.
  const stop = once(() => killAndReap(native, spawned, onWarning));
  stack.push(`process ${spawned.pid}`, stop);
  const sync = stack.push(`sync socket of process ${spawned.pid}`, () => native.close(spawned.sync));
  return { sync, stop };
}

/** How long an unwind waits for a child it could not signal (it may still exit on its own, the
 *  sync socket being closed); the watcher reaps it whenever it does. */
const REAP_GRACE_MS = 2000;

/** Kill the child (SIGKILL through the pidfd, never a recycled pid) and reap it. A signal that
 *  fails or a watch that cannot be registered is a warning: the rest of the unwind still runs. */
async function killAndReap(
  native: NativeBindings,
  spawned: Spawned,
  onWarning: (message: string) => void,
): Promise<void> {
  let signalled = true;
  try {
    native.pidfdSignal(spawned.pidfd, native.constants.SIGKILL ?? 9);
  } catch (err) {
    signalled = false;
    onWarning(`cannot kill process ${spawned.pid}: ${(err as Error).message}`);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const exited = native.waitExit(spawned.pidfd).then(() => true);
    const reaped = signalled
      ? await exited
      : await Promise.race([
          exited,
          new Promise<false>((r) => (timer = setTimeout(r, REAP_GRACE_MS, false))),
        ]);
    if (!reaped) onWarning(`process ${spawned.pid} did not exit; it is reaped when it does`);
  } catch (err) {
    onWarning(`cannot reap process ${spawned.pid}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** E2BIG from execve, but before anything is created. */
function assertArgSpace(ctx: LaunchContext): void {
  const err = argSpaceError(ctx.argv, ctx.config.environment ?? [], ctx.config.rlimits);
  if (err) throw err;
}

/** The clone itself runs on the addon's spawner thread, which lives as long as the process (the
 *  kernel ties a child's parent-death signal to the THREAD that cloned it, prctl(2)); but a
 *  container's supervision (its exit watch, teardown, timers) lives in the calling thread's event
 *  loop, and a worker_thread may end while the process lives on, leaving the container running
 *  unsupervised with its state never torn down. Refused. */
function assertMainThread(native: NativeBindings): void {
  if (!native.isMainThread())
    throw nsinitError(
      ErrorCodes.WORKER_THREAD,
      "containers can only be started or joined from the main thread, not a worker_thread: the container's supervision would end with the worker",
    );
}

export async function startContainer(
  ctx: LaunchContext,
  release: () => Promise<void>,
): Promise<ContainerProcess> {
  const { native, config } = ctx;
  const startedAt = monotonicMs();
  const stack = new Unwind();
  try {
    assertMainThread(native);
    // Everything that can be refused is refused before anything exists (no child, no cgroup).
    if (config.networks && config.networks.length > 0) assertNetworks(config);
    const rootless = isRootless();
    if (rootless) refuseRootless2014(config);
    assertArgSpace(ctx);
    // Rootless: a delegated cgroup v2 subtree, or none (one warning; a limit is refused here).
    const rootlessCgroup = rootless ? rootless2014Cgroups(config, ctx.onWarning) : undefined;
    const { state } = ctx;
    const id = newInstanceId();
    const { pty, stdio, fds, childEnds } = prepareStdio(ctx, stack);
    const nspath = netnsPath(config as never);
    let netnsFd = -1;
    let netns: Held | null = null;
    if (nspath) {
      netnsFd = openSync(nspath, fsc.O_RDONLY);
      netns = stack.push(`'${nspath}'`, () => closeSync(netnsFd));
    }
    const spec = from2014(config as PlanConfig);
    // Detached idmapped clones of the idmapped binds' sources: the child attaches its copies.
    for (const warning of idmapWarnings(spec)) ctx.onWarning(warning);
    const idmap = openIdmapTrees(spec, native.openIdmappedTree, native.close, native.constants);
    const trees = stack.push('idmapped mounts', () => idmap.close());
    // The data files, when the data directory is in the rootfs: masked after pivot_root.
    const hidden = ctx.hide.map((path) => ({ path, optional: true }));
    const plan = compilePlan(
      { ...spec, maskedPaths: [...spec.maskedPaths, ...hidden] },
      {
        rootfs: ctx.rootfs,
        argv: ctx.argv,
        tables: tables(native),
        identity: ctx.identity,
        stdio: fds,
        consoleFd: pty ? pty.slave : -1,
        netnsFds: netnsFd >= 0 ? [netnsFd] : [],
        bindDevices: rootless,
        idmapTrees: idmap.trees,
        ...(spec.seccomp ? { seccomp: seccompFilter(spec, native.compileSeccomp) } : {}),
      },
    );
    // Rootless: the child brings its loopback up itself, after entering any namespace by fd.
    if (rootless)
      plan.steps.splice(plan.steps.filter((s) => s.op === 'setns').length, 0, ...rootlessLinkSteps(config));
    // The clone runs on the addon's spawner thread while this thread does the trusted-state file
    // work beside it. The child waits for GO before its first step, and GO comes only after both,
    // so it never runs a step before its files exist (the mask step finds them) or before its
    // supervisor holds the lifetime lock. Whatever settles first, the unwind gets everything.
    const spawning = isBlockingIo()
      ? Promise.resolve().then(() => native.spawn(plan))
      : native.spawnAsync(plan);
    const [cloned, prepared, files] = await Promise.allSettled([
      spawning,
      // The instance: its id names the cgroup leaf and the trusted files; its supervisor lock is
      // held by this process until the teardown is done (proof for others that it is not stale).
      (async () => {
        const supervisor = await state.holdSupervisor(native, id);
        stack.push('supervisor lock', async () => {
          await state.removeSupervisor(id);
          await supervisor.releaseAsync();
        });
        return supervisor;
      })(),
      // Empty regular files now, so the plan masks them at their inode before the container runs.
      (async () => {
        if (!(await state.inDataDir((via) => prepareDataFiles(ctx.dataDir, via)))) {
          throw new Error(`the data directory '${ctx.dataDir}' was replaced`);
        }
        stack.push('pid files', () => state.inDataDir(removeDataFiles));
      })(),
    ]);
    if (cloned.status === 'rejected') throw cloned.reason;
    const spawned = cloned.value;
    const child = holdChild(stack, native, spawned, ctx.onWarning);
    if (prepared.status === 'rejected') throw prepared.reason;
    if (files.status === 'rejected') throw files.reason;
    const supervisor = prepared.value;
    // The child has its own copies now (clone3 without CLONE_FILES copies the fd table).
    await childEnds.release();
    await netns?.release();
    await trees.release();
    const target = { pid: spawned.pid, pidfd: spawned.pidfd };
    // Its user namespace's maps first: until they exist it can own nothing it creates.
    const userns = usernsSetup(spec, currentCaller());
    if (userns) await writeIdMaps(native, target, userns, spec.at);
    // Recorded before anything of the host is made for it (and rewritten once all is): a
    // supervisor killed from here on leaves a record the next start cleans up (the start time
    // does not change across execve), even between a cgroup's mkdir(2) and the final record.
    const start0 = native.startTime(target.pid);
    if (start0 === null) throw new Error(`process ${target.pid} vanished before it was started`);
    const recordOf = (cgroupRec: CgroupRecord | null, hostInterfaces: string[]) => ({
      id,
      pid: target.pid,
      start: start0,
      supervisor: { pid: process.pid },
      rootfs: ctx.rootfs,
      dataDir: ctx.dataDir,
      config,
      cgroup: cgroupRec,
      hostInterfaces,
    });
    stack.push('trusted record', () => {
      supervisedHere.delete(state.dir);
      return state.removeInstance(id);
    });
    supervisedHere.add(state.dir);
    // One leaf per instance, `<name>-<id>`: two containers with the same cgroups.name never
    // share (or tear down) each other's directory.
    // `freezer` is applied after exec (below), never here: a child frozen before its execve
    // can never confirm it, and the start would wait forever.
    const cgroupBase = rootlessCgroup?.config ?? config;
    const own =
      config.cgroups && rootlessCgroup !== null
        ? {
            ...cgroupBase,
            cgroups: { ...cgroupBase.cgroups!, name: `${config.cgroups.name}-${id}`, freezer: undefined },
          }
        : null;
    const cgroupOpts = rootlessCgroup
      ? { version: 2 as const, v2: { native, ...rootlessCgroup.view } }
      : { v2: { native } };
    await state.writeInstance(recordOf(own ? plannedCgroupRecord(own, cgroupOpts) : null, []));
    // Cgroups before GO, so the child runs no user code outside its limits ("no child escapes").
    // A cgroup can only be removed once the child in it is gone: its release kills it first.
    let cgroup: ManagedCgroup | null = null;
    if (own) {
      const cg = await setupCgroups(own, target.pid, cgroupOpts);
      await testPause('cgroups-made', target.pid);
      cgroup = cg;
      if (cg)
        stack.push('cgroup', async () => {
          leaveFreezer(target.pid); // frozen, it would not act on the SIGKILL (cgroup v1)
          await child.stop();
          await cg.destroy();
        });
    }
    let network: NetworkHandle | null = null;
    // Rootless there is nothing for the parent to do: loopback is a child step, the rest refused.
    if (config.networks && config.networks.length > 0 && !rootless) {
      const net = await setupNetworks(native, config, target);
      network = net;
      stack.push('network', async () => {
        await child.stop();
        await net.teardown();
      });
    }
    // slirp4netns (root or rootless): its process gives the namespace tap0 before GO.
    const slirpNet = slirpNetwork(config.networks);
    if (slirpNet) {
      const slirp = await startSlirp(target.pid, slirpNet.index, slirpNet.network);
      stack.push('slirp4netns', () => slirp.stop());
      const others = network;
      network = {
        hostInterfaces: others?.hostInterfaces ?? [],
        teardown: async () => {
          await slirp.stop();
          await others?.teardown();
        },
      };
    }
    // The final record, before the child runs user code.
    await state.writeInstance(
      recordOf(cgroup ? cgroupRecord(cgroup) : null, network ? [...network.hostInterfaces] : []),
    );
    await testPause('before-go', target.pid);
    native.go(spawned.sync);
    child.sync.dismiss(); // awaitExec owns and closes it
    await testPause('after-go', target.pid);
    const onListener = listenerHandoff(
      native,
      spec.seccomp,
      () => listenerState(ctx, target.pid, 'creating'),
      '/seccomp/listenerPath',
    );
    const failure = await native.awaitExec(spawned.sync, onListener ? { onListener } : undefined);
    if (failure) throw failureError(failure, plan, ctx);
    await testPause('after-exec', target.pid);
    const start = native.startTime(target.pid);
    if (start === null) {
      // Exec'd and already gone: still a valid run, its exit status is waiting on the pidfd.
    } else {
      // The pid files are already on the stack: a half-written pair is removed too.
      const written: ContainerState = { pid: target.pid, start };
      // Already running: a container that swapped its data directory (one below the rootfs's
      // root) for a symlink gets no pid file written through it.
      if (!(await state.inDataDir((via) => writeDataFiles(ctx.dataDir, written, via)))) {
        ctx.onWarning(`the data directory '${ctx.dataDir}' was replaced; not writing its pid file`);
      }
    }
    if (cgroup && config.cgroups?.freezer === 'FROZEN') {
      // 2014's `"freezer": "FROZEN"`: the container starts paused, as `run` then `pause` leaves
      // it (status says paused; `nsinit resume` lets it go on). Its execve is already confirmed;
      // it may have run briefly.
      await freeze(cgroup);
    }
    const pidNamespace = config.namespaces?.NEWPID === true;
    const { exited } = await watchExit(native, spawned);
    // From here the process handle owns everything: its teardown releases what is left.
    stack.commit();
    return new ContainerProcess({
      ...handleFields(ctx, spawned, false, startedAt, pty, stdio),
      exited,
      teardown: async (status) => {
        try {
          // PID 1 has exited, the teardown has not begun: the window a concurrent start waits out.
          await testPause('before-teardown', target.pid);
          return await ctx.locked(async () => {
            // Read before the cgroup is removed: the kernel counts OOM kills per memory cgroup.
            const oomKilled = status.signal === 'SIGKILL' && cgroup !== null && cgroup.oomKilled();
            // In a PID namespace the kernel killed everything with PID 1; otherwise the cgroup
            // holds whatever the init left behind.
            if (!pidNamespace && cgroup) killCgroup(native, cgroup);
            await teardownResources(network, cgroup, ctx.onWarning);
            // Only our own instance: the files may already belong to a newer one.
            if (state.readInstance()?.id === id) {
              await state.inDataDir(removeDataFiles);
              await state.removeInstance(id, true);
            }
            await state.removeSupervisor(id);
            await supervisor.releaseAsync();
            supervisedHere.delete(state.dir);
            await state.removeIfIdle();
            return { oomKilled };
          });
        } finally {
          // Even when the lock could not be had: a later start then finds the instance stale.
          supervisor.release();
        }
      },
    });
  } catch (err) {
    await stack.unwind(ctx.onWarning);
    throw err;
  } finally {
    await release();
  }
}

export interface JoinTarget {
  state: ContainerState;
  /** pidfd of the live PID 1, verified against its start time after opening. Closed here. */
  pidfd: number;
  /** The instance's cgroup from the trusted state (never /proc/<pid>/cgroup: a zombie reads `/`). */
  cgroup: CgroupRecord | null;
}

export async function joinContainer(ctx: LaunchContext, target: JoinTarget): Promise<ContainerProcess> {
  const { native, config } = ctx;
  const startedAt = monotonicMs();
  const stack = new Unwind();
  const targetPidfd = stack.push(`pidfd of process ${target.state.pid}`, () => native.close(target.pidfd));
  try {
    assertMainThread(native);
    // A process placed in a frozen cgroup freezes before it runs: refuse (as runc does) rather
    // than hang until someone resumes the container.
    refuseIfPaused(target.state.pid);
    assertArgSpace(ctx);
    const { pty, stdio, fds, childEnds } = prepareStdio(ctx, stack);
    const spec = from2014(config as PlanConfig);
    // The joiner gets the container's syscall filter too, as runc's exec does.
    const plan = compilePlan(spec, {
      rootfs: ctx.rootfs,
      argv: ctx.argv,
      tables: tables(native),
      identity: ctx.identity,
      stdio: fds,
      consoleFd: pty ? pty.slave : -1,
      join: true,
      setgroupsDenied: hasNamespace(spec, 'user') && joinedSetgroupsDenied(native, target),
      ...(spec.seccomp ? { seccomp: seccompFilter(spec, native.compileSeccomp) } : {}),
    });
    // Every namespace of the init, its cgroup and time namespaces included. With CLONE_NEWUSER the
    // kernel enters the user namespace first (setns(2) with a pidfd), so the other namespaces are
    // entered with its capabilities and the identity step's ids are the container's own, mapped
    // as its init's are.
    const nsFlags = namespaceFlags(spec, native.constants, { forJoin: true });
    const spawned = await native.join(target.pidfd, nsFlags, plan);
    const child = holdChild(stack, native, spawned, ctx.onWarning);
    await childEnds.release();
    // Beside PID 1 in its cgroups before it runs anything. Released before the kill: a joiner
    // frozen with the container must leave its freezer to act on the SIGKILL (cgroup v1).
    if (target.cgroup) {
      cgroupFromRecord(target.cgroup).add(spawned.pid);
      stack.push(`process ${spawned.pid} in the container's freezer`, () => leaveFreezer(spawned.pid));
    }
    await testPause('join-before-go', spawned.pid);
    // A pause may have won the race with the check above: the joiner is frozen in there now.
    refuseIfPaused(target.state.pid);
    native.go(spawned.sync);
    child.sync.dismiss(); // awaitExec owns and closes it
    // ... or win it while the joiner walks its steps: it would never reach execve.
    const onListener = listenerHandoff(
      native,
      spec.seccomp,
      () => listenerState(ctx, spawned.pid, 'running'),
      '/seccomp/listenerPath',
    );
    const failure = await unlessPaused(
      native.awaitExec(spawned.sync, onListener ? { onListener } : undefined),
      target.state.pid,
    );
    if (failure) throw failureError(failure, plan, ctx);
    const { exited } = await watchExit(native, spawned);
    await targetPidfd.release();
    stack.commit();
    return new ContainerProcess({
      ...handleFields(ctx, spawned, true, startedAt, pty, stdio),
      exited,
      teardown: async () => undefined,
    });
  } catch (err) {
    await stack.unwind(ctx.onWarning);
    throw err;
  }
}

/** The state a 2014 container's seccomp agent receives: its data directory is the bundle, and its
 *  name the id (the 2014 format has no other). */
function listenerState(ctx: LaunchContext, pid: number, status: ListenerState['status']): ListenerState {
  return { ociVersion: '1.2.0', id: basename(ctx.dataDir), status, pid, bundle: ctx.dataDir };
}

/** Whether the live init's user namespace denies setgroups (read through /proc/<pid>, checked
 *  against its pidfd after opening). */
function joinedSetgroupsDenied(native: NativeBindings, target: JoinTarget): boolean {
  const dir = openSync(`/proc/${target.state.pid}`, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    const denied = setgroupsDenied(`/proc/self/fd/${dir}`);
    if (!native.pidfdSignal(target.pidfd, 0))
      throw nsinitError(ErrorCodes.CONTAINER_NOT_RUNNING, 'the container exited', { pid: target.state.pid });
    return denied;
  } finally {
    closeSync(dir);
  }
}

/** Register the exit watch the process handle will wait on, while a failure can still be undone:
 *  a watch that cannot be registered (no memory, no fd for the watcher's copy) would leave a
 *  handle whose teardown never runs. The addon settles a failed registration before it returns,
 *  so one macrotask turn is enough to see it. */
async function watchExit(native: NativeBindings, spawned: Spawned): Promise<{ exited: Promise<ExitStatus> }> {
  const exited = native.waitExit(spawned.pidfd);
  exited.catch(() => {}); // observed below, and by the handle
  const failed = await Promise.race([
    exited.then(
      () => null,
      (err: unknown) => err,
    ),
    new Promise<null>((resolve) => setImmediate(resolve, null)),
  ]);
  if (failed !== null) throw failed;
  return { exited }; // wrapped: an async function would otherwise wait for the exit itself
}

function refuseIfPaused(pid: number): void {
  if (isFrozen(pid))
    throw nsinitError(ErrorCodes.CONTAINER_PAUSED, "the container is paused; run 'nsinit resume' first", {
      pid,
    });
}

/** How often a join waiting for its execve looks for a pause of the container. */
const PAUSE_POLL_MS = 20;

/** `exec`, unless the container of PID 1 `pid` is paused first: then ERR_NSINIT_CONTAINER_PAUSED
 *  (the unwind thaws, kills and reaps the joiner). */
async function unlessPaused<T>(exec: Promise<T>, pid: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const paused = new Promise<never>((_, reject) => {
    const check = () => {
      try {
        refuseIfPaused(pid);
        timer = setTimeout(check, PAUSE_POLL_MS);
      } catch (err) {
        reject(err);
      }
    };
    timer = setTimeout(check, PAUSE_POLL_MS);
  });
  exec.catch(() => {}); // settles later, when the unwind has killed the joiner
  try {
    return await Promise.race([exec, paused]);
  } finally {
    clearTimeout(timer);
  }
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
    stopTimeout: ctx.stopTimeout,
    onWarning: ctx.onWarning,
  };
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
