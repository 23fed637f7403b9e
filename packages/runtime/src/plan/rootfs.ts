// The mount namespace, in the 2014 order (libcontainer v1.0.1 mount/init.go): propagation, rootfs
// bind, /proc, /sys, /dev tmpfs, /dev/shm, /dev/pts, /dev/mqueue, bind mounts, device nodes,
// /dev links, console, change of root, read-only root, then the /proc and /sys restrictions.
// See mount(2), mount_namespaces(7), pivot_root(2), proc(5), sysfs(5), devpts in pts(4).
import { posix } from 'node:path';
import type { Step } from '@nsinit/native';
import { configError } from '../errors.js';
import { type DeviceNode, deviceSteps } from './devices.js';

export interface BindMount {
  type?: string;
  source?: string;
  destination?: string;
  writable?: boolean;
  private?: boolean;
}

export interface RootfsInput {
  /** Host path of the rootfs (absolute, symlinks resolved). */
  rootfs: string;
  noPivotRoot: boolean;
  readonlyFs: boolean;
  mounts: readonly BindMount[];
  deviceNodes: readonly DeviceNode[];
  /** SELinux context for /dev, /dev/shm and /dev/pts ('' = none). */
  mountLabel: string;
  /** context.restrictions: any non-empty string turns on the /proc and /sys restrictions. */
  restrictions: boolean;
  /** A pty slave is bound on /dev/console. */
  console: boolean;
}

export type Constants = Readonly<Record<string, number>>;

export function flag(constants: Constants, name: string): number {
  const value = constants[name];
  if (value === undefined) throw new Error(`the native constants table lacks ${name}`);
  return value;
}

function withLabel(data: string, label: string): string {
  return label === '' ? data : `${data},context="${label}"`;
}

export function rootfsSteps(input: RootfsInput, constants: Constants): Step[] {
  const f = (name: string) => flag(constants, name);
  const noexecNosuidNodev = f('MS_NOEXEC') | f('MS_NOSUID') | f('MS_NODEV');
  const steps: Step[] = [
    // Stop mount events reaching the host. MS_SLAVE for no_pivot_root: the rootfs is moved onto
    // "/" there, and a private "/" would pin host mounts (2014 did the same).
    { op: 'propagation', flags: f('MS_REC') | (input.noPivotRoot ? f('MS_SLAVE') : f('MS_PRIVATE')) },
    // pivot_root needs new_root to be a mount point: bind the rootfs onto itself.
    { op: 'rootfs', path: input.rootfs, flags: f('MS_BIND') | f('MS_REC') },
    // Symlinked /proc, /sys or /dev would redirect these mounts (CVE-2019-19921 class).
    mount('proc', '/proc', 'proc', noexecNosuidNodev, ''),
    mount('sysfs', '/sys', 'sysfs', noexecNosuidNodev, ''),
    mount(
      'tmpfs',
      '/dev',
      'tmpfs',
      f('MS_NOSUID') | f('MS_STRICTATIME'),
      withLabel('mode=755', input.mountLabel),
    ),
    mount(
      'shm',
      '/dev/shm',
      'tmpfs',
      noexecNosuidNodev,
      withLabel('mode=1777,size=65536k', input.mountLabel),
    ),
    // newinstance: a private devpts, so the container never sees the host's ptys; ptmxmode=0666
    // makes pts/ptmx usable through the /dev/ptmx link; gid=5 is the conventional tty group.
    mount(
      'devpts',
      '/dev/pts',
      'devpts',
      f('MS_NOSUID') | f('MS_NOEXEC'),
      withLabel('newinstance,ptmxmode=0666,mode=620,gid=5', input.mountLabel),
    ),
    mount('mqueue', '/dev/mqueue', 'mqueue', noexecNosuidNodev, ''),
  ];

  input.mounts.forEach((m, i) => {
    // 2014 acted on "bind" entries only; other types were silently ignored.
    if (m.type !== 'bind') return;
    const field = `/mounts/${i}`;
    if (!m.source?.startsWith('/'))
      throw configError(`${field}/source`, `'${m.source ?? ''}' is not an absolute host path`);
    if (!m.destination) throw configError(`${field}/destination`, 'is empty');
    const target = posix.resolve('/', m.destination);
    if (target === '/') throw configError(`${field}/destination`, 'cannot be the container root');
    steps.push({
      op: 'bind',
      source: m.source,
      target,
      flags: m.writable ? 0 : f('MS_RDONLY'),
      recursive: true,
      propagation: m.private ? f('MS_PRIVATE') : 0,
    });
  });

  // Nodes get exactly their configured mode: umask 0 while creating them.
  const devices = deviceSteps(input.deviceNodes, constants);
  if (devices.length > 0) steps.push({ op: 'umask', mask: 0 });
  for (const d of devices) steps.push(d);

  // A fresh tmpfs /dev has no ptmx: point it at the private devpts instance's multiplexer.
  steps.push({ op: 'symlink', value: 'pts/ptmx', target: '/dev/ptmx' });
  if (input.console) steps.push({ op: 'console', target: '/dev/console' });
  steps.push(
    { op: 'symlink', value: '/proc/self/fd', target: '/dev/fd' },
    { op: 'symlink', value: '/proc/self/fd/0', target: '/dev/stdin' },
    { op: 'symlink', value: '/proc/self/fd/1', target: '/dev/stdout' },
    { op: 'symlink', value: '/proc/self/fd/2', target: '/dev/stderr' },
  );

  steps.push(input.noPivotRoot ? { op: 'move-root' } : { op: 'pivot-root' });
  if (input.readonlyFs)
    steps.push({ op: 'readonly', target: '/', flags: 0, recursive: true, optional: false });
  steps.push({ op: 'umask', mask: 0o022 });

  if (input.restrictions) {
    // Read-only views of the kernel knobs a container could otherwise turn (2014 restrict.go);
    // paths a kernel may lack are optional.
    const ro = (target: string, recursive: boolean): Step => ({
      op: 'readonly',
      target,
      flags: noexecNosuidNodev,
      recursive,
      optional: true,
    });
    steps.push(
      ro('/proc/sys', true),
      ro('/proc/sysrq-trigger', false),
      ro('/proc/irq', true),
      ro('/proc/bus', true),
      ro('/sys', true),
      { op: 'mask', target: '/proc/kcore', optional: true },
    );
  }
  return steps;
}

function mount(source: string, target: string, fstype: string, flags: number, data: string): Step {
  return { op: 'mount', source, target, fstype, flags, data, mkdir: 0o755, noSymlinks: true };
}
