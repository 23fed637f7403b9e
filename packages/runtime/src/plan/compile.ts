// The plan compiler: a RuntimeSpec (from either front end, spec/) + rootfs + argv → the flat Plan
// the C child walks between clone3(2) and execve(2). Pure (no fs, no syscalls): every value is
// decided here, in the order the kernel needs, and unit-tested with snapshots. A join emits only
// the finishing steps.
import { constants as os } from 'node:os';
import type { Plan, Step } from '@nsinit/native';
import { capabilityMask } from '../capabilities.js';
import { configError, invalidArg } from '../errors.js';
import { execCandidates } from '../exec-path.js';
import { rlimitSteps } from '../rlimits.js';
import { from2014, type PlanConfig } from '../spec/from-2014.js';
import { hasNamespace, type NamespaceType, type RuntimeSpec } from '../spec/model.js';
import { checkSysctl, sysctlPath } from '../spec/sysctl.js';
import { timensOffsetsText } from '../spec/time.js';
import type { Identity } from '../user.js';
import { type Caller, currentCaller, usernsSetup } from '../userns.js';
import type { CgroupHierarchy } from './cgroup-mounts.js';
import { type Constants, flag, rootfsSteps } from './rootfs.js';

export type { PlanConfig };

export interface KernelTables {
  capabilities: Readonly<Record<string, number>>;
  rlimits: Readonly<Record<string, number>>;
  constants: Constants;
}

export interface CompileOptions {
  /** Host path of the rootfs (absolute, symlinks resolved). */
  rootfs: string;
  /** The command; defaults to the spec's process.args (OCI). */
  argv?: readonly string[];
  tables: KernelTables;
  /** The resolved identity (2014: `user` read from the container's /etc files, user.ts);
   *  defaults to the spec's numeric process.user (OCI). */
  identity?: Identity;
  /** Parent fds that become the child's 0, 1, 2 (-1 = /dev/null). */
  stdio: [number, number, number];
  /** The pty slave when the config asks for a tty (bound on /dev/console, made the ctty). */
  consoleFd?: number;
  /** Network namespaces to join first (the 2014 `netns` strategy), opened by the runtime. */
  netnsFds?: readonly number[];
  /** Namespaces the spec joins by path, opened by the runtime (type → fd). */
  namespaceFds?: Readonly<Partial<Record<NamespaceType, number>>>;
  /** Joining a live container: no clone flags, no mounts, only the finishing steps. */
  join?: boolean;
  /** The host's cgroup hierarchies, for a `cgroup` mount (see cgroupHierarchies()). */
  cgroupHierarchies?: readonly CgroupHierarchy[];
  /** The container's own cgroup directories, for a `cgroup` mount without a cgroup namespace. */
  cgroupDirs?: Readonly<Record<string, string>>;
  /** Steps run last before exec, with the final credentials (the OCI create/start split waits
   *  here for `start`). */
  beforeExec?: readonly Step[];
  /** A compiled syscall filter (the addon's compileSeccomp) and its SECCOMP_FILTER_FLAG_* bits. */
  seccomp?: { program: Uint8Array; flags: number };
  /** Who starts the container (default: our effective ids): decides how the id maps of a new
   *  user namespace are written and whether setgroups(2) is denied in it (userns.ts). */
  caller?: Caller;
  /** Bind device nodes from the host instead of mknod even without a user namespace in the
   *  spec: the runtime itself runs in one (rootless podman), where mknod(2) is refused. */
  bindDevices?: boolean;
  /** A join into a user namespace that denies setgroups(2) (its /proc/<pid>/setgroups): the
   *  identity step keeps the groups, as the container's init did. */
  setgroupsDenied?: boolean;
  /** The detached idmapped trees of the spec's idmapped binds, by mount field (openIdmapTrees). */
  idmapTrees?: ReadonlyMap<string, number>;
}

const CLONE_FLAG: Readonly<Record<NamespaceType, string>> = {
  mount: 'CLONE_NEWNS',
  uts: 'CLONE_NEWUTS',
  ipc: 'CLONE_NEWIPC',
  pid: 'CLONE_NEWPID',
  network: 'CLONE_NEWNET',
  cgroup: 'CLONE_NEWCGROUP',
  user: 'CLONE_NEWUSER',
  time: 'CLONE_NEWTIME',
};

