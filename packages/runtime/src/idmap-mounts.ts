// Idmapped bind mounts, the parent's half (mount_setattr(2) MOUNT_ATTR_IDMAP): before the clone,
// one detached idmapped clone of each idmapped bind's source (the addon's openIdmappedTree), handed
// to the plan by mount field and closed once the child holds its copies. The child only attaches
// them: the kernel idmaps a mount only for a caller privileged over the source's filesystem, which
// a process in a container user namespace is not. A refusal names the mount's field.
import type { IdMapRange, NativeBindings } from '@nsinit/native';
import { ErrorCodes, nsinitError } from './errors.js';
import { flags } from './plan/rootfs.js';
import { hasNamespace, type IdMapping, type MountEntry, type RuntimeSpec } from './spec/model.js';

export type OpenIdmappedTree = NativeBindings['openIdmappedTree'];

export interface IdmapTrees {
  /** Tree fds by the mount's JSON pointer, for compilePlan's `idmapTrees`. */
  trees: ReadonlyMap<string, number>;
  /** Close every tree (once the child is spawned, or on failure). Idempotent. */
  close(): void;
}

const toNative = (m: IdMapping): IdMapRange => ({
  containerID: m.containerId,
  hostID: m.hostId,
  size: m.size,
});

/** What a refusal means, in the user's terms (see mount_setattr(2), open_tree(2)). */
function reason(err: NodeJS.ErrnoException, m: MountEntry): string {
  const what = `${err.code ?? 'error'}: ${err.syscall ?? 'idmap'}`;
  if (err.syscall === 'open_tree' && err.code === 'ENOENT') return `the source '${m.source}' does not exist`;
  if (err.syscall === 'mount_setattr' && err.code === 'EINVAL') {
    const below = m.idmap?.recursive && m.recursive ? ' (or of a mount below it)' : '';
    return `the filesystem of '${m.source}'${below} does not support idmapped mounts (${what})`;
  }
  // Writing the describing namespace's maps, or idmapping a disk filesystem, takes root's
  // privilege over the host's user namespace.
  if (err.code === 'EPERM')
    return `idmapping '${m.source}' needs CAP_SYS_ADMIN over its filesystem, which only root on the host has (${what})`;
  return `cannot idmap '${m.source}': ${err.message}`;
}

/** Clone and idmap the source of every idmapped bind of `spec`. On a failure the trees already
 *  made are closed and the error names the mount's mapping field. */
export function openIdmapTrees(
  spec: RuntimeSpec,
  open: OpenIdmappedTree,
  close: (fd: number) => void,
  constants: Readonly<Record<string, number>>,
): IdmapTrees {
  const trees = new Map<string, number>();
  const closeAll = () => {
    for (const fd of trees.values()) close(fd);
    trees.clear();
  };
  for (const m of spec.mounts) {
    if (m.type !== 'bind' || !m.idmap) continue;
    try {
      trees.set(
        m.field,
        open(m.source, {
          recursive: m.recursive,
          flags: flags(constants, m.flags),
          idmapRecursive: m.idmap.recursive,
          uidMappings: m.idmap.uidMappings.map(toNative),
          gidMappings: m.idmap.gidMappings.map(toNative),
        }),
      );
    } catch (err) {
      closeAll();
      const e = err as NodeJS.ErrnoException;
      const message = reason(e, m);
      throw nsinitError(ErrorCodes.INVALID_CONFIG, `invalid config: ${m.idmap.field}: ${message}`, {
        errors: [{ path: m.idmap.field, message }],
        cause: err,
        ...(e.syscall ? { syscall: e.syscall } : {}),
        ...(typeof e.errno === 'number' ? { errno: e.errno } : {}),
        path: m.source,
      });
    }
  }
  return { trees, close: closeAll };
}

/** What the map cannot hold back: chown(2) lets a caller with CAP_CHOWN in the filesystem's own
 *  user namespace take a file whose owner the mount leaves unmapped (the kernel's chown_ok), and
 *  without a user namespace the container's capabilities are the host's. Capabilities count from
 *  the bounding set: a root process gets all of it at execve. One warning per idmapped mount. */
export function idmapWarnings(spec: RuntimeSpec): string[] {
  if (hasNamespace(spec, 'user')) return [];
  const chown = spec.process.capabilities.bounding.some(
    (c) => c.toUpperCase().replace(/^CAP_/, '') === 'CHOWN',
  );
  if (!chown) return [];
  return spec.mounts
    .filter((m) => m.type === 'bind' && m.idmap)
    .map(
      (m) =>
        `${m.idmap!.field}: without a user namespace the container's CAP_CHOWN can take ownership of files ` +
        'the map leaves out (and then write them); drop CAP_CHOWN or add a user namespace',
    );
}
