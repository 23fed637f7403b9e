import type { Step } from '@nsinit/native';
import { createNativeFake, REFERENCE_MISSING, sampleText } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MASKED_PATHS } from '../spec/defaults.js';
import { from2014 } from '../spec/from-2014.js';
import {
  type CompileOptions,
  compilePlan as compileSpec,
  type KernelTables,
  namespaceFlags,
  type PlanConfig,
} from './compile.js';

/** The 2014 path as launch.ts takes it: container.json → RuntimeSpec → plan. */
const compilePlan = (config: PlanConfig, options: CompileOptions) => compileSpec(from2014(config), options);

const fake = createNativeFake();
const tables: KernelTables = {
  capabilities: fake.capabilities,
  rlimits: fake.rlimits,
  constants: fake.constants,
};
const identity = { uid: 0, gid: 0, groups: [] };
const base = { rootfs: '/var/lib/c1', tables, identity, stdio: [10, 11, 12] as [number, number, number] };

function sampleLike(): PlanConfig {
  // Shaped like the 2014 sample (namespaces, restrictions, 0000 and 0666 nodes, a tty); the file
  // itself is only read at test time, below.
  return {
    hostname: 'plan-test',
    tty: true,
    environment: ['HOME=/', 'PATH=/usr/bin:/bin', 'TERM=dumb'],
    namespaces: { NEWIPC: true, NEWNET: true, NEWNS: true, NEWPID: true, NEWUTS: true },
    capabilities: [
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'MKNOD',
      'NET_RAW',
      'SETGID',
      'SETUID',
      'SETFCAP',
      'SETPCAP',
    ],
    context: { mount_label: '', process_label: '', restrictions: 'true' },
    device_nodes: [
      { type: 99, path: '/dev/fuse', major_number: 10, minor_number: 229 },
      { type: 99, path: '/dev/null', major_number: 1, minor_number: 3, file_mode: 438 },
      { type: 99, path: '/dev/tty', major_number: 5, file_mode: 438 },
    ],
  };
}

const ops = (steps: Step[]) => steps.map((s) => s.op);
const indexOf = (steps: Step[], op: Step['op']) => steps.findIndex((s) => s.op === op);

