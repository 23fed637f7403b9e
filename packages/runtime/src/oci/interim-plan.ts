// INTERIM (deleted when the `plan` work's compileOci lands): an OCI config.json mapped onto the
// 2014 plan compiler, so the OCI lifecycle runs end to end meanwhile. The 2014 compiler already
// builds the standard /proc, /sys, /dev, /dev/pts, /dev/shm and /dev/mqueue mounts; OCI bind
// mounts, masked and read-only paths and the five capability sets are added to its steps here.
import { posix } from 'node:path';
import { DEFAULT_ALLOWED_DEVICES, DEFAULT_SIMPLE_DEVICES } from '@nsinit/config';
import type { Plan, Step } from '@nsinit/native';
import { capabilityMask } from '../capabilities.js';
import type { CgroupConfig } from '../cgroups/index.js';
import { configError } from '../errors.js';
import { compilePlan, type KernelTables, type PlanConfig } from '../plan/compile.js';
import { from2014 } from '../spec/from-2014.js';
import type { OciSpec } from './spec.js';

const NS_KEYS: Record<string, string> = {
  mount: 'NEWNS',
  uts: 'NEWUTS',
  ipc: 'NEWIPC',
  pid: 'NEWPID',
  network: 'NEWNET',
  cgroup: 'NEWCGROUP',
};

/** The standard filesystems the 2014 compiler mounts itself. */
const BUILTIN: Record<string, string> = {
  '/proc': 'proc',
  '/sys': 'sysfs',
  '/dev': 'tmpfs',
  '/dev/pts': 'devpts',
  '/dev/shm': 'tmpfs',
  '/dev/mqueue': 'mqueue',
};

export interface InterimInput {
  spec: OciSpec;
  rootfs: string;
  tables: KernelTables;
  stdio: [number, number, number];
  consoleFd: number;
  /** The listening start-gate socket the init waits on. */
  gateFd: number;
  preserveFds: number;
  noPivot: boolean;
  /** Default leaf name of the cgroup when linux.cgroupsPath is absent. */
  id: string;
}

export interface InterimResult {
  plan: Plan;
  cgroup: CgroupConfig;
}

function refuse(path: string, what: string): never {
  throw configError(path, `${what} is not supported by nsinit-oci yet`);
}