/** The CLONE_NEW* flag of a namespace type. */
export function cloneFlag(type: NamespaceType, constants: Constants): number {
  return flag(constants, CLONE_FLAG[type]);
}

/** CLONE_NEW* flags for the namespaces the spec creates at clone (joined ones are setns steps,
 *  a cgroup namespace an unshare step). With `forJoin`, every namespace the container's init is
 *  in, for joining it (native.join). */
export function namespaceFlags(
  spec: RuntimeSpec | PlanConfig,
  constants: Constants,
  opts: { forJoin?: boolean } = {},
): number {
  const s = 'format' in spec ? spec : from2014(spec);
  let flags = 0;
  for (const ns of s.namespaces) {
    if (!opts.forJoin && (ns.path !== undefined || ns.afterCgroups)) continue;
    // A new time namespace is a step (unshare, then the offsets), never a clone flag: a child
    // cloned into it would freeze its offsets before they are written.
    if (!opts.forJoin && ns.type === 'time') continue;
    flags |= cloneFlag(ns.type, constants);
  }
  return flags;
}

/** `K=V` entries; 2014 rejected an entry without '=' ("invalid environment"). */
export function environment(spec: RuntimeSpec): string[] {
  const env = [...spec.process.env];
  env.forEach((entry, i) => {
    if (entry.indexOf('=') <= 0) throw configError(`${spec.at.env}/${i}`, `'${entry}' is not NAME=value`);
  });
  return env;
}

/** push(...more) passes every element as an argument: a config with a hundred thousand entries
 *  would exhaust the stack. */
export function append<T>(to: T[], more: readonly T[]): void {
  for (const x of more) to.push(x);
}

function needsNamespace(spec: RuntimeSpec, field: string, type: NamespaceType, key2014: string): void {
  if (hasNamespace(spec, type)) return;
  throw configError(
    field,
    spec.format === '2014'
      ? `needs namespaces.${key2014} to be true`
      : `needs a '${type}' namespace in linux.namespaces`,
  );
}

