// The OCI container cgroup against a temp-dir cgroup2 root that plays the kernel (mkdir creates the
// files of the controllers the parent enabled): cgroupsPath placement, every offered controller
// enabled, refusals before anything exists, the persisted record, and live updates. The same code
// runs on the real v1 hierarchies and the real cgroup2 mount in test/cgroups-oci.test.ts.
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNativeFake } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { type CgroupFs, realFs } from './cgroupfs.js';
import { cgroupRecord } from './index.js';
import { cgroupLocation, createOciCgroup, openCgroup, updateCgroup } from './oci-cgroup.js';
import { resourcesFromOci } from './resources-oci.js';

const FILES: Record<string, string[]> = {
  memory: ['memory.max', 'memory.low', 'memory.swap.max'],
  cpu: ['cpu.weight', 'cpu.max'],
  pids: ['pids.max'],
  io: ['io.max', 'io.weight'],
  hugetlb: ['hugetlb.2MB.max'],
};

let root: string;
let writes: string[];

/** realFs plus the kernel's side of mkdir, rmdir and cgroup.subtree_control. */
function kernelFs(): CgroupFs {
  const populate = (dir: string) => {
    const enabled = readFileSync(join(dir, '..', 'cgroup.subtree_control'), 'utf8')
      .split(/\s+/)
      .filter(Boolean);
    writeFileSync(join(dir, 'cgroup.procs'), '');
    writeFileSync(join(dir, 'cgroup.controllers'), enabled.join(' '));
    writeFileSync(join(dir, 'cgroup.subtree_control'), '');
    for (const c of enabled) for (const f of FILES[c] ?? []) writeFileSync(join(dir, f), 'max\n');
  };
  return {
    ...realFs,
    mkdir(dir) {
      const made = realFs.mkdir(dir);
      if (made) populate(dir);
      return made;
    },
    rmdir(dir) {
      for (const f of readdirSync(dir, { withFileTypes: true }))
        if (f.isFile()) unlinkSync(join(dir, f.name));
      realFs.rmdir(dir);
    },
    write(path, value) {
      writes.push(`${path.slice(root.length)}=${value}`);
      if (path.endsWith('cgroup.subtree_control')) {
        const now = readFileSync(path, 'utf8').split(/\s+/).filter(Boolean);
        const added = value.split(' ').map((w) => w.slice(1));
        writeFileSync(path, [...new Set([...now, ...added])].join(' '));
        // The kernel creates the newly enabled controllers' files in every existing child.
        for (const child of dirsIn(join(path, '..'))) {
          const d = join(path, '..', child.name);
          const offered = readFileSync(join(d, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
          writeFileSync(join(d, 'cgroup.controllers'), [...new Set([...offered, ...added])].join(' '));
          for (const c of added) for (const f of FILES[c] ?? []) writeFileSync(join(d, f), 'max\n');
        }
        return;
      }
      realFs.write(path, value);
    },
  };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nsinit-oci-cg-'));
  writeFileSync(join(root, 'cgroup.controllers'), 'cpu io memory pids');
  writeFileSync(join(root, 'cgroup.subtree_control'), '');
  writeFileSync(join(root, 'cgroup.procs'), '');
  writes = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const v2 = (self = '/') => ({
  version: 2 as const,
  v2: { root, self, fs: kernelFs(), native: createNativeFake() },
});
const dirsIn = (d: string) => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory());

describe('linux.cgroupsPath', () => {
  it('places absent, relative and absolute paths as runc does and refuses escapes', () => {
    expect(cgroupLocation(undefined, 'c1')).toEqual({ absolute: false, parts: ['c1'] });
    expect(cgroupLocation('', 'c1')).toEqual({ absolute: false, parts: ['c1'] });
    expect(cgroupLocation('/default//c1/', 'x')).toEqual({ absolute: true, parts: ['default', 'c1'] });
    expect(cgroupLocation('pods/c1', 'x')).toEqual({ absolute: false, parts: ['pods', 'c1'] });
    expect(() => cgroupLocation('/a/../../etc', 'x')).toThrow(
      /^linux\.cgroupsPath: '\/a\/\.\.\/\.\.\/etc' must not contain/,
    );
    expect(() => cgroupLocation('/', 'x')).toThrow(/does not name a cgroup below the root/);
    expect(() => cgroupLocation('system.slice:docker:c1', 'x')).toThrow(
      /systemd cgroup driver is not implemented/,
    );
    expect(() => cgroupLocation(undefined, '..')).toThrow(/^id: '\.\.' cannot name a cgroup directory/);
  });
});

describe('OCI container cgroup on v2 (temp-dir root)', () => {
  it('creates an absolute path below the root, enables every offered controller, writes, then places the pid', async () => {
    const resources = resourcesFromOci(
      { memory: { limit: 1 << 20 }, pids: { limit: 9 } },
      { withDevices: false },
    );
    const cg = await createOciCgroup({ id: 'c1', cgroupsPath: '/pod/c1', resources }, 4242, v2('/elsewhere'));
    expect(cg.paths).toEqual({ unified: join(root, 'pod/c1') });
    expect(writes).toEqual([
      '/cgroup.subtree_control=+memory +pids',
      '/pod/cgroup.subtree_control=+memory +pids',
      '/cgroup.subtree_control=+cpu +io',
      '/pod/cgroup.subtree_control=+cpu +io',
      `/pod/c1/memory.max=${1 << 20}`,
      '/pod/c1/pids.max=9',
      '/pod/c1/cgroup.procs=4242',
    ]);
    const record = cgroupRecord(cg);
    expect(record).toEqual({
      version: 2,
      paths: { unified: join(root, 'pod/c1') },
      parents: [join(root, 'pod')],
    });
    const again = openCgroup(JSON.parse(JSON.stringify(record)), kernelFs());
    await again.destroy();
    expect(dirsIn(root)).toEqual([]);
  });

  it('puts a relative path below the parent of our own cgroup (v2 forbids controllers beside processes)', async () => {
    realFs.mkdir(join(root, 'user'));
    writeFileSync(join(root, 'user', 'cgroup.subtree_control'), '');
    writeFileSync(join(root, 'user', 'cgroup.controllers'), 'cpu io memory pids');
    const cg = await createOciCgroup({ id: 'c2', resources: {} }, 1, v2('/user/session'));
    expect(cg.paths.unified).toBe(join(root, 'user', 'c2'));
    await cg.destroy();
  });

  it('attaches the device rules as one program before the pid is placed', async () => {
    const o = v2();
    const resources = resourcesFromOci({ devices: [{ allow: false, access: 'rwm' }] });
    const cg = await createOciCgroup({ id: 'd1', resources }, 3, o);
    expect(o.v2.native.calls).toEqual([
      {
        name: 'cgroupDeviceFilter',
        args: [
          join(root, 'd1'),
          expect.arrayContaining([expect.objectContaining({ type: 'c', major: 1, minor: 3 })]),
        ],
      },
    ]);
    await cg.destroy();
  });

  it('refuses what v2 cannot apply, a controller it lacks and a missing file, leaving nothing behind', async () => {
    const attempt = (resources: object) =>
      createOciCgroup(
        { id: 'bad', resources: resourcesFromOci(resources, { withDevices: false }) },
        1,
        v2(),
      ).catch((e) => e);
    expect(await attempt({ memory: { swappiness: 10 }, network: { classID: 1 } })).toMatchObject({
      code: 'ERR_NSINIT_INVALID_CONFIG',
      message:
        'linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness; linux.resources.network.classID: cgroup v2 has no net_cls controller',
    });
    expect(await attempt({ hugepageLimits: [{ pageSize: '2MB', limit: 0 }] })).toMatchObject({
      code: 'ERR_NSINIT_CGROUP_CONTROLLER',
      message: expect.stringMatching(
        /^linux\.resources\.hugepageLimits\[0\]: the hugetlb controller is not available/,
      ),
    });
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu io memory pids hugetlb');
    expect(
      await attempt({ pids: { limit: 5 }, hugepageLimits: [{ pageSize: '4MB', limit: 0 }] }),
    ).toMatchObject({
      code: 'ERR_NSINIT_CGROUP_CONTROLLER',
      message: expect.stringMatching(
        /^linux\.resources\.hugepageLimits\[0\]: .*hugetlb\.4MB\.max does not exist/,
      ),
    });
    expect(writes.filter((w) => !w.includes('subtree_control'))).toEqual([]);
    expect(dirsIn(root)).toEqual([]);
  });

  it('updates a live cgroup: only the fields given, cpu.max keeping its period, device rules ignored', async () => {
    const cg = await createOciCgroup(
      {
        id: 'u1',
        resources: resourcesFromOci({ cpu: { quota: 20000, period: 50000 } }, { withDevices: false }),
      },
      1,
      v2(),
    );
    writes.length = 0;
    updateCgroup(
      cg,
      resourcesFromOci({ cpu: { quota: 30000 }, pids: { limit: 7 }, devices: [{ allow: true }] }),
    );
    expect(writes).toEqual(['/u1/cpu.max=30000 50000', '/u1/pids.max=7']);
    expect(() => updateCgroup(cg, { memory: { swappiness: 1 } })).toThrow(
      /memory\.swappiness: cgroup v2 has no/,
    );
    await cg.destroy();
  });

  it('refuses a cgroupsPath that climbs out of the hierarchy, creating nothing', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'nsinit-oci-outside-'));
    onTestFinished(() => rmSync(outside, { recursive: true, force: true }));
    const climb = `/${'../'.repeat(8)}${outside.slice(1)}/escaped`;
    const err = await createOciCgroup({ id: 'e1', cgroupsPath: climb, resources: {} }, 1, v2()).catch(
      (e) => e,
    );
    expect(err).toMatchObject({
      code: 'ERR_NSINIT_INVALID_CONFIG',
      message: expect.stringMatching(/^linux\.cgroupsPath: /),
    });
    expect(existsSync(join(outside, 'escaped'))).toBe(false);
  });

  it('refuses unified keys that leave the cgroup directory, writing nothing outside it', async () => {
    // Joined to the leaf, 'cpu./../../cgroup.procs' is the parent's cgroup.procs.
    const resources = { unified: { 'cpu./../../cgroup.procs': '1' } };
    const err = await createOciCgroup({ id: 'e2', cgroupsPath: '/pod/e2', resources }, 77, v2()).catch(
      (e) => e,
    );
    expect(err).toMatchObject({
      code: 'ERR_NSINIT_INVALID_CONFIG',
      message: expect.stringContaining('unified["cpu./../../cgroup.procs"]'),
    });
    expect(writes.filter((w) => w.includes('cgroup.procs'))).toEqual([]);
    expect(readFileSync(join(root, 'cgroup.procs'), 'utf8')).toBe('');
  });

  it('refuses a damaged record instead of opening arbitrary paths', () => {
    expect(() => openCgroup({ version: 2, paths: { unified: 'relative' }, parents: [] })).toThrow(
      /not absolute/,
    );
    expect(() =>
      openCgroup({ version: 1, paths: { memory: '/sys/fs/cgroup/memory/../x' }, parents: [] }),
    ).toThrow(/not absolute/);
    expect(existsSync(root)).toBe(true);
  });
});
