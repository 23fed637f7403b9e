import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciConfig } from '@nsinit/config';
import type { Step } from '@nsinit/native';
import { createNativeFake } from '@nsinit/testkit';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type CgroupHierarchy, cgroupHierarchies } from '../plan/cgroup-mounts.js';
import { compilePlan, type KernelTables } from '../plan/compile.js';
import { fromOci } from './from-oci.js';
import type { OciConfigInput } from './oci-input.js';

const fake = createNativeFake();
const tables: KernelTables = {
  capabilities: fake.capabilities,
  rlimits: fake.rlimits,
  constants: fake.constants,
};
const C = fake.constants as Record<string, number>;
const fixtures = join(import.meta.dirname, '../../../config/test/oci');
const fixture = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as OciConfigInput;

/** This machine's layout: a hybrid host (v1 hierarchies plus an empty unified one). */
const HYBRID: CgroupHierarchy[] = cgroupHierarchies(
  [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
  ].join('\n'),
);

const compile = (config: OciConfigInput, extra: Partial<Parameters<typeof compilePlan>[1]> = {}) =>
  compilePlan(fromOci(config, '/bundle'), {
    rootfs: '/bundle/rootfs',
    tables,
    stdio: [0, 1, 2],
    cgroupHierarchies: HYBRID,
    ...extra,
  });

function minimal(): OciConfigInput {
  return {
    ociVersion: '1.2.0',
    process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
  };
}

const ops = (steps: Step[]) => steps.map((s) => s.op);
const find = <K extends Step['op']>(steps: Step[], op: K) =>
  steps.filter((s): s is Extract<Step, { op: K }> => s.op === op);