export function compilePlan(spec: RuntimeSpec, options: CompileOptions): Plan {
  const { tables } = options;
  const argv = [...(options.argv ?? spec.process.args ?? [])];
  if (argv.length === 0 || argv[0] === '')
    throw invalidArg('argv', 'a non-empty array of strings', options.argv ?? spec.process.args);
  const envp = environment(spec);
  const workingDir = spec.process.cwd || '/';
  if (!workingDir.startsWith('/')) throw configError(spec.at.cwd, `'${workingDir}' is not an absolute path`);
  const consoleFd = options.consoleFd ?? -1;
  const steps: Step[] = [];
  // Checks the maps (both formats) and learns whether setgroups will be denied in the namespace.
  const userns = options.join ? undefined : usernsSetup(spec, options.caller ?? currentCaller());
  const setgroups = !(options.join ? options.setgroupsDenied : userns?.denySetgroups);
  if (!setgroups && (spec.process.user?.additionalGids.length ?? 0) > 0)
    throw configError(
      '/process/user/additionalGids',
      'cannot be set: setgroups(2) is denied in a user namespace that maps only your own gid',
    );

  // Network namespaces first: the netns strategy names one by path, opened by the parent. In a
  // new user namespace the child could not join them (only their owner's user namespace may):
  // the parent's cloning thread enters them around clone3 instead.
  const early = userns !== undefined;
  for (const fd of options.netnsFds ?? [])
    steps.push({ op: early ? 'setns-early' : 'setns', fd, nstype: flag(tables.constants, 'CLONE_NEWNET') });
  if (!options.join) steps.push(...joinSteps(spec, options, early));

  // A new session either way (no job control leaks from the caller); with a pty, fd 0 is its
  // slave and becomes the controlling terminal, so ^C in the container reaches its processes.
  steps.push({ op: 'session', ctty: consoleFd >= 0 });

  const cloneFlags = options.join ? 0 : namespaceFlags(spec, tables.constants);
  if (!options.join) {
    if (!hasNamespace(spec, 'mount') && spec.format === '2014') {
      // Without a mount namespace 2014 mounted /proc and pivot_root'ed in the HOST's namespace.
      throw configError('/namespaces/NEWNS', 'must be true: the rootfs is set up in a new mount namespace');
    }
    if (!hasNamespace(spec, 'mount') && hasNamespace(spec, 'user')) {
      // The runtime's own mount namespace belongs to the host's user namespace: a child of a new
      // one could not mount there.
      throw configError(spec.at.namespaces, "a 'user' namespace needs a 'mount' namespace too");
    }
    // Sysctls right after the change of root: /proc is the container's fresh procfs, and the
    // read-only /proc/sys views come after.
    const sysctl: Step[] = Object.entries(spec.sysctl).map(([key, value]) => {
      checkSysctl(key, spec.namespaces, spec.at.sysctl);
      return { op: 'sysctl', key: sysctlPath(key), value };
    });
    // The LSM exec labels, written while we still hold every capability; applied at execve.
    if (spec.labels?.apparmor)
      sysctl.push({ op: 'lsm-label', attr: 'apparmor/exec', value: `exec ${spec.labels.apparmor}` });
    if (spec.labels?.selinux) sysctl.push({ op: 'lsm-label', attr: 'exec', value: spec.labels.selinux });
    append(
      steps,
      rootfsSteps(
        spec,
        {
          rootfs: options.rootfs,
          console: consoleFd >= 0,
          afterPivot: sysctl,
          cgroupHierarchies: options.cgroupHierarchies,
          cgroupDirs: options.cgroupDirs,
          setgroups,
          bindDevices: options.bindDevices === true,
          idmapTrees: options.idmapTrees,
        },
        tables.constants,
      ),
    );
    if (spec.hostname) {
      // Without NEWUTS sethostname would rename the host (2014 did exactly that).
      needsNamespace(spec, spec.at.hostname, 'uts', 'NEWUTS');
      steps.push({ op: 'hostname', name: spec.hostname });
    }
    if (spec.domainname) {
      needsNamespace(spec, spec.at.domainname, 'uts', 'NEWUTS');
      steps.push({ op: 'domainname', name: spec.domainname });
    }
  } else {
    steps.push({ op: 'umask', mask: spec.process.umask });
  }
  // Appended one by one: spreading a config-sized list into push() overflows the stack.
  for (const step of rlimitSteps(spec.process.rlimits, tables.rlimits, spec.at.rlimits)) steps.push(step);
  // personality(2) domains: PER_LINUX is 0, PER_LINUX32 is 8 (linux/personality.h).
  if (spec.personality) steps.push({ op: 'personality', persona: spec.personality === 'LINUX32' ? 8 : 0 });
  for (const step of finishingSteps(spec, options, argv, envp, workingDir, setgroups)) steps.push(step);
  return { cloneFlags, stdio: options.stdio, consoleFd: options.join ? -1 : consoleFd, steps };
}

/** setns steps for namespaces the spec joins by path (the fds the runtime opened). */
function joinSteps(spec: RuntimeSpec, options: CompileOptions, early: boolean): Step[] {
  const steps: Step[] = [];
  spec.namespaces.forEach((ns, i) => {
    // A thread cannot enter a mount namespace on its own (and the child, in its new user
    // namespace, may not either): refused rather than an EPERM from the kernel.
    if (early && ns.path !== undefined && ns.type === 'mount')
      throw configError(
        `${spec.at.namespaces}/${i}/path`,
        'a mount namespace joined by path cannot be entered from a new user namespace',
      );
  });
  for (const ns of spec.namespaces) {
    // A user namespace joined by path is entered before the clone, by the process that creates
    // the container (native.join with its fd), so that it owns the new namespaces.
    if (ns.path === undefined || ns.type === 'user') continue;
    const fd = options.namespaceFds?.[ns.type];
    if (fd === undefined)
      throw invalidArg(
        'namespaceFds',
        `an fd for the '${ns.type}' namespace at ${ns.path}`,
        options.namespaceFds,
      );
    steps.push({
      op: early ? 'setns-early' : 'setns',
      fd,
      nstype: cloneFlag(ns.type, options.tables.constants),
    });
  }
  for (const ns of spec.namespaces)
    if (ns.afterCgroups && ns.path === undefined)
      steps.push({ op: 'unshare', flags: cloneFlag(ns.type, options.tables.constants) });
  // Before the rootfs is bound: the offsets go through the host's own /proc.
  if (spec.namespaces.some((ns) => ns.type === 'time' && ns.path === undefined))
    steps.push({ op: 'timens', offsets: timensOffsetsText(spec.timeOffsets ?? {}) });
  else if (spec.timeOffsets)
    throw configError(spec.at.timeOffsets, "needs a new time namespace of the container's own");
  return steps;
}

