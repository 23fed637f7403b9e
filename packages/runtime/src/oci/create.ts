// `create` (the runtime-spec runtime document "Operations"): the container's init is cloned into its namespaces and
// cgroups, walks its whole plan and then waits at the start gate (the `await-start` step) before
// the user's process; create records the trusted state and returns. The init stays a child of the
// caller (an engine's subreaper reaps it); no nsinit process stays behind.
import { closeSync, constants as fsc, openSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NativeBindings, Plan, Spawned, Step } from '@nsinit/native';
import { cgroupRecord, destroyCgroup, type ManagedCgroup, rootlessCgroupView } from '../cgroups/index.js';
import { cgroupLocation, createOciCgroup, ociCgroupDirs } from '../cgroups/oci-cgroup.js';
import { ociPointer } from '../cgroups/resources.js';
import { resourcesFromOci } from '../cgroups/resources-oci.js';
import { configError, ErrorCodes, nsinitError } from '../errors.js';
import { failureError } from '../exec-failure.js';
import { idmapWarnings } from '../idmap-mounts.js';
import { lockFile } from '../lock.js';
import { isRootless, refuseRootlessOci } from '../rootless.js';
import { compileOci, startCompiled, writeOomScoreAdj } from '../spec/compile-oci.js';
import { hasNamespace } from '../spec/model.js';
import { currentCaller, usernsSetup, writeIdMaps } from '../userns.js';
import { listenerHandoff } from '../spec/seccomp-listener.js';
import { defaultCgroupsPath } from './cgroup.js';
import {
  closeHookFiles,
  type HookFiles,
  hookFailure,
  hookOutput,
  hookSteps,
  openHookFiles,
  writeHookState,
} from './container-hooks.js';
import { fastRecord, STATE_FORMAT } from './fast-record.js';
import { type OciState, runHooks } from './hooks.js';
import { detachRootfsMount, findRootfsMount, mountIdsAt } from './host-mounts.js';
import { loadBundle, type OciSpec } from './spec.js';
import {
  checkId,
  GATE_FILE,
  LOCK_FILE,
  makeContainerDir,
  type OciRecord,
  writeFileAtomic,
  writeRecord,
} from './store.js';

export interface CreateOptions {
  native: NativeBindings;
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  preserveFds?: number;
  /** `run` in the foreground with a terminal and no console socket keeps the pty master. */
  keepConsole?: boolean;
  onWarning: (message: string) => void;
}

export interface Created {
  record: OciRecord;
  /** The init is our child: `run` waits on this pidfd; `create` just exits. */
  pidfd: number;
  /** The pty master when keepConsole asked for it, else -1. */
  consoleMaster: number;
}

function kernelTables(native: NativeBindings) {
  return { capabilities: native.capabilities, rlimits: native.rlimits, constants: native.constants };
}