describe('fromOci + compilePlan', () => {
  it('accepts the validated OciConfig type', () => {
    expectTypeOf<OciConfig>().toExtend<OciConfigInput>();
  });

  it('reads idmapped binds: their maps, how far idmap/ridmap reach, never as mount data', () => {
    const c = minimal();
    const map = [{ containerID: 1000, hostID: 0, size: 1 }];
    c.mounts!.push(
      {
        destination: '/a',
        type: 'bind',
        source: 'a',
        options: ['rbind', 'ro'],
        uidMappings: map,
        gidMappings: map,
      },
      {
        destination: '/b',
        source: '/srv/b',
        options: ['rbind', 'ridmap'],
        uidMappings: map,
        gidMappings: map,
      },
      {
        destination: '/c',
        type: 'bind',
        source: '/srv/c',
        options: ['bind', 'idmap'],
        uidMappings: map,
        gidMappings: map,
      },
    );
    const spec = fromOci(c, '/bundle');
    const [a, b, cc] = spec.mounts.slice(1);
    expect(a).toMatchObject({ source: '/bundle/a', recursive: true, flags: ['MS_RDONLY'], data: '' });
    const model = [{ containerId: 1000, hostId: 0, size: 1 }];
    expect(a!.idmap).toEqual({
      uidMappings: model,
      gidMappings: model,
      recursive: false,
      field: '/mounts/1/uidMappings',
    });
    expect(b!.idmap).toMatchObject({ recursive: true, field: '/mounts/2/uidMappings' });
    expect(cc!.idmap).toMatchObject({ recursive: false });
    const plan = compile(c, {
      idmapTrees: new Map([
        ['/mounts/1', 30],
        ['/mounts/2', 31],
        ['/mounts/3', 32],
      ]),
    });
    expect(find(plan.steps, 'idmap-bind')).toEqual([
      { op: 'idmap-bind', fd: 30, target: '/a', propagation: 0 },
      { op: 'idmap-bind', fd: 31, target: '/b', propagation: 0 },
      { op: 'idmap-bind', fd: 32, target: '/c', propagation: 0 },
    ]);
    expect(find(plan.steps, 'bind')).toEqual([]);
  });

  it('compiles `runc spec` (snapshot)', () => {
    expect(compile(fixture('runc-spec.json'))).toMatchSnapshot();
  });

  it('keeps runc order: mounts, devices, /dev links, pivot, sysctl, ro root, readonly and masked paths', () => {
    const c = fixture('runc-spec.json');
    c.linux = { ...c.linux, sysctl: { 'net.ipv4.ip_forward': '1' } };
    const o = ops(compile(c).steps);
    const pivot = o.indexOf('pivot-root');
    expect(o.slice(0, 4)).toEqual(['unshare', 'session', 'propagation', 'rootfs']);
    expect(o.lastIndexOf('mount')).toBeLessThan(o.indexOf('mknod'));
    expect(o.indexOf('sysctl')).toBe(pivot + 1);
    expect(o.indexOf('mask')).toBeGreaterThan(o.lastIndexOf('readonly'));
    expect(o.at(-1)).toBe('exec');
  });

  it('sets all five capability sets as configured, and the numeric user, groups and umask', () => {
    const c = minimal();
    c.process!.capabilities = {
      bounding: ['CAP_NET_RAW', 'CAP_KILL'],
      effective: ['CAP_KILL'],
      permitted: ['CAP_NET_RAW', 'CAP_KILL'],
      inheritable: ['CAP_NET_RAW'],
      ambient: ['CAP_NET_RAW'],
    };
    c.process!.user = { uid: 1000, gid: 100, additionalGids: [5, 27], umask: 0o077 };
    const plan = compile(c);
    const bit = (n: string) => 1n << BigInt(fake.capabilities[n]!);
    expect(find(plan.steps, 'caps')[0]).toEqual({
      op: 'caps',
      bounding: bit('NET_RAW') | bit('KILL'),
      effective: bit('KILL'),
      permitted: bit('NET_RAW') | bit('KILL'),
      inheritable: bit('NET_RAW'),
      ambient: bit('NET_RAW'),
    });
    expect(find(plan.steps, 'identity')[0]).toEqual({ op: 'identity', uid: 1000, gid: 100, groups: [5, 27] });
    const umasks = find(plan.steps, 'umask');
    expect(umasks.at(-1)).toEqual({ op: 'umask', mask: 0o077 });
  });

  it('creates the default devices and configured ones with their owner', () => {
    const c = minimal();
    c.linux!.devices = [
      { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o600, uid: 1000, gid: 1000 },
      { type: 'p', path: '/dev/fifo' },
      { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o600 },
    ];
    const steps = compile(c).steps;
    const nodes = find(steps, 'mknod').map(
      (s) =>
        `${s.target} ${(s.mode & 0o170000).toString(8)} ${(s.mode & 0o7777).toString(8)} ${s.major}:${s.minor}`,
    );
    expect(nodes).toEqual([
      '/dev/zero 20000 666 1:5',
      '/dev/full 20000 666 1:7',
      '/dev/random 20000 666 1:8',
      '/dev/urandom 20000 666 1:9',
      '/dev/tty 20000 666 5:0',
      '/dev/fuse 20000 600 10:229',
      '/dev/fifo 10000 666 0:0',
      '/dev/null 20000 600 1:3',
    ]);
    expect(find(steps, 'chown')).toEqual([{ op: 'chown', target: '/dev/fuse', uid: 1000, gid: 1000 }]);
  });

  it('uses a bound /dev as it is: no nodes, no links', () => {
    const c = minimal();
    c.mounts!.push({ destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] });
    const o = ops(compile(c).steps);
    expect(o).not.toContain('mknod');
    expect(o).not.toContain('symlink');
  });

  it('compiles tmpfs data, bind sources relative to the bundle, and remount,ro', () => {
    const c = minimal();
    c.mounts!.push(
      {
        destination: '/tmp',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', 'mode=1777', 'size=1m'],
      },
      { destination: '/data', source: 'vol', options: ['bind', 'ro', 'nosuid', 'private'] },
      { destination: 'rel', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/data', options: ['remount', 'ro', 'noexec'] },
    );
    const steps = compile(c).steps;
    expect(find(steps, 'mount').map((s) => [s.target, s.fstype, s.flags, s.data])).toEqual([
      ['/proc', 'proc', 0, ''],
      ['/tmp', 'tmpfs', C.MS_NOSUID! | C.MS_NODEV!, 'mode=1777,size=1m'],
      ['/rel', 'tmpfs', 0, ''],
    ]);
    expect(find(steps, 'bind')).toEqual([
      {
        op: 'bind',
        source: '/bundle/vol',
        target: '/data',
        flags: C.MS_RDONLY! | C.MS_NOSUID!,
        recursive: false,
        propagation: C.MS_PRIVATE,
      },
    ]);
    expect(find(steps, 'readonly')[0]).toEqual({
      op: 'readonly',
      target: '/data',
      flags: C.MS_NOEXEC,
      recursive: false,
      optional: false,
    });
  });

  it('mounts cgroup hierarchies inside the cgroup namespace, and refuses one without it', () => {
    const c = minimal();
    c.linux!.namespaces!.push({ type: 'cgroup' });
    c.mounts!.push({
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'ro'],
    });
    const steps = compile(c).steps;
    expect(steps[0]).toEqual({ op: 'unshare', flags: C.CLONE_NEWCGROUP });
    expect(compile(c).cloneFlags & C.CLONE_NEWCGROUP!).toBe(0);
    const mounts = find(steps, 'mount').filter((s) => s.target.startsWith('/sys/fs/cgroup'));
    expect(mounts.map((m) => [m.target, m.fstype, m.data])).toEqual([
      ['/sys/fs/cgroup', 'tmpfs', 'mode=755'],
      ['/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'cpu,cpuacct'],
      ['/sys/fs/cgroup/memory', 'cgroup', 'memory'],
      ['/sys/fs/cgroup/systemd', 'cgroup', 'xattr,name=systemd'],
      ['/sys/fs/cgroup/unified', 'cgroup2', ''],
    ]);
    expect(find(steps, 'symlink').filter((s) => s.target.startsWith('/sys'))).toEqual([
      { op: 'symlink', value: 'cpu,cpuacct', target: '/sys/fs/cgroup/cpu' },
      { op: 'symlink', value: 'cpu,cpuacct', target: '/sys/fs/cgroup/cpuacct' },
    ]);
    expect(find(steps, 'readonly')).toContainEqual({
      op: 'readonly',
      target: '/sys/fs/cgroup',
      flags: 0,
      recursive: false,
      optional: false,
    });
    const v2 = compile(c, { cgroupHierarchies: [{ fstype: 'cgroup2', name: '', options: '' }] });
    expect(
      find(v2.steps, 'mount')
        .filter((s) => s.target === '/sys/fs/cgroup')
        .map((s) => s.fstype),
    ).toEqual(['cgroup2']);
    c.linux!.namespaces!.pop();
    expect(() => compile(c)).toThrow(/\/mounts\/1: a cgroup mount needs a 'cgroup' namespace/);
  });

  it("without a cgroup namespace binds the container's own cgroup directories read-only, as runc", () => {
    const c = minimal();
    c.mounts!.push({
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'ro'],
    });
    const cgroupDirs = {
      cpu: '/sys/fs/cgroup/cpu,cpuacct/pod/c1',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct/pod/c1',
      memory: '/sys/fs/cgroup/memory/pod/c1',
    };
    const steps = compile(c, { cgroupDirs }).steps;
    // No fresh cgroup filesystem at all: it would show the host's whole tree.
    expect(find(steps, 'mount').filter((s) => s.fstype === 'cgroup' || s.fstype === 'cgroup2')).toEqual([]);
    expect(
      find(steps, 'bind')
        .filter((s) => s.target.startsWith('/sys/fs/cgroup'))
        .map((s) => [s.source, s.target, s.flags]),
    ).toEqual([
      // name=systemd and the hybrid's unified hierarchy hold no container cgroup: left out.
      [cgroupDirs.cpu, '/sys/fs/cgroup/cpu,cpuacct', C.MS_NOSUID! | C.MS_RDONLY!],
      [cgroupDirs.memory, '/sys/fs/cgroup/memory', C.MS_NOSUID! | C.MS_RDONLY!],
    ]);
    expect(find(steps, 'readonly')).toContainEqual({
      op: 'readonly',
      target: '/sys/fs/cgroup',
      flags: 0,
      recursive: false,
      optional: false,
    });
    const v2 = compile(c, {
      cgroupHierarchies: [{ fstype: 'cgroup2', name: '', options: '' }],
      cgroupDirs: { '': '/sys/fs/cgroup/pod/c1' },
    });
    expect(find(v2.steps, 'bind').map((s) => [s.source, s.target])).toEqual([
      ['/sys/fs/cgroup/pod/c1', '/sys/fs/cgroup'],
    ]);
  });

  it('joins namespaces by path with the fds the runtime opened, PID included', () => {
    const c = minimal();
    c.linux!.namespaces = [
      { type: 'mount' },
      { type: 'pid', path: '/proc/42/ns/pid' },
      { type: 'network', path: '/run/netns/pod' },
      { type: 'ipc', path: '/proc/42/ns/ipc' },
      { type: 'uts' },
    ];
    const plan = compile(c, { namespaceFds: { pid: 7, network: 8, ipc: 9 } });
    expect(plan.cloneFlags).toBe(C.CLONE_NEWNS! | C.CLONE_NEWUTS!);
    expect(plan.steps.slice(0, 3)).toEqual([
      { op: 'setns', fd: 7, nstype: C.CLONE_NEWPID },
      { op: 'setns', fd: 8, nstype: C.CLONE_NEWNET },
      { op: 'setns', fd: 9, nstype: C.CLONE_NEWIPC },
    ]);
    expect(() => compile(c)).toThrow(/'namespaceFds' option must be an fd for the 'pid' namespace/);
  });

  it('writes hostname, domainname, sysctl and personality', () => {
    const c = minimal();
    c.linux!.namespaces!.push({ type: 'uts' }, { type: 'ipc' }, { type: 'network' });
    c.hostname = 'h';
    c.domainname = 'd.example';
    c.linux!.sysctl = {
      'net.ipv4.ip_forward': '1',
      'kernel.shmmni': '100',
      'fs.mqueue.msg_max': '20',
      'net/ipv4/conf/eth0.100/forwarding': '1',
    };
    c.linux!.personality = { domain: 'LINUX32' };
    c.process!.oomScoreAdj = 500;
    const spec = fromOci(c, '/bundle');
    expect(spec.process.oomScoreAdj).toBe(500);
    const steps = compile(c).steps;
    expect(find(steps, 'sysctl')).toEqual([
      { op: 'sysctl', key: 'net/ipv4/ip_forward', value: '1' },
      { op: 'sysctl', key: 'kernel/shmmni', value: '100' },
      { op: 'sysctl', key: 'fs/mqueue/msg_max', value: '20' },
      { op: 'sysctl', key: 'net/ipv4/conf/eth0.100/forwarding', value: '1' },
    ]);
    expect(find(steps, 'hostname')).toEqual([{ op: 'hostname', name: 'h' }]);
    expect(find(steps, 'domainname')).toEqual([{ op: 'domainname', name: 'd.example' }]);
    expect(find(steps, 'personality')).toEqual([{ op: 'personality', persona: 8 }]);
  });

  it('applies LSM labels where the host has the LSM: exec labels after sysctl, the mount label on tmpfs/devpts/mqueue', () => {
    const c = minimal();
    c.process!.apparmorProfile = 'docker-default';
    c.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
    c.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
    c.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['mode=1777'] });
    const spec = fromOci(c, '/bundle', { lsms: ['capability', 'apparmor', 'selinux'] });
    const plan = compilePlan(spec, { rootfs: '/bundle/rootfs', tables, stdio: [0, 1, 2] });
    const o = ops(plan.steps);
    expect(find(plan.steps, 'lsm-label')).toEqual([
      { op: 'lsm-label', attr: 'apparmor/exec', value: 'exec docker-default' },
      { op: 'lsm-label', attr: 'exec', value: 'system_u:system_r:container_t:s0' },
    ]);
    expect(o.indexOf('lsm-label')).toBe(o.indexOf('pivot-root') + 1);
    expect(find(plan.steps, 'mount').map((m) => m.data)).toEqual([
      '',
      'mode=1777,context="system_u:object_r:container_file_t:s0"',
    ]);
  });

  it('puts the create/start wait just before exec', () => {
    const plan = compile(minimal(), { beforeExec: [{ op: 'dumpable', on: false }] });
    expect(ops(plan.steps).slice(-3)).toEqual(['chdir', 'dumpable', 'exec']);
  });
});
