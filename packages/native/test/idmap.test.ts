// Idmapped bind mounts (mount_setattr(2) MOUNT_ATTR_IDMAP): openIdmappedTree in the parent (the
// describing user namespace's helper process reaped, no fd left behind), the idmap-bind step
// attaching the tree inside a container, what the map lets a container write, and the kernel's
// refusals (a filesystem without idmap support, maps it will not take).
import { chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IdmappedTreeOptions, Step } from '../lib/index.js';
import { native } from '../lib/index.js';
import { C, cloexec, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

const one = (containerID: number, hostID: number) => [{ containerID, hostID, size: 1 }];
const onDisk1000AsRoot: IdmappedTreeOptions = {
  recursive: false,
  flags: 0,
  idmapRecursive: false,
  uidMappings: one(1000, 0),
  gidMappings: one(1000, 0),
};

/** Pids of our children, from every thread's children list (proc(5)). */
function children(): string[] {
  return readdirSync('/proc/self/task').flatMap((t) =>
    readFileSync(`/proc/self/task/${t}/children`, 'utf8').split(' ').filter(Boolean),
  );
}

const fds = () => readdirSync('/proc/self/fd').length;

describe('idmapped trees', () => {
  const rootfs = useRootfs();

  it('clones a source idmapped in the parent: CLOEXEC, no helper process or fd left behind', () => {
    const src = join(rootfs().dir, 'src');
    mkdirSync(src);
    chownSync(src, 1000, 1000);
    const before = fds();
    const kids = children();
    const tree = native.openIdmappedTree(src, onDisk1000AsRoot);
    try {
      expect(cloexec(tree)).toBe(true);
      // Seen through the detached mount, the directory owned by 1000 on disk is root's.
      const st = statSync(`/proc/self/fd/${tree}`);
      expect([st.uid, st.gid]).toEqual([0, 0]);
      expect(statSync(src).uid).toBe(1000);
      expect(children()).toEqual(kids);
      expect(fds()).toBe(before + 1);
    } finally {
      native.close(tree);
    }
    expect(fds()).toBe(before);
  });

  it('refuses maps the kernel would not take, and a filesystem that cannot idmap, reaping the helper', () => {
    const dir = join(rootfs().dir, 'ramfs');
    mkdirSync(dir);
    const kids = children();
    const before = fds();
    const overlapping = { ...onDisk1000AsRoot, uidMappings: [...one(0, 0), ...one(0, 1)] };
    expect(() => native.openIdmappedTree(dir, overlapping)).toThrow(
      expect.objectContaining({ code: 'EINVAL', syscall: 'write', path: 'uid_map' }),
    );
    expect(() => native.openIdmappedTree(dir, { ...onDisk1000AsRoot, gidMappings: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_NSINIT_INVALID_ARG' }),
    );
    expect(() => native.openIdmappedTree(join(dir, 'missing'), onDisk1000AsRoot)).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'open_tree' }),
    );
    // ramfs has no idmap support on any kernel so far (tmpfs has it since 6.3).
    native.mount('none', dir, 'ramfs', 0, null);
    try {
      expect(() => native.openIdmappedTree(dir, onDisk1000AsRoot)).toThrow(
        expect.objectContaining({ code: 'EINVAL', syscall: 'mount_setattr', path: dir }),
      );
    } finally {
      native.umount(dir, 0);
    }
    expect(children()).toEqual(kids);
    expect(fds()).toBe(before);
  });

  it('is attached inside the container: 1000 on disk is root there, root writes 1000 on disk', async () => {
    const src = join(rootfs().dir, 'shared');
    mkdirSync(src);
    chownSync(src, 1000, 1000);
    writeFileSync(join(src, 'theirs'), 'host\n');
    chownSync(join(src, 'theirs'), 1000, 1000);
    writeFileSync(join(src, 'roots'), 'root\n', { mode: 0o644 });
    const tree = native.openIdmappedTree(src, { ...onDisk1000AsRoot, flags: C.MS_NOSUID });
    const step: Step = { op: 'idmap-bind', fd: tree, target: '/mnt/shared', propagation: C.MS_PRIVATE };
    const script = [
      'stat -c "%u:%g" /mnt/shared /mnt/shared/theirs /mnt/shared/roots',
      'echo new > /mnt/shared/made',
      'echo more >> /mnt/shared/theirs',
      // Host root's file is outside the map: not even CAP_DAC_OVERRIDE or CAP_FOWNER reach it.
      'echo x >> /mnt/shared/roots || echo denied',
      'chmod 666 /mnt/shared/roots || echo denied',
      'grep " /mnt/shared " /proc/self/mountinfo',
    ].join('; ');
    let res: Awaited<ReturnType<typeof run>>;
    try {
      res = await run(
        standardPlan(rootfs().path, ['sh', '-c', `exec 2>/dev/null; ${script}`], { beforePivot: [step] }),
      );
    } finally {
      native.close(tree);
    }
    expect(res.failure).toBeNull();
    const lines = res.output.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['0:0', '0:0', '65534:65534']);
    expect(lines.slice(3, 5)).toEqual(['denied', 'denied']);
    expect(lines[5]).toMatch(/nosuid.*idmapped|idmapped.*nosuid/);
    const made = statSync(join(src, 'made'));
    expect([made.uid, made.gid]).toEqual([1000, 1000]);
    expect(readFileSync(join(src, 'theirs'), 'utf8')).toBe('host\nmore\n');
    expect(readFileSync(join(src, 'roots'), 'utf8')).toBe('root\n');
    expect(statSync(join(src, 'roots')).mode & 0o777).toBe(0o644);
  });

  it('decodes only an fd above stdio and a propagation mode for the step', () => {
    const plan = (step: Step) => standardPlan('/tmp/none', ['true'], { beforePivot: [step] });
    expect(() => native.spawn(plan({ op: 'idmap-bind', fd: 1, target: '/x', propagation: 0 }))).toThrow(
      /step \d+ \(idmap-bind\): fd must be >= 3/,
    );
    expect(() => native.spawn(plan({ op: 'idmap-bind', fd: 9, target: '/x/../..', propagation: 0 }))).toThrow(
      /must not contain '\.\.'/,
    );
  });
});