export async function createContainer(opts: CreateOptions): Promise<Created> {
  const { native } = opts;
  const id = checkId(opts.id);
  const bundle = await loadBundle(opts.bundle);
  // Without a process the init still waits at the gate; `start` then refuses and stops it.
  const noProcess = bundle.spec.process === undefined;
  const placeholder = { args: ['/nonexistent/no-process'], cwd: '/', user: { uid: 0, gid: 0 } };
  const spec: OciSpec = noProcess ? { ...bundle.spec, process: placeholder } : bundle.spec;
  const config = noProcess ? { ...bundle.config, process: placeholder } : bundle.config;
  const terminal = spec.process?.terminal === true;
  if (terminal && !opts.consoleSocket && !opts.keepConsole)
    throw configError('/process/terminal', 'is true but no --console-socket was given to receive the pty');
  if (!terminal && opts.consoleSocket)
    throw nsinitError(ErrorCodes.INVALID_ARG, '--console-socket needs process.terminal to be true');
  const preserveFds = opts.preserveFds ?? 0;

  const dir = makeContainerDir(opts.root, id);
  const lock = await lockFile(native, join(dir, LOCK_FILE));
  let dirfd = -1;
  let gateFd = -1;
  let pty: { master: number; slave: number } | null = null;
  let spawned: Spawned | null = null;
  let syncOpen = false;
  let cgroup: ManagedCgroup | null = null;
  let hookFiles: HookFiles | null = null;
  // Without a mount namespace: the rootfs path and the mounts there before the init ran.
  let hostNs: { path: string; before: Set<number> } | null = null;
  try {
    dirfd = openSync(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    // Through our own fd: sun_path is 108 bytes, and --root/<64-hex id>/ can be longer.
    gateFd = native.gateListen(`/proc/self/fd/${dirfd}/${GATE_FILE}`);
    if (terminal) {
      pty = native.openPty();
      const size = spec.process?.consoleSize;
      if (size) native.setWinSize(pty.master, { cols: size.width, rows: size.height });
    }
    const stdio: [number, number, number] = pty ? [pty.slave, pty.slave, pty.slave] : [0, 1, 2];
    // Where the cgroup goes (absent: see cgroup.ts) and its resources,
    // checked before anything is cloned.
    const cgroupsPath = spec.linux?.cgroupsPath || defaultCgroupsPath(resolve(opts.root), id);
    cgroupLocation(cgroupsPath, id);
    const resources = resourcesFromOci(spec.linux?.resources, {
      devices: spec.linux?.devices,
      name: ociPointer,
    });
    // Rootless: a delegated cgroup v2 subtree (device rules dropped), or no cgroup at all (one
    // warning; a limit is refused here, before anything is cloned).
    const rootless = isRootless();
    if (rootless) refuseRootlessOci(spec);
    const rootlessView = rootless ? rootlessCgroupView(resources, ociPointer, opts.onWarning) : undefined;
    const cgroupOpts = rootlessView
      ? {
          version: 2 as const,
          v2: { native, ...rootlessView },
          below: join(rootlessView.root!, rootlessView.self!),
        }
      : { v2: { native } };
    // createContainer and startContainer hooks run inside the container, forked by the init.
    const hooks = spec.hooks ?? {};
    const labels = new Map<Step, string>();
    if (hooks.createContainer?.length || hooks.startContainer?.length) hookFiles = openHookFiles(dir);
    const files = hookFiles;
    const createSteps = files ? hookSteps('createContainer', hooks.createContainer, files, labels) : [];
    const startSteps = files ? hookSteps('startContainer', hooks.startContainer, files, labels) : [];
    const compiled = compileOci(config as never, bundle.dir, {
      tables: kernelTables(native),
      stdio,
      ...(pty ? { consoleFd: pty.slave } : {}),
      beforeExec: [
        {
          op: 'await-start',
          fd: gateFd,
          keep: preserveFds,
          ...(files && startSteps.length > 0 ? { hookFds: [files.stdin, files.output] as const } : {}),
        },
        ...startSteps,
      ],
      compileSeccomp: native.compileSeccomp,
      nsOpen: native.nsOpen,
      openIdmappedTree: native.openIdmappedTree,
      // Created below, before the init walks its mounts.
      cgroupDirs: rootlessView === null ? {} : ociCgroupDirs({ id, cgroupsPath }, cgroupOpts),
      bindDevices: rootless,
    });
    for (const warning of idmapWarnings(compiled.spec)) opts.onWarning(warning);
    const plan = ociPlan(compiled.plan, preserveFds, opts.noPivot === true, createSteps);
    const rootfsStep = plan.steps.find((s) => s.op === 'rootfs');
    if (!hasNamespace(compiled.spec, 'mount') && rootfsStep?.op === 'rootfs')
      hostNs = { path: rootfsStep.path, before: mountIdsAt(rootfsStep.path) };
    try {
      spawned = await startCompiled(native, { plan, userNamespaceFd: compiled.userNamespaceFd });
    } finally {
      compiled.release();
    }
    syncOpen = true;
    // The child holds its own copies now.
    native.close(gateFd);
    gateFd = -1;
    if (pty) {
      native.close(pty.slave);
      pty.slave = -1;
    }
    const pid = spawned.pid;
    // The user namespace's maps before anything else: the init can own nothing until they exist.
    const userns = usernsSetup(compiled.spec, currentCaller());
    if (userns) await writeIdMaps(native, spawned, userns, compiled.spec.at);
    if (spec.process?.oomScoreAdj !== undefined) writeOomScoreAdj(pid, spec.process.oomScoreAdj);
    // Created, limited and joined before GO: the init runs nothing of its own outside it.
    if (rootlessView !== null) {
      const own = rootlessView ? { ...resources, devices: undefined, devicesV1Only: undefined } : resources;
      cgroup = await createOciCgroup({ id, cgroupsPath, resources: own }, pid, {
        name: ociPointer,
        ...cgroupOpts,
      });
    }
    const state = (status: OciState['status']): OciState => ({
      ociVersion: spec.ociVersion,
      id,
      status,
      pid,
      bundle: bundle.dir,
      annotations: spec.annotations ?? {},
    });
    // Read by the createContainer and startContainer hooks inside; the status is `created` as for
    // the host's hooks (runc says `creating` to createContainer hooks).
    if (files) {
      writeHookState(files, state('created'));
      closeHookFiles(files);
      hookFiles = null;
    }
    // prestart (deprecated) and createRuntime: in the runtime's namespaces, after the container's
    // namespaces and cgroups exist, before its process runs anything of the user's. The status
    // is `created`: the environment exists (lifecycle step 2 is done), no user program ran.
    await runHooks('prestart', spec.hooks?.prestart, state('created'));
    await runHooks('createRuntime', spec.hooks?.createRuntime, state('created'));
    native.go(spawned.sync);
    syncOpen = false; // awaitExec owns and closes it
    // EOF here means the init reached the start gate (await-start closes the sync socket). A
    // filter loaded before the gate (without no_new_privs) sends its listener first.
    const onListener = listenerHandoff(
      native,
      compiled.spec.seccomp,
      () => ({ ...state('creating'), pid }),
      '/linux/seccomp/listenerPath',
    );
    const failure = await native.awaitExec(spawned.sync, onListener ? { onListener } : undefined);
    if (failure?.op === 'hook') {
      const step = plan.steps[failure.step];
      throw hookFailure(
        (step && labels.get(step)) ?? 'createContainer hook',
        failure,
        step?.op === 'hook' ? step.timeoutMs : 0,
        hookOutput(dir),
      );
    }
    if (failure) {
      const user = spec.process?.user ?? { uid: 0, gid: 0 };
      throw failureError(failure, plan, {
        rootfs: bundle.rootfs,
        argv: [...(spec.process?.args ?? [])],
        config: { user: `${user.uid}:${user.gid}` },
        identity: { uid: user.uid, gid: user.gid, groups: [...(user.additionalGids ?? [])] },
      });
    }
    const hostMount = hostNs ? findRootfsMount(hostNs.path, hostNs.before) : null;
    const start = native.startTime(pid);
    if (start === null) {
      throw nsinitError(ErrorCodes.START_FAILED, 'the container init exited before it was ready', { pid });
    }
    if (pty && opts.consoleSocket) {
      native.sendFd(opts.consoleSocket, pty.master, '/dev/ptmx');
      native.close(pty.master);
      pty.master = -1;
    }
    const record: OciRecord = {
      format: STATE_FORMAT,
      ociVersion: spec.ociVersion,
      id,
      pid,
      start,
      bundle: bundle.dir,
      rootfs: bundle.rootfs,
      created: new Date().toISOString(),
      annotations: spec.annotations ?? {},
      cgroup: cgroup ? cgroupRecord(cgroup) : null,
      hooks: spec.hooks ?? {},
      ...startHookRecord(plan, labels),
      ...(hostMount ? { hostMount } : {}),
      ...(noProcess ? { noProcess: true } : {}),
      fast: fastRecord(cgroup, spec.hooks ?? {}, plan, { noProcess, hostMount: hostMount !== null }),
    };
    // The config as created, for exec: later edits of the bundle's config.json change nothing.
    writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config));
    writeRecord(dir, record);
    if (opts.pidFile) writeFileAtomic(opts.pidFile, String(pid), 0o644);
    return { record, pidfd: spawned.pidfd, consoleMaster: pty?.master ?? -1 };
  } catch (err) {
    if (spawned) {
      if (syncOpen) safeClose(native, spawned.sync);
      native.pidfdSignal(spawned.pidfd, native.constants.SIGKILL ?? 9);
      await native.waitExit(spawned.pidfd).catch(() => null);
      safeClose(native, spawned.pidfd);
    }
    if (cgroup)
      await destroyCgroup(cgroup).catch((e) => opts.onWarning(`cgroup teardown: ${(e as Error).message}`));
    // What the init mounted in our own namespace before it failed or was killed.
    const left = hostNs ? findRootfsMount(hostNs.path, hostNs.before) : null;
    if (left) detachRootfsMount(native, left, opts.onWarning);
    if (gateFd >= 0) safeClose(native, gateFd);
    if (hookFiles) closeHookFiles(hookFiles);
    if (pty) {
      if (pty.slave >= 0) safeClose(native, pty.slave);
      if (pty.master >= 0) safeClose(native, pty.master);
    }
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    if (dirfd >= 0) closeSync(dirfd);
    lock.release();
  }
}

