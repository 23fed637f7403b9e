// The cgroup of an OCI container (`nsinit-oci`): where linux.cgroupsPath puts it (runc's cgroupfs
// driver rules), creating it with linux.resources applied before the init is placed, a record the
// state file keeps so later commands reopen exactly those directories (never re-derived from /proc
// of a container process, which the container controls), live updates, and removal.
import { join } from 'node:path';
import { NsinitError } from '@nsinit/native';
import { type CgroupFs, realFs } from './cgroupfs.js';
import { applyWrites, type ManagedCgroup } from './handle.js';
import { type CgroupOptions, type CgroupRecord, detectCgroupVersion } from './index.js';
import { checkResources, type FieldNamer, ociField, type Resources } from './resources.js';
import { createV1, v1FromPaths, v1LeafDirs } from './v1.js';
import { createV2, type V2View, v2Base, v2FromPath } from './v2.js';
import { v1ResourceWrites, v1Unsupported } from './writes-v1.js';
import { v2DeviceFilter, v2ResourceWrites, v2Unsupported } from './writes-v2.js';

/** Every v1 controller an OCI container joins when the host mounts it (runc joins the same set). */
export const OCI_V1_CONTROLLERS = [
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'devices',
  'freezer',
  'pids',
  'blkio',
  'hugetlb',
  'net_cls',
  'net_prio',
  'perf_event',
  'rdma',
  'misc',
];

function invalid(path: string, message: string): NsinitError {
  return new NsinitError(`${path}: ${message}`, {
    code: 'ERR_NSINIT_INVALID_CONFIG',
    errors: [{ path, message }],
  });
}

/**
 * linux.cgroupsPath as runc's cgroupfs driver reads it: absolute is below each hierarchy's root;
 * relative is below the cgroup of the runtime process (v1) or that cgroup's parent (v2, whose
 * "no internal processes" rule keeps controllers out of a cgroup that holds the runtime itself);
 * absent is the container id, relative. '.' and '..' are refused (runc cleans them away instead).
 */
export function cgroupLocation(
  cgroupsPath: string | undefined,
  id: string,
): { absolute: boolean; parts: string[] } {
  const path = cgroupsPath ?? '';
  if (path === '') {
    if (!id || id.includes('/') || id === '.' || id === '..') {
      throw invalid('id', `'${id}' cannot name a cgroup directory`);
    }
    return { absolute: false, parts: [id] };
  }
  if (!path.startsWith('/') && /^[^/:]*:[^/:]*:[^/:]*$/.test(path)) {
    throw invalid(
      'linux.cgroupsPath',
      `'${path}' is a systemd "slice:prefix:name" path; the systemd cgroup driver is not implemented`,
    );
  }
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) {
    throw invalid('linux.cgroupsPath', `'${path}' must not contain '.' or '..' components`);
  }
  if (path.includes('\0') || parts.length === 0) {
    throw invalid('linux.cgroupsPath', `'${path}' does not name a cgroup below the root`);
  }
  return { absolute: path.startsWith('/'), parts };
}

function refuse(problems: { path: string; message: string }[]): void {
  if (problems.length === 0) return;
  throw new NsinitError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
    code: 'ERR_NSINIT_INVALID_CONFIG',
    errors: problems,
  });
}

function cgroupVersion(opts: CgroupOptions): 1 | 2 {
  const v = opts.version ?? detectCgroupVersion();
  if (v === null) {
    throw new NsinitError('no cgroup filesystem is mounted', { code: 'ERR_NSINIT_CGROUP_CONTROLLER' });
  }
  return v;
}

/** Every problem with `resources` on this cgroup version, before anything is created. */
export function checkOciResources(r: Resources, version: 1 | 2, name: FieldNamer = ociField) {
  return [...checkResources(r, name), ...(version === 2 ? v2Unsupported(r, name) : v1Unsupported(r, name))];
}

/** The v2 directory an OCI cgroupsPath is below: the root when absolute, else our own cgroup's
 *  parent (or the root when we are in it). */
function v2Top(view: V2View, absolute: boolean): { fs: CgroupFs; top: string } {
  const b = v2Base(view);
  const root = b.root.replace(/(.)\/+$/, '$1');
  const own = b.base.replace(/(.)\/+$/, '$1');
  return { fs: b.fs, top: absolute || own === root ? root : join(own, '..') };
}

export interface CreateOptions extends CgroupOptions {
  /** How error messages spell the fields (default linux.resources.*). */
  name?: FieldNamer;
}

/** v2 only: put every cgroupsPath, absolute or relative, below this directory (a rootless
 *  caller's delegated subtree: nothing outside it is the caller's to create). */
