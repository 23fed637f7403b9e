// A standard container plan (the 2014 sequence) so each facility test varies one step, and a
// runner that captures stdout+stderr through a native pipe, waits for exec and exit, and closes
// every fd it opened.
import { read, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ChildFailure, ExitStatus, Plan, Spawned, Step } from '../../lib/index.js';
import { native } from '../../lib/index.js';

const readAsync = promisify(read);
export const C = native.constants;
export const NS_ALL = C.CLONE_NEWNS | C.CLONE_NEWUTS | C.CLONE_NEWIPC | C.CLONE_NEWPID | C.CLONE_NEWNET;
const PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
export const ENV = [`PATH=${PATH.join(':')}`, 'HOME=/root', 'TERM=xterm'];

export function execStep(argv: string[], envp: string[] = ENV): Step {
  const a0 = argv[0]!;
  const candidates = a0.includes('/') ? [a0] : PATH.map((d) => `${d}/${a0}`);
  return { op: 'exec', candidates, argv, envp };
}

export function mountSteps(): Step[] {
  const nse = C.MS_NOEXEC | C.MS_NOSUID | C.MS_NODEV;
  return [
    {
      op: 'mount',
      source: 'proc',
      target: '/proc',
      fstype: 'proc',
      flags: nse,
      data: '',
      mkdir: 0o755,
      noSymlinks: true,
    },
    {
      op: 'mount',
      source: 'sysfs',
      target: '/sys',
      fstype: 'sysfs',
      flags: nse,
      data: '',
      mkdir: 0o755,
      noSymlinks: true,
    },
    {
      op: 'mount',
      source: 'tmpfs',
      target: '/dev',
      fstype: 'tmpfs',
      flags: C.MS_NOSUID | C.MS_STRICTATIME,
      data: 'mode=755',
      mkdir: 0o755,
      noSymlinks: true,
    },
    {
      op: 'mount',
      source: 'shm',
      target: '/dev/shm',
      fstype: 'tmpfs',
      flags: nse,
      data: 'mode=1777,size=65536k',
      mkdir: 0o755,
      noSymlinks: true,
    },
    {
      op: 'mount',
      source: 'devpts',
      target: '/dev/pts',
      fstype: 'devpts',
      flags: C.MS_NOSUID | C.MS_NOEXEC,
      data: 'newinstance,ptmxmode=0666,mode=620,gid=5',
      mkdir: 0o755,
      noSymlinks: true,
    },
    {
      op: 'mount',
      source: 'mqueue',
      target: '/dev/mqueue',
      fstype: 'mqueue',
      flags: nse,
      data: '',
      mkdir: 0o755,
      noSymlinks: true,
    },
  ];
}

export function deviceSteps(): Step[] {
  const chr = C.S_IFCHR | 0o666;
  const devs: [string, number, number][] = [
    ['/dev/null', 1, 3],
    ['/dev/zero', 1, 5],
    ['/dev/full', 1, 7],
    ['/dev/tty', 5, 0],
    ['/dev/urandom', 1, 9],
    ['/dev/random', 1, 8],
  ];
  return [
    { op: 'umask', mask: 0 },
    ...devs.map(([target, major, minor]): Step => ({ op: 'mknod', target, mode: chr, major, minor })),
    { op: 'umask', mask: 0o022 },
    { op: 'symlink', value: 'pts/ptmx', target: '/dev/ptmx' },
    { op: 'symlink', value: '/proc/self/fd', target: '/dev/fd' },
    { op: 'symlink', value: '/proc/self/fd/0', target: '/dev/stdin' },
    { op: 'symlink', value: '/proc/self/fd/1', target: '/dev/stdout' },
    { op: 'symlink', value: '/proc/self/fd/2', target: '/dev/stderr' },
  ];
}

export interface PlanOptions {
  cloneFlags?: number;
  hostname?: string;
  /** Steps before pivot_root (after the standard mounts and devices). */
  beforePivot?: Step[];
  /** Steps after pivot_root, before close-fds and exec. */
  afterPivot?: Step[];
  /** Replace the standard mounts/devices entirely. */
  mounts?: Step[];
  env?: string[];
  consoleFd?: number;
}

export function standardPlan(rootfs: string, argv: string[], o: PlanOptions = {}): Plan {
  const steps: Step[] = [
    { op: 'propagation', flags: C.MS_REC | C.MS_PRIVATE },
    { op: 'rootfs', path: rootfs, flags: C.MS_BIND | C.MS_REC },
    ...(o.mounts ?? [...mountSteps(), ...deviceSteps()]),
    ...(o.beforePivot ?? []),
    { op: 'pivot-root' },
    ...(o.hostname === undefined ? [] : [{ op: 'hostname', name: o.hostname } as Step]),
    ...(o.afterPivot ?? []),
    { op: 'close-fds' },
    execStep(argv, o.env),
  ];
  return { cloneFlags: o.cloneFlags ?? NS_ALL, stdio: [-1, -1, -1], consoleFd: o.consoleFd ?? -1, steps };
}

export async function readAll(fd: number): Promise<string> {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await readAsync(fd, buf, 0, buf.length, null));
    } catch (err) {
      // A pty master reads EIO once every slave is closed: that is its EOF.
      if ((err as NodeJS.ErrnoException).code === 'EIO') break;
      throw err;
    }
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface RunResult {
  output: string;
  failure: ChildFailure | null;
  exit: ExitStatus;
  pid: number;
}

/** Spawn, optionally inspect the waiting child, send GO, collect output/exec result/exit. */
export async function run(
  plan: Plan,
  /** async: clone through spawnAsync (the spawner thread). */
  opts: { beforeGo?: (s: Spawned) => void | Promise<void>; stdin?: number; async?: boolean } = {},
): Promise<RunResult> {
  const [r, w] = native.pipe();
  let spawned: Spawned | undefined;
  try {
    plan.stdio = [opts.stdin ?? -1, w, w];
    spawned = opts.async ? await native.spawnAsync(plan) : native.spawn(plan);
  } finally {
    native.close(w);
    if (!spawned) native.close(r);
  }
  const s = spawned;
  const output = readAll(r).finally(() => native.close(r));
  try {
    if (opts.beforeGo) await opts.beforeGo(s);
    native.go(s.sync);
  } catch (err) {
    native.pidfdSignal(s.pidfd, C.SIGKILL);
    native.close(s.sync);
    await native.waitExit(s.pidfd).finally(() => native.close(s.pidfd));
    await output;
    throw err;
  }
  const failure = await native.awaitExec(s.sync);
  const exit = await native.waitExit(s.pidfd).finally(() => native.close(s.pidfd));
  return { output: await output, failure, exit, pid: s.pid };
}

/** Host mount points under `dir` (a test's temp dir): must be empty after every test. Other
 *  processes on the host may mount and unmount meanwhile, so only our own tree is compared. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4]!.replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

export const isRoot = process.getuid?.() === 0;

/** O_CLOEXEC (02000000) in the fd's flags, from /proc/self/fdinfo. */
export function cloexec(fd: number): boolean {
  const m = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return m !== null && (Number.parseInt(m[1]!, 8) & 0o2000000) !== 0;
}