/** Identity, capabilities, cwd, exec: the same for a new container and a join. */
function finishingSteps(
  spec: RuntimeSpec,
  options: CompileOptions,
  argv: string[],
  envp: string[],
  workingDir: string,
  setgroups: boolean,
): Step[] {
  const user = spec.process.user;
  const identity =
    options.identity ??
    (user ? { uid: user.uid, gid: user.gid, groups: [...user.additionalGids] } : undefined);
  if (!identity) throw invalidArg('identity', 'an identity (the spec has no process.user)', options.identity);
  const table = options.tables.capabilities;
  const caps = spec.process.capabilities;
  const at = spec.at.capabilities;
  // seccomp(2) needs no_new_privs or CAP_SYS_ADMIN. With no_new_privs the filter goes on as close
  // to execve as possible (after the wait for `start`), so it governs the fewest of our own
  // syscalls (profiles written for older runtimes lack openat2 and close_range); without it, just
  // before the capability step, while CAP_SYS_ADMIN can still be raised (as runc orders it).
  const filter: Step | null = options.seccomp
    ? { op: 'seccomp', flags: options.seccomp.flags, program: options.seccomp.program }
    : null;
  const lateFilter = filter !== null && spec.process.noNewPrivileges;
  const steps: Step[] = [
    // Nothing of the supervisor may survive execve (CVE-2024-21626 class): fds >= 3 CLOEXEC.
    { op: 'close-fds' },
    setgroups
      ? { op: 'identity', uid: identity.uid, gid: identity.gid, groups: [...identity.groups] }
      : { op: 'identity', uid: identity.uid, gid: identity.gid, groups: [], keepGroups: true },
    // setuid/setgid clear the parent-death signal, so it is armed after the identity switch:
    // if the supervisor dies the container init is killed, never silently orphaned.
    { op: 'pdeathsig', signal: os.signals.SIGKILL },
  ];
  const capsStep: Step = {
    op: 'caps',
    bounding: capabilityMask(caps.bounding, table, at.bounding),
    effective: capabilityMask(caps.effective, table, at.effective),
    permitted: capabilityMask(caps.permitted, table, at.permitted),
    inheritable: capabilityMask(caps.inheritable, table, at.inheritable),
    ambient: capabilityMask(caps.ambient, table, at.ambient),
  };
  // The directory is entered with the credentials the command will have after execve(2): a
  // non-root user without ambient capabilities keeps none across it, so it chdirs before they are
  // raised again (setresuid cleared the effective set); otherwise `working_dir` would be entered
  // with CAP_DAC_OVERRIDE and then be unreadable to the command. Root chdirs with its final set.
  const chdir: Step = { op: 'chdir', path: workingDir };
  const earlyFilter = filter !== null && !lateFilter;
  const early = (identity.uid !== 0 && capsStep.ambient === 0n) || earlyFilter;
  if (early) steps.push(chdir);
  // An early filter still comes after our own last syscalls but the capability drop: the wait for
  // `start` (accept4, close_range) goes before it, since profiles written for older runtimes do
  // not allow every call we make.
  if (earlyFilter) steps.push(...(options.beforeExec ?? []), filter);
  steps.push(capsStep);
  if (spec.process.noNewPrivileges) steps.push({ op: 'no-new-privs' });
  if (!early) steps.push(chdir);
  if (!earlyFilter) for (const step of options.beforeExec ?? []) steps.push(step);
  if (filter && lateFilter) steps.push(filter);
  steps.push({ op: 'exec', candidates: execCandidates(argv[0]!, envp, workingDir), argv, envp });
  return steps;
}
