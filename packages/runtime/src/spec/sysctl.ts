// Which sysctls a container may set: only those the kernel scopes to a namespace the container
// has of its own (sysctl(8), namespaces(7)), as runc allows them. Anything else would change the
// host for everyone.
import { configError } from '../errors.js';
import type { NamespaceEntry, NamespaceType } from './model.js';

/** IPC namespace keys (ipc_namespaces(7)). */
const IPC_KEYS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** The namespace a key belongs to, or undefined when it is not namespaced. */
export function sysctlNamespace(key: string): NamespaceType | undefined {
  const dotted = key.replace(/\//g, '.');
  if (IPC_KEYS.has(dotted) || dotted.startsWith('fs.mqueue.')) return 'ipc';
  if (dotted.startsWith('net.')) return 'network';
  if (dotted === 'kernel.hostname' || dotted === 'kernel.domainname') return 'uts';
  return undefined;
}

/** The file below /proc/sys for a key: dots become slashes unless the key already uses slashes
 *  (needed for names holding a dot, such as net/ipv4/conf/eth0.100/forwarding). */
export function sysctlPath(key: string): string {
  return key.includes('/') ? key : key.replace(/\./g, '/');
}

export function checkSysctl(
  key: string,
  namespaces: readonly NamespaceEntry[],
  field = '/linux/sysctl',
): void {
  const at = `${field}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  const path = sysctlPath(key);
  if (key === '' || path.startsWith('/') || path.split('/').some((c) => c === '' || c === '.' || c === '..'))
    throw configError(at, `'${key}' is not a sysctl name`);
  const ns = sysctlNamespace(key);
  if (ns === undefined)
    throw configError(at, `'${key}' is not namespaced: setting it would change the host for every process`);
  if (!namespaces.some((n) => n.type === ns))
    throw configError(at, `'${key}' needs a '${ns}' namespace of the container's own`);
}
