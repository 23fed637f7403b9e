// The plan compiler: a validated config + rootfs + argv → the flat Plan the C child walks between
// clone3(2) and execve(2). Pure (no fs, no syscalls): every value is decided here, in the order
// the kernel needs, and unit-tested with snapshots. A join emits only the finishing steps.
import { constants as os } from 'node:os';
import type { Plan, Step } from '@nsinit/native';
import { capsStep } from '../capabilities.js';
import { configError, invalidArg } from '../errors.js';
import { execCandidates } from '../exec-path.js';
import { type RlimitEntry, rlimitSteps } from '../rlimits.js';
import type { Identity } from '../user.js';
import type { DeviceNode } from './devices.js';
import { type BindMount, type Constants, flag, rootfsSteps } from './rootfs.js';

/** The parts of container.json the plan depends on (ContainerConfig is assignable to it). */
export interface PlanConfig {
  hostname?: string;
  readonly_fs?: boolean;
  no_pivot_root?: boolean;
  working_dir?: string;
  environment?: readonly string[] | null;
  tty?: boolean;
  namespaces?: Readonly<Record<string, boolean | undefined>> | null;
  capabilities?: readonly string[] | null;
  context?: Readonly<Record<string, string | undefined>> | null;
  mounts?: readonly BindMount[] | null;
  device_nodes?: readonly DeviceNode[] | null;
  rlimits?: readonly RlimitEntry[] | null;
  no_new_privileges?: boolean;
}

export interface KernelTables {
  capabilities: Readonly<Record<string, number>>;
  rlimits: Readonly<Record<string, number>>;
  constants: Constants;
}

export interface CompileOptions {
  /** Host path of the rootfs (absolute, symlinks resolved). */
  rootfs: string;
  argv: readonly string[];
  tables: KernelTables;
  /** The resolved `user` (see user.ts: read from the container's /etc files). */
  identity: Identity;
  /** Parent fds that become the child's 0, 1, 2 (-1 = /dev/null). */
  stdio: [number, number, number];
  /** The pty slave when the config asks for a tty (bound on /dev/console, made the ctty). */
  consoleFd?: number;
  /** Network namespaces to join first (the `netns` strategy), opened by the runtime. */
  netnsFds?: readonly number[];
  /** Joining a live container: no clone flags, no mounts, only the finishing steps. */
  join?: boolean;
}

const NAMESPACE_KEYS = ['NEWNS', 'NEWUTS', 'NEWIPC', 'NEWPID', 'NEWNET', 'NEWCGROUP', 'NEWUSER'] as const;

/** CLONE_NEW* flags for the namespaces the config enables (unknown keys ignored, as in 2014). */
export function namespaceFlags(config: PlanConfig, constants: Constants): number {
  let flags = 0;
  for (const key of NAMESPACE_KEYS) {
    if (config.namespaces?.[key] !== true) continue;
    if (key === 'NEWUSER') {
      // 2014 accepted NEWUSER but wrote no id maps, so the child could do nothing; refuse it
      // clearly until rootless containers (uid/gid maps) are built.
      throw configError('/namespaces/NEWUSER', 'user namespaces are not supported yet');
    }
    flags |= flag(constants, `CLONE_${key}`);
  }
  return flags;
}

/** `K=V` entries; 2014 rejected an entry without '=' ("invalid environment"). */
export function environment(config: PlanConfig): string[] {
  const env = [...(config.environment ?? [])];
  env.forEach((entry, i) => {
    if (entry.indexOf('=') <= 0) throw configError(`/environment/${i}`, `'${entry}' is not NAME=value`);
  });
  return env;
}

/** push(...more) passes every element as an argument: a config with a hundred thousand entries
 *  would exhaust the stack. */
export function append<T>(to: T[], more: readonly T[]): void {
  for (const x of more) to.push(x);
}

export function compilePlan(config: PlanConfig, options: CompileOptions): Plan {
  const { tables } = options;
  const argv = [...options.argv];
  if (argv.length === 0 || argv[0] === '')
    throw invalidArg('argv', 'a non-empty array of strings', options.argv);
  const envp = environment(config);
  const workingDir = config.working_dir || '/';
  if (!workingDir.startsWith('/'))
    throw configError('/working_dir', `'${workingDir}' is not an absolute path`);
  const consoleFd = options.consoleFd ?? -1;
  const steps: Step[] = [];

  // Network namespaces first: the netns strategy names one by path, opened by the parent.
  for (const fd of options.netnsFds ?? [])
    steps.push({ op: 'setns', fd, nstype: flag(tables.constants, 'CLONE_NEWNET') });

  // A new session either way (no job control leaks from the caller); with a pty, fd 0 is its
  // slave and becomes the controlling terminal, so ^C in the container reaches its processes.
  steps.push({ op: 'session', ctty: consoleFd >= 0 });

  const cloneFlags = options.join ? 0 : namespaceFlags(config, tables.constants);
  if (!options.join) {
    if (!config.namespaces?.NEWNS) {
      // Without a mount namespace 2014 mounted /proc and pivot_root'ed in the HOST's namespace.
      throw configError('/namespaces/NEWNS', 'must be true: the rootfs is set up in a new mount namespace');
    }
    append(
      steps,
      rootfsSteps(
        {
          rootfs: options.rootfs,
          noPivotRoot: config.no_pivot_root === true,
          readonlyFs: config.readonly_fs === true,
          mounts: config.mounts ?? [],
          deviceNodes: config.device_nodes ?? [],
          mountLabel: config.context?.mount_label ?? '',
          restrictions: (config.context?.restrictions ?? '') !== '',
          console: consoleFd >= 0,
        },
        tables.constants,
      ),
    );
    if (config.hostname) {
      // Without NEWUTS sethostname would rename the host (2014 did exactly that).
      if (!config.namespaces?.NEWUTS) throw configError('/hostname', 'needs namespaces.NEWUTS to be true');
      steps.push({ op: 'hostname', name: config.hostname });
    }
  } else {
    steps.push({ op: 'umask', mask: 0o022 });
  }
  append(steps, rlimitSteps(config.rlimits, tables.rlimits));
  append(steps, finishingSteps(config, options, argv, envp, workingDir));
  return { cloneFlags, stdio: options.stdio, consoleFd: options.join ? -1 : consoleFd, steps };
}

/** Identity, capabilities, cwd, exec: the same for a new container and a join. */
function finishingSteps(
  config: PlanConfig,
  options: CompileOptions,
  argv: string[],
  envp: string[],
  workingDir: string,
): Step[] {
  const steps: Step[] = [
    // Nothing of the supervisor may survive execve (CVE-2024-21626 class): fds >= 3 CLOEXEC.
    { op: 'close-fds' },
    {
      op: 'identity',
      uid: options.identity.uid,
      gid: options.identity.gid,
      groups: [...options.identity.groups],
    },
    // setuid/setgid clear the parent-death signal, so it is armed after the identity switch:
    // if the supervisor dies the container init is killed, never silently orphaned.
    { op: 'pdeathsig', signal: os.signals.SIGKILL },
    capsStep(config.capabilities, options.tables.capabilities),
  ];
  if (config.no_new_privileges) steps.push({ op: 'no-new-privs' });
  // After the user switch and cap drop, so the directory is checked with the final credentials.
  steps.push({ op: 'chdir', path: workingDir });
  steps.push({ op: 'exec', candidates: execCandidates(argv[0]!, envp, workingDir), argv, envp });
  return steps;
}