function rootedTop(
  opts: CgroupOptions & { below?: string },
  absolute: boolean,
): { fs: CgroupFs; top: string } {
  if (opts.below) return { fs: opts.v2?.fs ?? realFs, top: opts.below };
  return v2Top(opts.v2 ?? {}, absolute);
}

/** Create the container's cgroup, apply `resources`, then place `pid` (still blocked before the
 *  user process). On failure nothing is left behind and the pid is moved back. */
export async function createOciCgroup(
  spec: { id: string; cgroupsPath?: string; resources: Resources },
  pid: number,
  opts: CreateOptions & { below?: string } = {},
): Promise<ManagedCgroup> {
  const name = opts.name ?? ociField;
  const { absolute, parts } = cgroupLocation(spec.cgroupsPath, spec.id);
  const version = cgroupVersion(opts);
  refuse(checkOciResources(spec.resources, version, name));
  if (version === 1) {
    const writes = v1ResourceWrites(spec.resources, name);
    const layout = { controllers: OCI_V1_CONTROLLERS, parts, absolute, writes, createdParentsOnly: true };
    return createV1(layout, pid, opts.v1);
  }
  const view = opts.v2 ?? {};
  const { fs, top } = rootedTop(opts, absolute);
  // Every controller the parent offers is enabled (as runc does), so stats and later updates find
  // their files; the ones a limit needs are also checked by name.
  const offered = fs.read(join(top, 'cgroup.controllers')).split(/\s+/).filter(Boolean);
  return createV2(
    {
      top,
      parts,
      writes: v2ResourceWrites(spec.resources, name),
      enable: offered,
      devices: v2DeviceFilter(spec.resources),
      devicesField: name('devices'),
      createdParentsOnly: true,
    },
    pid,
    view,
  );
}

/** Where createOciCgroup will put the container, before it exists: v1 controller → directory, or
 *  '' → the v2 directory. A `cgroup` mount without a cgroup namespace binds these (as runc does). */
export function ociCgroupDirs(
  spec: { id: string; cgroupsPath?: string },
  opts: CgroupOptions & { below?: string } = {},
): Record<string, string> {
  const { absolute, parts } = cgroupLocation(spec.cgroupsPath, spec.id);
  if (cgroupVersion(opts) === 1)
    return v1LeafDirs({ controllers: OCI_V1_CONTROLLERS, parts, absolute }, opts.v1);
  return { '': join(rootedTop(opts, absolute).top, ...parts) };
}

/** Reopen a container's cgroup from its record. The record comes from our own state file; its
 *  paths are still checked to be absolute and free of '..' so a damaged file cannot aim elsewhere. */
export function openCgroup(record: CgroupRecord, fs: CgroupFs = realFs): ManagedCgroup {
  const all = [...Object.values(record.paths), ...record.parents];
  if (all.some((p) => !p.startsWith('/') || p.split('/').includes('..'))) {
    throw new NsinitError(`the recorded cgroup paths are not absolute cgroupfs paths: ${all.join(', ')}`, {
      code: 'ERR_NSINIT_INVALID_CONFIG',
    });
  }
  if (record.version === 2) {
    const dir = record.paths.unified;
    if (!dir)
      throw new NsinitError('the recorded v2 cgroup has no directory', { code: 'ERR_NSINIT_INVALID_CONFIG' });
    return v2FromPath(dir, record.parents, fs);
  }
  return v1FromPaths(record.paths, record.parents, fs);
}

/** Apply new resources to a live container (`nsinit-oci update`). Device rules are not updated
 *  (as runc: they are fixed at create); every other set field is written, unset fields are not. */
export function updateCgroup(cg: ManagedCgroup, resources: Resources, name: FieldNamer = ociField): void {
  const { devices: _devices, devicesV1Only: _v1only, ...r } = resources;
  refuse(checkOciResources(r, cg.version, name));
  const fs = cg.fs;
  if (cg.version === 1) {
    const current = (controller: string, file: string): bigint | null => {
      const dir = cg.paths[controller];
      if (!dir) return null;
      try {
        const t = fs.read(join(dir, file)).trim();
        return /^\d+$/.test(t) ? BigInt(t) : null;
      } catch {
        return null;
      }
    };
    const writes = v1ResourceWrites(r, name, current);
    for (const w of writes) {
      if (!cg.paths[w.controller]) {
        throw new NsinitError(`${w.field}: the container is not in a ${w.controller} cgroup`, {
          code: 'ERR_NSINIT_CGROUP_CONTROLLER',
        });
      }
    }
    applyWrites(fs, writes, (w) => cg.paths[w.controller]!);
    return;
  }
  const dir = cg.paths.unified!;
  const currentText = (file: string) => {
    try {
      return fs.read(join(dir, file));
    } catch {
      return null;
    }
  };
  applyWrites(fs, v2ResourceWrites(r, name, currentText), () => dir);
}
