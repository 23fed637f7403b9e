// Semantic checks of `linux`: one namespace per type (setns(2) needs an absolute path), settings
// that need a namespace to stay off the host (hostname, sysctls), sysctl and cgroup file names that
// could climb out of /proc/sys or the cgroup, device nodes, and mapping/namespace pairs.
import { issue, pointer, pushAll } from '../issues.js';
import { type Findings, isPlainObject } from '../normalise.js';
import { absolute, duplicates, each, noNul } from './checks.js';
import { OCI_NAMESPACE_TYPES } from './names.js';
import { checkResources } from './semantic-resources.js';

type Obj = Record<string, unknown>;

/** System V IPC sysctls that the ipc namespace isolates (ipc_namespaces(7)), besides fs.mqueue.*. */
const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** Which namespace types are created (no path) or joined (path) in this config. */
function namespaces(linux: Obj): Map<string, { path?: string }> {
  const out = new Map<string, { path?: string }>();
  each(linux.namespaces, '/linux/namespaces', (n) => {
    if (typeof n.type === 'string' && !out.has(n.type)) {
      out.set(n.type, typeof n.path === 'string' ? { path: n.path } : {});
    }
  });
  return out;
}

function checkNamespaces(linux: Obj, found: Findings): void {
  const type = (v: unknown) => (isPlainObject(v) && typeof v.type === 'string' ? v.type : undefined);
  pushAll(found.errors, duplicates(linux.namespaces, '/linux/namespaces', 'namespace', type));
  each(linux.namespaces, '/linux/namespaces', (n, at) => {
    if (n.path === undefined) return;
    if (n.path === '')
      found.errors.push(issue(pointer(at, 'path'), 'must not be empty; omit path to create a new namespace'));
    else absolute(n.path, pointer(at, 'path'), found);
    noNul(n.path, pointer(at, 'path'), found);
  });
}

function checkNamespaceNeeds(c: Obj, linux: Obj, ns: Map<string, { path?: string }>, found: Findings): void {
  for (const key of ['hostname', 'domainname'] as const) {
    if (typeof c[key] === 'string' && c[key] !== '' && !ns.has('uts')) {
      found.errors.push(
        issue(`/${key}`, `needs a uts namespace; without one it would rename the host`, c[key]),
      );
    }
  }
  // Changing propagation, or mounting over /proc entries, outside a private mount namespace would
  // change the host's mounts (runc refuses these too).
  for (const key of ['rootfsPropagation', 'maskedPaths', 'readonlyPaths'] as const) {
    const v = linux[key];
    if (!ns.has('mount') && v !== undefined && !(Array.isArray(v) && v.length === 0)) {
      found.errors.push(
        issue(`/linux/${key}`, 'needs a mount namespace; without one it would change the host mounts'),
      );
    }
  }
  if (!ns.has('mount')) {
    found.warnings.push(
      issue(
        '/linux/namespaces',
        'no mount namespace: mounts and pivot_root would act on the host mount namespace',
      ),
    );
  }
  const user = ns.get('user');
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    if (linux[key] !== undefined && (user === undefined || user.path !== undefined)) {
      found.errors.push(issue(`/linux/${key}`, 'needs a new user namespace (a "user" entry without a path)'));
    }
  }
  if (user !== undefined && user.path === undefined) {
    for (const key of ['uidMappings', 'gidMappings'] as const) {
      if (!Array.isArray(linux[key]) || linux[key].length === 0) {
        found.errors.push(
          issue(`/linux/${key}`, 'missing required field; a new user namespace needs id mappings'),
        );
      }
    }
  }
  if (linux.timeOffsets !== undefined && (!ns.has('time') || ns.get('time')!.path !== undefined)) {
    found.errors.push(
      issue('/linux/timeOffsets', 'needs a new time namespace (a "time" entry without a path)'),
    );
  }
}

