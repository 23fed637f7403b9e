// runc and crun: install from apt when missing, write an OCI bundle (config.json from
// `runc spec`, adjusted to match the nsinit container: mnt+uts+ipc+pid+net namespaces, no cgroup
// namespace, no terminal, writable root) and run/exec/delete containers in a private state root.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Installs missing Debian packages (runc, crun, ...) with apt-get; throws naming what failed. */
export function ensureInstalled(packages) {
  const missing = packages.filter((p) => !have(p));
  if (missing.length === 0) return;
  console.error(`bench: installing ${missing.join(' ')} from apt`);
  try {
    execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-q', ...missing], { stdio: 'inherit' });
  } catch (err) {
    throw new Error(`bench: cannot install ${missing.join(' ')} with apt-get: ${err.message}`);
  }
}

export function version(cmd) {
  try {
    return execFileSync(cmd, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

/** Writes <dir>/config.json running `args` on `rootfs`; returns dir. */
export function writeOciBundle(dir, rootfs, args) {
  mkdirSync(dir, { recursive: true });
  execFileSync('runc', ['spec', '--bundle', dir]);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  spec.root = { path: rootfs, readonly: false };
  spec.process.terminal = false;
  spec.process.args = args;
  spec.hostname = 'bench';
  // The nsinit container has exactly these namespaces; runc's default adds a cgroup namespace.
  spec.linux.namespaces = ['pid', 'network', 'ipc', 'uts', 'mount'].map((type) => ({ type }));
  // No /sys/fs/cgroup inside (2014 nsinit mounts none); crun 1.8 also refuses to mount cgroupfs on
  // this host's hybrid layout even with --cgroup-manager=disabled.
  spec.mounts = spec.mounts.filter((m) => m.type !== 'cgroup');
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return dir;
}

/** Argument vectors for one OCI runtime with its own state root. */
export function ociRuntime(name, stateRoot) {
  // crun 1.8 refuses this host's hybrid v1 layout unless told not to manage cgroups at all.
  const global = name === 'crun' ? ['--root', stateRoot, '--cgroup-manager=disabled'] : ['--root', stateRoot];
  return {
    name,
    run: (bundle, id, ...flags) => [name, ...global, 'run', ...flags, '--bundle', bundle, id],
    exec: (id, argv) => [name, ...global, 'exec', id, ...argv],
    kill: (id, signal) => [name, ...global, 'kill', id, signal],
    delete: (id) => [name, ...global, 'delete', '--force', id],
    list: () => [name, ...global, 'list', '-q'],
  };
}

/** Deletes every container left in a runtime's state root (best effort, never throws). */
export function deleteAll(rt) {
  let ids = [];
  try {
    const [cmd, ...args] = rt.list();
    ids = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  } catch {
    return [];
  }
  for (const id of ids) {
    const [cmd, ...args] = rt.delete(id);
    spawnSync(cmd, args, { stdio: 'ignore' });
  }
  return ids;
}

/**
 * crun 1.8 refuses a hybrid host whose cgroup2 mount offers any controller ("cgroups in hybrid
 * mode not supported, drop all controllers from cgroupv2"), even with --cgroup-manager=disabled.
 * When that is the case here, crun runs inside a private mount namespace (held by a `sleep`) in
 * which an empty file is bound over /sys/fs/cgroup/unified/cgroup.controllers; the returned
 * prefix enters it with nsenter(1). Its cost is measured separately as a floor row.
 */
export async function crunMountView(tmp) {
  const controllers = '/sys/fs/cgroup/unified/cgroup.controllers';
  let needed = false;
  try {
    needed = readFileSync(controllers, 'utf8').trim() !== '';
  } catch {
    needed = false; // no hybrid unified mount: crun's own detection is fine
  }
  if (!needed) return { prefix: [], close: async () => {}, note: null };
  const empty = join(tmp, 'empty-cgroup-controllers');
  writeFileSync(empty, '');
  const holder = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      `mount --bind ${empty} ${controllers} && echo ready && exec sleep 1000000`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  await new Promise((resolve, reject) => {
    holder.stdout.once('data', resolve);
    holder.once('exit', (code) =>
      reject(new Error(`bench: cannot prepare the crun mount namespace (exit ${code})`)),
    );
  });
  return {
    prefix: ['nsenter', `--mount=/proc/${holder.pid}/ns/mnt`],
    note: `crun runs under nsenter into a mount namespace hiding the cgroup2 controllers (${readFileSync(controllers, 'utf8').trim()})`,
    close: async () => {
      holder.kill('SIGKILL');
      await exited;
    },
  };
}
