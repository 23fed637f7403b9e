// Rootless mode (user_namespaces(7)): whether this process is a user or root only in a user namespace
// (rootless podman), where it keeps its trusted state ($XDG_RUNTIME_DIR, its own 0700 directory: never
// /run, nor a world-writable /tmp where another user could plant it first), and what a rootless
// container must have (a user namespace; lo brought up by the child) or cannot (veth, routes).
import { lstatSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Step } from '@nsinit/native';
import { configError, ErrorCodes, nsinitError } from './errors.js';

/** Root's trusted state, and nsinit-oci's default --root for root. */
export const ROOT_STATE_ROOT = '/run/nsinit/state';
export const ROOT_OCI_ROOT = '/run/nsinit-oci';

/** The initial user namespace maps every id to itself: `0 0 4294967295` (user_namespaces(7)). */
export function inInitialUserNamespace(uidMap?: string): boolean {
  let text = uidMap;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/uid_map', 'utf8');
    } catch {
      return true; // no procfs: nothing says otherwise
    }
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 1 && /^\s*0\s+0\s+4294967295\s*$/.test(lines[0]!);
}

/** Rootless: not root, or root only inside a user namespace (rootless podman runs its runtime
 *  there), so host cgroups, /run and host network devices are out of reach. */
export function isRootless(euid = process.geteuid?.() ?? 0, uidMap?: string): boolean {
  return euid !== 0 || !inInitialUserNamespace(uidMap);
}

/** The caller's own runtime directory, checked: set, absolute, a real directory (not a symlink),
 *  owned by the caller and writable by nobody else. Anything else is a one-line error. */
export function userRuntimeDir(
  env: NodeJS.ProcessEnv = process.env,
  euid = process.geteuid?.() ?? 0,
  lstat: (p: string) => {
    uid: number;
    mode: number;
    isDirectory(): boolean;
    isSymbolicLink(): boolean;
  } = lstatSync,
): string {
  const dir = env.XDG_RUNTIME_DIR;
  const fix = `export XDG_RUNTIME_DIR=/run/user/${euid}, a 0700 directory owned by uid ${euid}`;
  const fail = (why: string) =>
    nsinitError(
      ErrorCodes.ROOTLESS_STATE,
      `rootless: ${why}; nsinit keeps a non-root user's state there (${fix})`,
      {
        ...(dir ? { path: dir } : {}),
      },
    );
  if (!dir) throw fail('XDG_RUNTIME_DIR is not set');
  if (!isAbsolute(dir)) throw fail(`XDG_RUNTIME_DIR '${dir}' is not an absolute path`);
  let st: ReturnType<typeof lstat>;
  try {
    st = lstat(dir);
  } catch (err) {
    throw fail(`XDG_RUNTIME_DIR '${dir}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (st.isSymbolicLink()) throw fail(`XDG_RUNTIME_DIR '${dir}' is a symlink`);
  if (!st.isDirectory()) throw fail(`XDG_RUNTIME_DIR '${dir}' is not a directory`);
  if (st.uid !== euid)
    throw fail(`XDG_RUNTIME_DIR '${dir}' is owned by uid ${st.uid}, not by you (uid ${euid})`);
  if ((st.mode & 0o022) !== 0)
    throw fail(`XDG_RUNTIME_DIR '${dir}' is writable by others (mode ${(st.mode & 0o777).toString(8)})`);
  return dir;
}

/** Where `nsinit` keeps its trusted state: /run/nsinit/state for root, else
 *  $XDG_RUNTIME_DIR/nsinit/state (checked by userRuntimeDir). */
export function defaultStateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return isRootless() ? join(userRuntimeDir(env), 'nsinit', 'state') : ROOT_STATE_ROOT;
}

/** nsinit-oci's default --root: /run/nsinit-oci for root, $XDG_RUNTIME_DIR/nsinit-oci otherwise
 *  (runc uses $XDG_RUNTIME_DIR/runc). */
export function defaultOciRoot(env: NodeJS.ProcessEnv = process.env): string {
  return isRootless() ? join(userRuntimeDir(env), 'nsinit-oci') : ROOT_OCI_ROOT;
}

/** A state directory a rootless caller names itself (nsinit-oci --root): when it exists it must
 *  be the caller's own and writable by nobody else, as $XDG_RUNTIME_DIR must (it is created 0700
 *  otherwise). */
export function checkPrivateDir(dir: string, euid = process.geteuid?.() ?? 0): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const why = !st.isDirectory()
    ? 'is not a directory'
    : st.uid !== euid
      ? `is owned by uid ${st.uid}, not by you (uid ${euid})`
      : (st.mode & 0o022) !== 0
        ? `is writable by others (mode ${(st.mode & 0o777).toString(8)})`
        : null;
  if (why)
    throw nsinitError(ErrorCodes.ROOTLESS_STATE, `rootless: the state directory '${dir}' ${why}`, {
      path: dir,
    });
}

/** What a rootless 2014 container cannot have, refused before anything is created: no user
 *  namespace for a caller that is not root at all (every other namespace needs CAP_SYS_ADMIN
 *  over the user namespace it is created in; "root" inside a user namespace has it there), and
 *  the host-side network work (a veth pair on a host bridge, routes) that needs host root. */
export function refuseRootless2014(
  config: {
    namespaces?: Record<string, boolean | undefined> | null;
    networks?: readonly { type: string }[] | null;
    routes?: readonly unknown[] | null;
  },
  euid = process.geteuid?.() ?? 0,
): void {
  if (euid !== 0 && config.namespaces?.NEWUSER !== true)
    throw configError(
      '/namespaces/NEWUSER',
      "rootless: a non-root user needs a user namespace for its container (NEWUSER with uid and gid mappings; 'nsinit spec --rootless' prints such a config)",
    );
  (config.networks ?? []).forEach((n, i) => {
    if (n.type === 'veth')
      throw configError(
        `/networks/${i}/type`,
        "rootless: 'veth' needs root on the host (it creates a host link on a bridge); use 'loopback', or run nsinit as root",
      );
  });
  if ((config.routes ?? []).length > 0)
    throw configError('/routes/0', 'rootless: routes are added from the host side, which needs root');
}

/** The OCI counterpart: a caller that is not root needs a user namespace (rootless podman runs
 *  the runtime as root of its own user namespace, and asks for none). */
export function refuseRootlessOci(
  spec: { linux?: { namespaces?: readonly { type: string; path?: string }[] } },
  euid = process.geteuid?.() ?? 0,
): void {
  if (euid !== 0 && !(spec.linux?.namespaces ?? []).some((n) => n.type === 'user'))
    throw configError(
      '/linux/namespaces',
      "rootless: a non-root user needs a 'user' namespace with uidMappings and gidMappings ('nsinit-oci spec --rootless' writes such a config)",
    );
}

/** A rootless container's loopback networks as child steps: the unprivileged parent cannot enter
 *  a network namespace owned by the container's user namespace (setns(2) also wants
 *  CAP_SYS_ADMIN in the caller's own one), so the child brings `lo` up itself while it still
 *  holds CAP_NET_ADMIN there. veth and routes are refused earlier (refuseRootless2014). */
export function rootlessLinkSteps(config: {
  networks?: readonly { type: string; mtu?: number }[] | null;
}): Step[] {
  return (config.networks ?? [])
    .filter((n) => n.type === 'loopback')
    .map((n) => ({ op: 'link-up', name: 'lo', mtu: n.mtu ?? 0 }));
}