/** Whether a sysctl is isolated by a namespace this config creates; runc's rule. */
function sysctlNamespace(name: string): string | undefined {
  if (IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.')) return 'ipc';
  if (name.startsWith('net.')) return 'network';
  if (name === 'kernel.hostname' || name === 'kernel.domainname') return 'uts';
  return undefined;
}

/** `ns` undefined: the namespace list is itself in error, so only the names are checked. */
function checkSysctl(linux: Obj, ns: Map<string, { path?: string }> | undefined, found: Findings): void {
  checkSysctlMap(linux.sysctl, '/linux/sysctl', ns === undefined ? undefined : new Set(ns.keys()), found);
}

/** A sysctl map at `base` (OCI /linux/sysctl, container.json /sysctl): every key a namespaced
 *  sysctl of a namespace in `created` (OCI namespace type names), or undefined to check names only. */
export function checkSysctlMap(
  map: unknown,
  base: string,
  created: ReadonlySet<string> | undefined,
  found: Findings,
  nsName: (type: string) => string = (type) => `${type === 'ipc' ? 'an' : 'a'} ${type} namespace`,
): void {
  if (!isPlainObject(map)) return;
  for (const key of Object.keys(map)) {
    const at = pointer(base, key);
    // The name becomes a path under /proc/sys: "." and "/" both separate, ".." would climb out.
    const name = key.replace(/\//g, '.');
    const parts = name.split('.');
    if (key === '' || parts.some((p) => p === '') || key.includes('..') || key.includes('\0')) {
      found.errors.push(issue(at, 'not a sysctl name; expected dotted words such as "net.ipv4.ip_forward"'));
      continue;
    }
    const needs = sysctlNamespace(name);
    if (needs === undefined) {
      found.errors.push(
        issue(
          at,
          'not a namespaced sysctl: setting it would change the host (only ipc, net and uts ones are allowed)',
        ),
      );
    } else if (created !== undefined && !created.has(needs)) {
      found.errors.push(issue(at, `needs ${nsName(needs)}; without one it would change the host`));
    }
  }
}

function checkDevices(linux: Obj, found: Findings): void {
  const path = (v: unknown) => (isPlainObject(v) && typeof v.path === 'string' ? v.path : undefined);
  pushAll(found.errors, duplicates(linux.devices, '/linux/devices', 'device path', path));
  each(linux.devices, '/linux/devices', (d, at) => {
    absolute(d.path, pointer(at, 'path'), found);
    noNul(d.path, pointer(at, 'path'), found);
    if (d.type === 'p') return;
    for (const key of ['major', 'minor'] as const) {
      if (d[key] === undefined) {
        found.errors.push(
          issue(
            pointer(at, key),
            `missing required field; a "${String(d.type)}" device needs a ${key} number`,
          ),
        );
      }
    }
  });
}

function checkPaths(linux: Obj, found: Findings): void {
  for (const key of ['maskedPaths', 'readonlyPaths'] as const) {
    const list = linux[key];
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      absolute(p, pointer(`/linux/${key}`, i), found);
      noNul(p, pointer(`/linux/${key}`, i), found);
    });
  }
  if (typeof linux.cgroupsPath === 'string') {
    if (linux.cgroupsPath.split('/').includes('..')) {
      found.errors.push(
        issue(
          '/linux/cgroupsPath',
          'must not contain ".." (it would leave the cgroup hierarchy)',
          linux.cgroupsPath,
        ),
      );
    }
    noNul(linux.cgroupsPath, '/linux/cgroupsPath', found);
  }
}

function checkSeccomp(linux: Obj, found: Findings): void {
  checkSeccompObject(linux.seccomp, '/linux/seccomp', found);
}

/** A seccomp object at `base` (OCI /linux/seccomp, container.json /seccomp). */
export function checkSeccompObject(s: unknown, base: string, found: Findings): void {
  if (!isPlainObject(s)) return;
  if (s.listenerMetadata !== undefined && s.listenerPath === undefined) {
    found.errors.push(issue(`${base}/listenerMetadata`, 'only valid together with listenerPath'));
  }
  const rules = Array.isArray(s.syscalls) ? s.syscalls : [];
  const notify =
    s.defaultAction === 'SCMP_ACT_NOTIFY' ||
    rules.some((r) => isPlainObject(r) && r.action === 'SCMP_ACT_NOTIFY');
  if (notify && s.listenerPath === undefined) {
    found.errors.push(
      issue(`${base}/listenerPath`, 'missing required field; SCMP_ACT_NOTIFY needs a listener socket'),
    );
  }
  if (s.listenerPath !== undefined) absolute(s.listenerPath, `${base}/listenerPath`, found);
  // The runtime hands the listener fd over with sendmsg(2) after loading the filter, and writes
  // its failure records with write(2): a notification on either would wait for a listener that
  // has not received its fd yet.
  if (s.defaultAction === 'SCMP_ACT_NOTIFY')
    found.errors.push(
      issue(
        `${base}/defaultAction`,
        'SCMP_ACT_NOTIFY cannot be the default action: the runtime itself needs sendmsg and write after loading the filter',
      ),
    );
  rules.forEach((r, i) => {
    if (!isPlainObject(r) || r.action !== 'SCMP_ACT_NOTIFY' || !Array.isArray(r.names)) return;
    r.names.forEach((name, j) => {
      if (NOTIFY_REFUSED.has(name as string))
        found.errors.push(
          issue(
            `${base}/syscalls/${i}/names/${j}`,
            `SCMP_ACT_NOTIFY cannot be used for ${String(name)}: the runtime hands the listener its fd with it`,
            name,
          ),
        );
    });
  });
}

/** Calls the runtime makes after loading a filter and before its listener has the fd. */
const NOTIFY_REFUSED = new Set(['sendmsg', 'write', 'exit', 'exit_group']);

export function checkLinux(c: Obj, found: Findings): void {
  const linux = isPlainObject(c.linux) ? c.linux : {};
  if (c.linux !== undefined && !isPlainObject(c.linux)) return;
  const ns = namespaces(linux);
  checkNamespaces(linux, found);
  // With a namespace list that is already an error, which namespaces exist is a guess; checks
  // that depend on it would only add noise.
  const known = (n: unknown) =>
    isPlainObject(n) && (OCI_NAMESPACE_TYPES as readonly unknown[]).includes(n.type);
  const list = linux.namespaces;
  const nsKnown = list === undefined || (Array.isArray(list) && list.every(known));
  if (nsKnown) checkNamespaceNeeds(c, linux, ns, found);
  checkSysctl(linux, nsKnown ? ns : undefined, found);
  checkDevices(linux, found);
  checkPaths(linux, found);
  checkSeccomp(linux, found);
  if (isPlainObject(linux.resources)) checkResources(linux.resources, found);
}