export function interimPlan(input: InterimInput): InterimResult {
  const { spec, tables } = input;
  const linux = spec.linux ?? {};
  const proc = spec.process!;
  const namespaces: Record<string, boolean> = {};
  (linux.namespaces ?? []).forEach((ns, i) => {
    if (ns.type === 'user') refuse(`/linux/namespaces/${i}`, 'a user namespace');
    if (ns.path) refuse(`/linux/namespaces/${i}/path`, 'joining a namespace by path');
    const key = NS_KEYS[ns.type];
    if (!key) throw configError(`/linux/namespaces/${i}/type`, `unknown namespace type '${ns.type}'`);
    namespaces[key] = true;
  });
  if (linux.uidMappings || linux.gidMappings) refuse('/linux/uidMappings', 'id mapping');
  if (linux.seccomp) refuse('/linux/seccomp', 'seccomp');
  if (linux.timeOffsets) refuse('/linux/timeOffsets', 'time namespace offsets');
  if (linux.sysctl && Object.keys(linux.sysctl).length > 0) refuse('/linux/sysctl', 'sysctl');

  const binds: NonNullable<PlanConfig['mounts']>[number][] = [];
  let sysReadonly = false;
  (spec.mounts ?? []).forEach((m, i) => {
    const dest = posix.resolve('/', m.destination ?? '');
    const opts = m.options ?? [];
    const isBind = m.type === 'bind' || opts.includes('bind') || opts.includes('rbind');
    if (isBind) {
      binds.push({ type: 'bind', source: m.source, destination: dest, writable: !opts.includes('ro') });
      return;
    }
    if (BUILTIN[dest] !== undefined && BUILTIN[dest] === m.type) {
      if (dest === '/sys' && opts.includes('ro')) sysReadonly = true;
      return;
    }
    refuse(`/mounts/${i}`, `a '${m.type ?? ''}' mount on '${dest}'`);
  });

  const user = proc.user ?? { uid: 0, gid: 0 };
  const config: PlanConfig = {
    hostname: spec.hostname,
    readonly_fs: spec.root?.readonly === true,
    no_pivot_root: input.noPivot,
    working_dir: proc.cwd,
    environment: proc.env ?? [],
    tty: proc.terminal === true,
    namespaces,
    capabilities: proc.capabilities?.bounding ?? [],
    mounts: binds,
    device_nodes: DEFAULT_SIMPLE_DEVICES.map((d) => ({ ...d })),
    rlimits: proc.rlimits ?? [],
    no_new_privileges: proc.noNewPrivileges === true,
  };
  const plan = compilePlan(from2014(config), {
    rootfs: input.rootfs,
    argv: proc.args!,
    tables,
    identity: { uid: user.uid, gid: user.gid, groups: user.additionalGids ?? [] },
    stdio: input.stdio,
    consoleFd: input.consoleFd,
  });

  const steps: Step[] = [];
  const caps = proc.capabilities ?? {};
  const mask = (set: keyof typeof caps) =>
    capabilityMask(caps[set], tables.capabilities, `/process/capabilities/${set}`);
  for (const step of plan.steps) {
    // OCI: the init outlives `create` (the engine's subreaper reaps it): no parent-death signal.
    if (step.op === 'pdeathsig') continue;
    if (step.op === 'close-fds') {
      steps.push({ op: 'close-fds', keep: input.preserveFds });
      continue;
    }
    if (step.op === 'caps') {
      steps.push({
        op: 'caps',
        bounding: mask('bounding'),
        effective: mask('effective'),
        permitted: mask('permitted'),
        inheritable: mask('inheritable'),
        // The kernel raises an ambient capability only when it is permitted and inheritable
        // (PR_CAP_AMBIENT_RAISE fails with EPERM otherwise); runc's default spec asks for ambient
        // without inheritable, so the others are dropped, as runc ends up doing.
        ambient: mask('ambient') & mask('inheritable') & mask('permitted'),
      });
      continue;
    }
    if (step.op === 'umask' && step.mask === 0o022 && user.umask !== undefined) {
      steps.push({ op: 'umask', mask: user.umask });
      continue;
    }
    if (step.op === 'exec') steps.push({ op: 'await-start', fd: input.gateFd, keep: input.preserveFds });
    steps.push(step);
    if (step.op === 'pivot-root' || step.op === 'move-root') {
      // The shared compiler already masks runc's default paths in every container: a second mask
      // over a masked path would find no procfs under it, so only the others are added.
      const has = (op: 'mask' | 'readonly', target: string) =>
        plan.steps.some((s) => s.op === op && s.target === target);
      if (sysReadonly && !has('readonly', '/sys'))
        steps.push({ op: 'readonly', target: '/sys', flags: 0, recursive: true, optional: false });
      for (const target of linux.readonlyPaths ?? [])
        if (!has('readonly', target))
          steps.push({ op: 'readonly', target, flags: 0, recursive: true, optional: true });
      for (const target of linux.maskedPaths ?? [])
        if (!has('mask', target)) steps.push({ op: 'mask', target, optional: true });
    }
  }

  const res = linux.resources ?? {};
  const cgPath = linux.cgroupsPath ?? '';
  const parts = cgPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw configError('/linux/cgroupsPath', "must not contain '..'");
  const name = parts.pop() ?? `nsinit-oci-${input.id}`;
  const cgroup: CgroupConfig = {
    name,
    parent: parts.join('/'),
    allowed_devices: DEFAULT_ALLOWED_DEVICES.map((d) => ({ ...d })),
    ...(res.memory?.limit !== undefined && res.memory.limit > 0 ? { memory: res.memory.limit } : {}),
    ...(res.cpu?.shares ? { cpu_shares: res.cpu.shares } : {}),
    ...(res.cpu?.quota ? { cpu_quota: res.cpu.quota } : {}),
    ...(res.cpu?.period ? { cpu_period: res.cpu.period } : {}),
    ...(res.cpu?.cpus ? { cpuset_cpus: res.cpu.cpus } : {}),
    ...(res.pids?.limit !== undefined && res.pids.limit > 0 ? { pids_limit: res.pids.limit } : {}),
  };
  return { plan: { ...plan, steps }, cgroup };
}