describe('compilePlan', () => {
  it('compiles the sample-like config (snapshot)', () => {
    expect(compilePlan(sampleLike(), { ...base, argv: ['hostname'], consoleFd: 20 })).toMatchSnapshot();
  });

  it('compiles the 2014 sample file itself, read from the shared reference', (ctx) => {
    const text = sampleText();
    if (text === null) return ctx.skip(REFERENCE_MISSING);
    const config = JSON.parse(text) as PlanConfig;
    const plan = compilePlan(config, { ...base, argv: ['sh'], consoleFd: 20 });
    const o = ops(plan.steps);
    expect(o.slice(0, 3)).toEqual(['session', 'propagation', 'rootfs']);
    expect(o.filter((op) => op === 'mknod')).toHaveLength(config.device_nodes!.length);
    expect(o.slice(o.indexOf('pivot-root'))).toEqual([
      'pivot-root',
      'umask',
      'readonly',
      'readonly',
      'readonly',
      'readonly',
      'readonly',
      ...DEFAULT_MASKED_PATHS.map(() => 'mask'),
      'hostname',
      'rlimit', // the default RLIMIT_NOFILE (the sample sets no rlimits)
      'close-fds',
      'identity',
      'pdeathsig',
      'caps',
      'chdir',
      'exec',
    ]);
    expect(plan.steps).toContainEqual({ op: 'hostname', name: config.hostname });
  });

  it('keeps the 2014 mount order and puts exec last', () => {
    const plan = compilePlan(sampleLike(), { ...base, argv: ['sh'], consoleFd: 20 });
    const targets = plan.steps.filter((s) => s.op === 'mount').map((s) => (s as { target: string }).target);
    expect(targets).toEqual(['/proc', '/sys', '/dev', '/dev/shm', '/dev/pts', '/dev/mqueue']);
    const o = ops(plan.steps);
    expect(o[0]).toBe('session');
    expect(o.slice(1, 3)).toEqual(['propagation', 'rootfs']);
    expect(o.indexOf('mknod')).toBeGreaterThan(o.lastIndexOf('mount'));
    expect(o.indexOf('console')).toBeGreaterThan(o.indexOf('symlink'));
    expect(o.indexOf('pivot-root')).toBeGreaterThan(o.indexOf('console'));
    expect(o.indexOf('readonly')).toBeGreaterThan(o.indexOf('pivot-root'));
    expect(o.at(-1)).toBe('exec');
    expect(plan.cloneFlags).toBe(
      fake.constants.CLONE_NEWNS! |
        fake.constants.CLONE_NEWUTS! |
        fake.constants.CLONE_NEWIPC! |
        fake.constants.CLONE_NEWPID! |
        fake.constants.CLONE_NEWNET!,
    );
  });

  it('arms the parent-death signal after the identity switch', () => {
    const plan = compilePlan(sampleLike(), { ...base, argv: ['sh'] });
    expect(indexOf(plan.steps, 'pdeathsig')).toBeGreaterThan(indexOf(plan.steps, 'identity'));
    expect(plan.steps.find((s) => s.op === 'pdeathsig')).toEqual({ op: 'pdeathsig', signal: 9 });
  });

  it('keeps inheritable and ambient capabilities empty (CVE-2022-29162)', () => {
    const plan = compilePlan(sampleLike(), { ...base, argv: ['sh'] });
    const caps = plan.steps.find((s) => s.op === 'caps') as Extract<Step, { op: 'caps' }>;
    expect(caps.inheritable).toBe(0n);
    expect(caps.ambient).toBe(0n);
    expect(caps.bounding).toBe(caps.effective);
    expect(caps.bounding & (1n << BigInt(fake.capabilities.MKNOD!))).not.toBe(0n);
    expect(caps.bounding & (1n << BigInt(fake.capabilities.SYS_ADMIN!))).toBe(0n);
  });

  it('drops every capability when the list is absent (2014 nil list)', () => {
    const plan = compilePlan({ namespaces: { NEWNS: true } }, { ...base, argv: ['sh'] });
    const caps = plan.steps.find((s) => s.op === 'caps') as Extract<Step, { op: 'caps' }>;
    expect([caps.bounding, caps.effective, caps.permitted]).toEqual([0n, 0n, 0n]);
  });

  it('creates device nodes with their exact mode under umask 0', () => {
    const plan = compilePlan(sampleLike(), { ...base, argv: ['sh'] });
    const first = indexOf(plan.steps, 'mknod');
    expect(plan.steps[first - 1]).toEqual({ op: 'umask', mask: 0 });
    const nodes = plan.steps.filter((s) => s.op === 'mknod');
    expect(nodes).toContainEqual({
      op: 'mknod',
      target: '/dev/fuse',
      mode: fake.constants.S_IFCHR,
      major: 10,
      minor: 229,
    });
    expect(nodes).toContainEqual({
      op: 'mknod',
      target: '/dev/null',
      mode: fake.constants.S_IFCHR! | 0o666,
      major: 1,
      minor: 3,
    });
  });

  it('applies restrictions only when context.restrictions is non-empty', () => {
    const withR = compilePlan(sampleLike(), { ...base, argv: ['sh'] });
    expect(
      withR.steps.filter((s) => s.op === 'readonly').map((s) => (s as { target: string }).target),
    ).toEqual(['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus', '/sys']);
    const c = sampleLike();
    c.context = { restrictions: '' };
    expect(ops(compilePlan(c, { ...base, argv: ['sh'] }).steps)).not.toContain('readonly');
  });

  it("masks runc's default paths with or without restrictions", () => {
    const c = sampleLike();
    for (const restrictions of ['true', '']) {
      c.context = { restrictions };
      const masks = compilePlan(c, { ...base, argv: ['sh'] }).steps.filter((s) => s.op === 'mask');
      expect(masks).toEqual(DEFAULT_MASKED_PATHS.map((target) => ({ op: 'mask', target, optional: true })));
      expect(DEFAULT_MASKED_PATHS).toEqual(
        expect.arrayContaining(['/proc/keys', '/proc/timer_list', '/proc/kcore']),
      );
    }
  });

  it('makes only "/" read-only for readonly_fs (not recursive, as 2014 and runc)', () => {
    const plan = compilePlan({ ...sampleLike(), readonly_fs: true }, { ...base, argv: ['sh'] });
    const o = ops(plan.steps);
    const ro = plan.steps.filter((s) => s.op === 'readonly');
    expect(ro[0]).toEqual({ op: 'readonly', target: '/', flags: 0, recursive: false, optional: false });
    expect(o.indexOf('readonly')).toBe(o.indexOf('pivot-root') + 1);
  });

  it('uses move-root and MS_SLAVE propagation for no_pivot_root', () => {
    const plan = compilePlan({ ...sampleLike(), no_pivot_root: true }, { ...base, argv: ['sh'] });
    expect(ops(plan.steps)).toContain('move-root');
    expect(ops(plan.steps)).not.toContain('pivot-root');
    const prop = plan.steps.find((s) => s.op === 'propagation') as { flags: number };
    expect(prop.flags).toBe(fake.constants.MS_REC! | fake.constants.MS_SLAVE!);
  });

  it('binds only "bind" mounts, read-only unless writable', () => {
    const plan = compilePlan(
      {
        ...sampleLike(),
        mounts: [
          { type: 'devtmpfs' },
          { type: 'bind', source: '/srv/a', destination: '/a' },
          { type: 'bind', source: '/srv/b', destination: '/b', writable: true, private: true },
        ],
      },
      { ...base, argv: ['sh'] },
    );
    expect(plan.steps.filter((s) => s.op === 'bind')).toEqual([
      {
        op: 'bind',
        source: '/srv/a',
        target: '/a',
        flags: fake.constants.MS_RDONLY,
        recursive: true,
        propagation: 0,
      },
      {
        op: 'bind',
        source: '/srv/b',
        target: '/b',
        flags: 0,
        recursive: true,
        propagation: fake.constants.MS_PRIVATE,
      },
    ]);
  });

  it('attaches an idmapped bind from the tree the runtime made, by mount field', () => {
    const map = [{ container_id: 1000, host_id: 0, size: 1 }];
    const config: PlanConfig = {
      ...sampleLike(),
      mounts: [
        { type: 'bind', source: '/srv/a', destination: '/a' },
        {
          type: 'bind',
          source: '/srv/b',
          destination: '/b',
          private: true,
          uid_mappings: map,
          gid_mappings: map,
        },
      ],
    };
    const spec = from2014(config);
    // The whole 2014 tree is mapped, read-only unless writable (the flags go on the tree).
    expect(spec.mounts.find((m) => m.destination === '/b')?.idmap).toEqual({
      uidMappings: [{ containerId: 1000, hostId: 0, size: 1 }],
      gidMappings: [{ containerId: 1000, hostId: 0, size: 1 }],
      recursive: true,
      field: '/mounts/1/uid_mappings',
    });
    const plan = compileSpec(spec, { ...base, argv: ['sh'], idmapTrees: new Map([['/mounts/1', 40]]) });
    expect(plan.steps.filter((s) => s.op === 'bind' || s.op === 'idmap-bind')).toEqual([
      {
        op: 'bind',
        source: '/srv/a',
        target: '/a',
        flags: fake.constants.MS_RDONLY,
        recursive: true,
        propagation: 0,
      },
      { op: 'idmap-bind', fd: 40, target: '/b', propagation: fake.constants.MS_PRIVATE },
    ]);
    expect(() => compileSpec(spec, { ...base, argv: ['sh'] })).toThrow(/idmapTrees.*\/mounts\/1/);
  });

  it('expands argv[0] over the config PATH and passes dashes through', () => {
    const plan = compilePlan(sampleLike(), { ...base, argv: ['ls', '-la', '--', '/'] });
    const exec = plan.steps.at(-1) as Extract<Step, { op: 'exec' }>;
    expect(exec.argv).toEqual(['ls', '-la', '--', '/']);
    expect(exec.candidates).toEqual(['/usr/bin/ls', '/bin/ls']);
    expect(exec.envp).toEqual(['HOME=/', 'PATH=/usr/bin:/bin', 'TERM=dumb']);
  });

  it('joins a netns before anything else', () => {
    const plan = compilePlan(sampleLike(), { ...base, argv: ['sh'], netnsFds: [33] });
    expect(plan.steps[0]).toEqual({ op: 'setns', fd: 33, nstype: fake.constants.CLONE_NEWNET });
  });

  it('emits only the finishing steps for a join', () => {
    const plan = compilePlan(
      { ...sampleLike(), rlimits: [{ type: 'RLIMIT_NOFILE', soft: 64, hard: 128 }], working_dir: '/tmp' },
      { ...base, argv: ['ps'], identity: { uid: 1000, gid: 1000, groups: [5] }, join: true, consoleFd: 7 },
    );
    expect(plan.cloneFlags).toBe(0);
    expect(plan.consoleFd).toBe(-1);
    expect(ops(plan.steps)).toEqual([
      'session',
      'umask',
      'rlimit',
      'close-fds',
      'identity',
      'pdeathsig',
      // uid 1000 keeps no capability across execve: working_dir is entered before they are raised.
      'chdir',
      'caps',
      'exec',
    ]);
    expect(plan.steps).toContainEqual({ op: 'identity', uid: 1000, gid: 1000, groups: [5] });
    expect(plan.steps).toContainEqual({
      op: 'rlimit',
      resource: fake.rlimits.RLIMIT_NOFILE,
      soft: 64,
      hard: 128,
    });
    expect(plan.steps).toContainEqual({ op: 'chdir', path: '/tmp' });
  });

  it('refuses what 2014 would have done to the host', () => {
    expect(() => compilePlan({ namespaces: {} }, { ...base, argv: ['sh'] })).toThrow(/\/namespaces\/NEWNS/);
    expect(() =>
      compilePlan({ hostname: 'x', namespaces: { NEWNS: true } }, { ...base, argv: ['sh'] }),
    ).toThrow(/\/hostname: needs namespaces\.NEWUTS/);
    expect(() =>
      compilePlan({ namespaces: { NEWNS: true, NEWUSER: true } }, { ...base, argv: ['sh'] }),
    ).toThrow(expect.objectContaining({ code: 'ERR_NSINIT_INVALID_CONFIG' }));
  });

  it('names the field of a value it cannot apply', () => {
    const bad = (c: PlanConfig) => () =>
      compilePlan({ namespaces: { NEWNS: true }, ...c }, { ...base, argv: ['sh'] });
    expect(bad({ capabilities: ['NOPE'] })).toThrow(/\/capabilities\/0: unknown capability 'NOPE'/);
    expect(bad({ environment: ['A=1', 'oops'] })).toThrow(/\/environment\/1/);
    expect(bad({ device_nodes: [{ type: 120, path: '/dev/x' }] })).toThrow(/\/device_nodes\/0\/type/);
    expect(bad({ rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }] })).toThrow(/\/rlimits\/0/);
    expect(() => compilePlan({ namespaces: { NEWNS: true } }, { ...base, argv: [] })).toThrow(
      /'argv' option/,
    );
  });

  it('NEWTIME: no clone flag, a timens step with the offsets first in the walk; joins enter it', () => {
    const config: PlanConfig = {
      namespaces: { NEWNS: true, NEWPID: true, NEWTIME: true, NEWCGROUP: true },
      time_offsets: { boottime: { secs: 86400 }, monotonic: { secs: -5, nanosecs: 7 } },
    };
    const plan = compilePlan(config, { ...base, argv: ['sh'] });
    expect(plan.cloneFlags & fake.constants.CLONE_NEWTIME!).toBe(0);
    expect(plan.cloneFlags & fake.constants.CLONE_NEWCGROUP!).toBe(0);
    expect(plan.steps).toContainEqual({ op: 'timens', offsets: '1 -5 7\n7 86400 0\n' });
    expect(plan.steps).toContainEqual({ op: 'unshare', flags: fake.constants.CLONE_NEWCGROUP });
    expect(indexOf(plan.steps, 'timens')).toBeLessThan(indexOf(plan.steps, 'rootfs'));
    const join = namespaceFlags(from2014(config), fake.constants, { forJoin: true });
    expect(join & fake.constants.CLONE_NEWTIME!).not.toBe(0);
    expect(join & fake.constants.CLONE_NEWCGROUP!).not.toBe(0);
    const noOffsets = compilePlan({ namespaces: { NEWNS: true, NEWTIME: true } }, { ...base, argv: ['sh'] });
    expect(noOffsets.steps).toContainEqual({ op: 'timens', offsets: '' });
    expect(() =>
      compilePlan({ namespaces: { NEWNS: true }, time_offsets: {} }, { ...base, argv: ['sh'] }),
    ).toThrow(/\/time_offsets: needs a new time namespace/);
  });

  it('the kernel extensions of container.json reach the plan: sysctl, domainname, personality, seccomp', () => {
    const program = new Uint8Array(8);
    const plan = compileSpec(
      from2014({
        namespaces: { NEWNS: true, NEWUTS: true, NEWIPC: true },
        domainname: 'example.org',
        personality: 'LINUX32',
        sysctl: { 'kernel.shmmni': '4242' },
        seccomp: { defaultAction: 'SCMP_ACT_ALLOW' },
      }),
      { ...base, argv: ['sh'], seccomp: { program, flags: 0 } },
    );
    expect(plan.steps).toContainEqual({ op: 'sysctl', key: 'kernel/shmmni', value: '4242' });
    expect(plan.steps).toContainEqual({ op: 'domainname', name: 'example.org' });
    expect(plan.steps).toContainEqual({ op: 'personality', persona: 8 });
    expect(plan.steps).toContainEqual({ op: 'seccomp', flags: 0, program });
    expect(() =>
      compilePlan(
        { namespaces: { NEWNS: true }, sysctl: { 'net.ipv4.ip_forward': '1' } },
        { ...base, argv: ['sh'] },
      ),
    ).toThrow(/\/sysctl\/net\.ipv4\.ip_forward: 'net\.ipv4\.ip_forward' needs a 'network' namespace/);
  });
});

