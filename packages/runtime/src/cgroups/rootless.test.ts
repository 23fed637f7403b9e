// The rootless cgroup policy without root: which cgroup v2 directory counts as delegated (owner
// injected), the first limit of a config in the user's spelling, and the three outcomes (the
// delegated subtree; no cgroup with one warning; a refused limit). The real delegation and the
// refusals from inside a container are in cli/test/rootless-cgroups.test.ts.
import { describe, expect, it } from 'vitest';
import { name2014, resourcesFrom2014 } from './limits.js';
import { ociPointer } from './resources.js';
import { resourcesFromOci } from './resources-oci.js';
import { delegatedV2, firstLimit, rootless2014Cgroups, rootlessCgroupView } from './rootless.js';

const HYBRID =
  '30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:6 - cgroup2 cgroup2 rw,nsdelegate\n' +
  '31 25 0:27 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:7 - cgroup cgroup rw,pids\n';
const SELF = '12:pids:/user.slice\n0::/user.slice/user-1000.slice/box\n';

describe('delegatedV2', () => {
  it('is the caller’s own v2 directory when it and its cgroup.procs belong to the caller', () => {
    const owners: Record<string, number> = {
      '/sys/fs/cgroup/unified/user.slice/user-1000.slice/box': 1000,
      '/sys/fs/cgroup/unified/user.slice/user-1000.slice/box/cgroup.procs': 1000,
    };
    expect(delegatedV2(1000, HYBRID, SELF, (p) => owners[p] ?? 0)).toEqual({
      root: '/sys/fs/cgroup/unified',
      self: '/user.slice/user-1000.slice/box',
      dir: '/sys/fs/cgroup/unified/user.slice/user-1000.slice/box',
    });
  });

  it('is the top of the subtree the caller owns, above its own leaf (systemd’s user@.service)', () => {
    const self = '0::/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope\n';
    const mine = (p: string) =>
      p.startsWith('/sys/fs/cgroup/unified/user.slice/user-1000.slice/user@1000.service') ? 1000 : 0;
    expect(delegatedV2(1000, HYBRID, self, mine)).toMatchObject({
      self: '/user.slice/user-1000.slice/user@1000.service',
      dir: '/sys/fs/cgroup/unified/user.slice/user-1000.slice/user@1000.service',
    });
  });

  it('is null when either is someone else’s, or there is no cgroup2 mount', () => {
    const dirOnly = (p: string) => (p.endsWith('/box') ? 1000 : 0);
    expect(delegatedV2(1000, HYBRID, SELF, dirOnly)).toBeNull();
    expect(delegatedV2(1000, HYBRID, SELF, () => 0)).toBeNull();
    expect(delegatedV2(1000, HYBRID.split('\n')[1]!, SELF, () => 1000)).toBeNull();
  });
});

describe('firstLimit', () => {
  it('names the first limit as the user wrote it, and ignores device rules', () => {
    expect(firstLimit(resourcesFrom2014({ name: 'c', memory: 1 << 24 }), name2014)).toBe('cgroups.memory');
    expect(firstLimit(resourcesFrom2014({ name: 'c', pids_limit: 5 }), name2014)).toBe('cgroups.pids_limit');
    expect(
      firstLimit(resourcesFrom2014({ name: 'c', allowed_devices: [{ type: 99 }] }), name2014),
    ).toBeNull();
    const oci = (r: unknown) => firstLimit(resourcesFromOci(r as never, { name: ociPointer }), ociPointer);
    expect(oci({ devices: [{ allow: false, access: 'rwm' }] })).toBeNull();
    expect(oci({ pids: { limit: 10 } })).toBe('/linux/resources/pids/limit');
    expect(oci({ cpu: { shares: 512 } })).toBe('/linux/resources/cpu/shares');
    expect(oci({ unified: { 'memory.high': '1M' } })).toBe('/linux/resources/unified/memory.high');
  });
});

describe('rootlessCgroupView', () => {
  const delegation = { root: '/sys/fs/cgroup/unified', self: '/u/box', dir: '/sys/fs/cgroup/unified/u/box' };

  it('uses the delegated subtree, dropping device rules without a warning', () => {
    const warnings: string[] = [];
    const r = resourcesFrom2014({ name: 'c', pids_limit: 5, allowed_devices: [{ type: 99 }] });
    expect(rootlessCgroupView(r, name2014, (w) => warnings.push(w), delegation)).toEqual({
      root: '/sys/fs/cgroup/unified',
      self: '/u/box',
    });
    expect(warnings).toEqual([]);
  });

  it('without delegation: no cgroup and ONE warning, or a limit refused naming its field', () => {
    const warnings: string[] = [];
    const devicesOnly = resourcesFrom2014({ name: 'c', allowed_devices: [{ type: 99 }] });
    expect(rootlessCgroupView(devicesOnly, name2014, (w) => warnings.push(w), null)).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^rootless: uid \d+ has no delegated cgroup v2 subtree; the container runs/);
    const limited = resourcesFrom2014({ name: 'c', memory: 1 << 24 });
    expect(() => rootlessCgroupView(limited, name2014, () => {}, null)).toThrow(
      /^invalid config: cgroups\.memory: rootless: uid \d+ has no delegated cgroup v2 subtree/,
    );
  });

  it('2014: the created config drops the device rules; FROZEN without a cgroup is refused', () => {
    const config = { cgroups: { name: 'c', allowed_devices: [{ type: 99 }], pids_limit: 3 } };
    const made = rootless2014Cgroups(config, () => {}, delegation);
    expect(made?.config.cgroups).toMatchObject({
      name: 'c',
      allow_all_devices: true,
      allowed_devices: null,
      pids_limit: 3,
    });
    expect(() => rootless2014Cgroups({ cgroups: { name: 'c', freezer: 'FROZEN' } }, () => {}, null)).toThrow(
      /cgroups\.freezer: rootless: starting frozen/,
    );
    expect(rootless2014Cgroups({}, () => {}, null)).toBeNull();
  });
});