/** PR_CAP_AMBIENT_RAISE fails with EPERM unless the capability is also permitted and
 *  inheritable; runc's default spec (and defaultOciSpec) lists ambient without inheritable and
 *  runc only warns, ending with those ambient bits unset: the same result, without the failure. */
export function ambientFixed(step: Extract<Step, { op: 'caps' }>): Step {
  return { ...step, ambient: step.ambient & step.inheritable & step.permitted };
}

/** Which steps of the plan are startContainer hooks, for `start`. */
function startHookRecord(plan: Plan, labels: Map<Step, string>): Pick<OciRecord, 'hookSteps'> {
  const out: NonNullable<OciRecord['hookSteps']> = {};
  plan.steps.forEach((step, i) => {
    const label = labels.get(step);
    if (step.op === 'hook' && label?.startsWith('startContainer'))
      out[String(i)] = { label, timeoutMs: step.timeoutMs };
  });
  return Object.keys(out).length > 0 ? { hookSteps: out } : {};
}

/** The OCI lifecycle's changes to the compiled plan: no parent-death signal (the init outlives
 *  `create`), ambient capabilities the kernel can raise, --preserve-fds kept open, --no-pivot,
 *  and the createContainer hooks just before the change of root (the runtime-spec: "after the
 *  runtime environment has been created ... but before the pivot_root"). */
function ociPlan(plan: Plan, preserveFds: number, noPivot: boolean, createHooks: readonly Step[]): Plan {
  const steps: Step[] = [];
  for (const step of plan.steps) {
    if (step.op === 'pivot-root' || step.op === 'move-root' || step.op === 'chroot')
      for (const h of createHooks) steps.push(h);
    // Cleared (the identity step re-armed the one set at clone); await-start clears it again.
    if (step.op === 'pdeathsig') {
      steps.push({ op: 'pdeathsig', signal: 0 });
      continue;
    }
    if (step.op === 'caps') {
      steps.push(ambientFixed(step));
      continue;
    }
    if (step.op === 'close-fds') steps.push({ op: 'close-fds', keep: preserveFds });
    else if (step.op === 'pivot-root' && noPivot) steps.push({ op: 'move-root' });
    else steps.push(step);
  }
  return { ...plan, steps };
}

function safeClose(native: NativeBindings, fd: number) {
  try {
    native.close(fd);
  } catch {
    // already closed on this path
  }
}