describe('user namespaces (2014 format)', () => {
  const MAP = [{ container_id: 0, host_id: 100000, size: 65536 }];
  const userns = (extra: PlanConfig = {}): PlanConfig => ({
    namespaces: { NEWNS: true, NEWUSER: true, NEWPID: true, NEWNET: true, NEWIPC: true },
    uid_mappings: MAP,
    gid_mappings: MAP,
    device_nodes: [{ type: 99, path: '/dev/null', major_number: 1, minor_number: 3, file_mode: 0o666 }],
    mounts: [{ type: 'bind', source: '/srv/data', destination: '/data', writable: false }],
    ...extra,
  });
  const root = { uid: 0, gid: 0 };

  it('clones CLONE_NEWUSER; copies bind sources, then becomes root of the namespace, then mounts', () => {
    const plan = compilePlan(userns(), { ...base, argv: ['sh'], caller: root });
    expect(plan.cloneFlags & fake.constants.CLONE_NEWUSER!).toBe(fake.constants.CLONE_NEWUSER);
    const ops = plan.steps.map((s) => s.op);
    const at = (op: string) => ops.indexOf(op as Step['op']);
    expect(at('rootfs')).toBeLessThan(at('open-tree'));
    expect(at('open-tree')).toBeLessThan(at('userns-root'));
    expect(at('userns-root')).toBeLessThan(at('mount'));
    expect(plan.steps).toContainEqual({ op: 'open-tree', source: '/srv/data', recursive: true, slot: 0 });
    expect(plan.steps).toContainEqual(
      expect.objectContaining({ op: 'attach-tree', slot: 0, target: '/data' }),
    );
    expect(plan.steps).toContainEqual({ op: 'userns-root', setgroups: true });
    // The device is the host's, bound: no mknod, no chown of the host's node.
    expect(ops).not.toContain('mknod');
    expect(plan.steps).toContainEqual(
      expect.objectContaining({ op: 'bind', source: '/dev/null', target: '/dev/null' }),
    );
    // devpts keeps gid=5: the map holds it.
    expect(plan.steps).toContainEqual(
      expect.objectContaining({ fstype: 'devpts', data: expect.stringContaining('gid=5') }),
    );
  });

  it('binds /sys, /proc and /dev/mqueue from the host when their namespaces are not its own', () => {
    const plan = compilePlan(userns({ namespaces: { NEWNS: true, NEWUSER: true } }), {
      ...base,
      argv: ['sh'],
      caller: root,
    });
    for (const source of ['/proc', '/sys', '/dev/mqueue'])
      expect(plan.steps).toContainEqual(
        expect.objectContaining({ op: 'open-tree', source, recursive: true }),
      );
    expect(plan.steps.filter((s) => s.op === 'mount').map((s) => (s as { fstype: string }).fstype)).toEqual([
      'tmpfs',
      'tmpfs',
      'devpts',
    ]);
  });

  it('an unprivileged caller mapping only its own ids: setgroups denied, groups kept, no gid=5', () => {
    const own = [{ container_id: 0, host_id: 1000, size: 1 }];
    const plan = compilePlan(userns({ uid_mappings: own, gid_mappings: own }), {
      ...base,
      argv: ['sh'],
      caller: { uid: 1000, gid: 1000 },
    });
    expect(plan.steps).toContainEqual({ op: 'userns-root', setgroups: false });
    expect(plan.steps).toContainEqual({ op: 'identity', uid: 0, gid: 0, groups: [], keepGroups: true });
    const devpts = plan.steps.find((s) => s.op === 'mount' && s.fstype === 'devpts') as { data: string };
    expect(devpts.data).not.toContain('gid=');
  });

  it('enters a netns strategy namespace around the clone (setns-early), never from inside', () => {
    const plan = compilePlan(userns(), { ...base, argv: ['sh'], caller: root, netnsFds: [42] });
    expect(plan.steps[0]).toEqual({ op: 'setns-early', fd: 42, nstype: fake.constants.CLONE_NEWNET });
    expect(plan.steps.some((s) => s.op === 'setns')).toBe(false);
  });

  it('names the field of a map the kernel would refuse', () => {
    const bad = (c: PlanConfig) => () => compilePlan(userns(c), { ...base, argv: ['sh'], caller: root });
    expect(bad({ uid_mappings: [] })).toThrow(
      /\/uid_mappings: a new user namespace needs at least one mapping/,
    );
    expect(
      bad({
        gid_mappings: [
          { container_id: 0, host_id: 1, size: 10 },
          { container_id: 5, host_id: 100, size: 1 },
        ],
      }),
    ).toThrow(/\/gid_mappings\/1: its container ids overlap those of mapping 0/);
    expect(() =>
      compilePlan(
        { namespaces: { NEWNS: true }, uid_mappings: MAP },
        { ...base, argv: ['sh'], caller: root },
      ),
    ).toThrow(/\/uid_mappings: needs namespaces\.NEWUSER to be true/);
  });
});
