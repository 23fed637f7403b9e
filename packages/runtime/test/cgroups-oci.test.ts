// OCI linux.resources on the real kernel: every v1 file written for a gated host process (absolute
// and default cgroupsPath, update, runc-shaped stats, freeze, signal-all, removal), the limits'
// effect on real containers (memory OOM, pids.max, CFS quota) placed in their OCI cgroup at the
// lifecycle's before-GO point, and hugetlb on this host's cgroup2 mount (the one v2 controller).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  cgroupPids,
  cgroupRecord,
  createOciCgroup,
  destroyCgroup,
  freeze,
  freezerState,
  type ManagedCgroup,
  openCgroup,
  type Resources,
  readRuncStats,
  resourcesFromOci,
  resourcesFromUpdateFlags,
  runcStatsEvent,
  signalAll,
  thaw,
  updateCgroup,
} from '../src/cgroups/index.js';
import { findV2Root } from '../src/cgroups/v2.js';
import { exec } from '../src/index.js';
import { type Gated, gated, killAll, ownV1Dir, sweep } from './cgroup-helpers.js';

useLeakCheck();

// The lifecycle's pause points are a no-op outside the CLI's test build; this file holds real
// containers at before-GO through them (runInOciCgroup), so it uses the test implementation.
vi.mock('../src/pause-points.js', () => import('../src/test-pause.js'));

const top = `nsinit-test-oci-${process.pid}`;
let n = 0;
const procs: Gated[] = [];
const handles: ManagedCgroup[] = [];
const V1 = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'pids', 'blkio'];

afterEach(async () => {
  for (const cg of handles.splice(0)) for (const dir of Object.values(cg.paths)) await killAll(dir);
  for (const p of procs.splice(0)) await p.kill();
  for (const ctrl of V1) {
    sweep(join('/sys/fs/cgroup', ctrl, top));
    sweep(join(ownV1Dir(ctrl), top));
  }
});

async function create(resources: Resources, pid: number, cgroupsPath?: string, id = `c${++n}`) {
  const cg = await createOciCgroup({ id, cgroupsPath, resources }, pid);
  handles.push(cg);
  return cg;
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();

/** This host's root disk (major:minor), for real blkio throttle rules. */
function rootDisk(): string {
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === '/');
  const dev = line?.split(' ')[2] ?? '0:0';
  // A partition's throttle goes on its disk; this host mounts the whole disk (vda), so use it as is.
  return dev;
}

describe('OCI resources on cgroup v1 (real kernel)', () => {
  it('writes every field to its file under an absolute cgroupsPath, reads stats, updates, and removes it all', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = gated('sleep 30');
    procs.push(p);
    const [major, minor] = rootDisk().split(':').map(Number);
    const resources = resourcesFromOci({
      memory: {
        limit: 64 << 20,
        reservation: 32 << 20,
        swap: 96 << 20,
        swappiness: 10,
        disableOOMKiller: true,
      },
      cpu: { shares: 512, quota: 20000, period: 100000, cpus: '0', mems: '0' },
      pids: { limit: 16 },
      blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }] },
      devices: [{ allow: false, access: 'rwm' }],
    });
    const cg = await create(resources, p.pid, `/${top}/pod/c1`);
    for (const ctrl of ['memory', 'cpu', 'cpuset', 'pids', 'blkio', 'devices', 'freezer']) {
      expect(cg.paths[ctrl]).toBe(join('/sys/fs/cgroup', ctrl, top, 'pod/c1'));
      expect(read(cg.paths[ctrl]!, 'cgroup.procs')).toBe(String(p.pid));
    }
    const mem = cg.paths.memory!;
    expect(read(mem, 'memory.limit_in_bytes')).toBe(String(64 << 20));
    expect(read(mem, 'memory.soft_limit_in_bytes')).toBe(String(32 << 20));
    expect(read(mem, 'memory.memsw.limit_in_bytes')).toBe(String(96 << 20));
    expect(read(mem, 'memory.swappiness')).toBe('10');
    expect(read(mem, 'memory.oom_control')).toMatch(/^oom_kill_disable 1$/m);
    expect(read(cg.paths.cpu!, 'cpu.shares')).toBe('512');
    expect(read(cg.paths.cpu!, 'cpu.cfs_quota_us')).toBe('20000');
    expect(read(cg.paths.cpuset!, 'cpuset.cpus')).toBe('0');
    expect(read(cg.paths.pids!, 'pids.max')).toBe('16');
    expect(read(cg.paths.blkio!, 'blkio.throttle.read_bps_device')).toBe(`${major}:${minor} 1048576`);
    // runc's default devices follow the config's deny-all.
    expect(read(cg.paths.devices!, 'devices.list').split('\n')).toEqual(
      expect.arrayContaining(['c 1:3 rwm', 'c 136:* rwm', 'c *:* m']),
    );
    expect(read(cg.paths.devices!, 'devices.list')).not.toMatch(/^a /m);

    // Reopened from its record, as a later nsinit-oci command does.
    const again = openCgroup(JSON.parse(JSON.stringify(cgroupRecord(cg))));
    expect(cgroupPids(again)).toEqual([p.pid]);
    const stats = readRuncStats(again);
    expect(stats.pids).toEqual({ current: 1n, limit: 16n });
    expect(stats.memory.usage.limit).toBe(BigInt(64 << 20));
    const event = JSON.parse(runcStatsEvent('c1', stats));
    expect(event).toMatchObject({ type: 'stats', id: 'c1', data: { pids: { current: 1, limit: 16 } } });

    // runc update flags: memory grows past the old memsw (memsw must go first), quota and pids change.
    updateCgroup(
      again,
      resourcesFromUpdateFlags({
        memory: '128m',
        'memory-swap': '256m',
        'cpu-quota': '30000',
        'pids-limit': '-1',
      }),
    );
    expect(read(mem, 'memory.limit_in_bytes')).toBe(String(128 << 20));
    expect(read(mem, 'memory.memsw.limit_in_bytes')).toBe(String(256 << 20));
    expect(read(cg.paths.cpu!, 'cpu.cfs_quota_us')).toBe('30000');
    expect(read(cg.paths.cpu!, 'cpu.cfs_period_us')).toBe('100000');
    expect(read(cg.paths.pids!, 'pids.max')).toBe('max');
    // ... and shrinks again below the current memsw (memory first).
    updateCgroup(again, resourcesFromUpdateFlags({ memory: '32m', 'memory-swap': '48m' }));
    expect(read(mem, 'memory.limit_in_bytes')).toBe(String(32 << 20));
    expect(read(mem, 'memory.memsw.limit_in_bytes')).toBe(String(48 << 20));
    expect(() => updateCgroup(again, resourcesFromUpdateFlags({ 'cpu-quota': '5' }))).toThrow(
      /^--cpu-quota: 5 is below the kernel's minimum/,
    );

    await freeze(again);
    expect(freezerState(again)).toBe('FROZEN');
    await thaw(again);
    await signalAll(again, 'SIGTERM');
    expect(await p.exited).toMatchObject({ signal: 'SIGTERM' });
    await destroyCgroup(again);
    for (const ctrl of V1) expect(existsSync(join('/sys/fs/cgroup', ctrl, top))).toBe(false);
  });

  it('puts an absent cgroupsPath at <own cgroup>/<id> and a relative one below our own cgroup', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = gated('sleep 30');
    procs.push(p);
    const cg = await create({}, p.pid, undefined, top);
    expect(cg.paths.memory).toBe(join(ownV1Dir('memory'), top));
    expect(cg.paths.pids).toBe(join(ownV1Dir('pids'), top));
    const q = gated('sleep 30');
    procs.push(q);
    const rel = await create({}, q.pid, `${top}/rel/c2`);
    expect(rel.paths.freezer).toBe(join(ownV1Dir('freezer'), top, 'rel/c2'));
    await p.kill();
    await q.kill();
    await destroyCgroup(rel);
    await destroyCgroup(cg);
    expect(existsSync(join(ownV1Dir('memory'), top))).toBe(false);
  });

  it('refuses fields this host cannot apply by name, before creating anything', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = gated('sleep 30');
    procs.push(p);
    const attempt = (r: object) => create(resourcesFromOci(r), p.pid, `/${top}/bad`).catch((e) => e);
    const noHugetlb = !readFileSync('/proc/self/mountinfo', 'utf8').includes(' cgroup rw,hugetlb');
    if (noHugetlb) {
      expect(await attempt({ hugepageLimits: [{ pageSize: '2MB', limit: 0 }] })).toMatchObject({
        code: 'ERR_NSINIT_CGROUP_CONTROLLER',
        message: 'linux.resources.hugepageLimits[0]: the hugetlb cgroup controller is not mounted',
      });
    }
    expect(await attempt({ unified: { 'memory.high': '1' } })).toMatchObject({
      code: 'ERR_NSINIT_INVALID_CONFIG',
      message: 'linux.resources.unified: is only available on cgroup v2 (this host uses cgroup v1)',
    });
    // blk-mq without BFQ has neither blkio.bfq.weight nor blkio.weight: nothing is written at all.
    if (
      !existsSync('/sys/fs/cgroup/blkio/blkio.weight') &&
      !existsSync('/sys/fs/cgroup/blkio/blkio.bfq.weight')
    ) {
      expect(await attempt({ pids: { limit: 3 }, blockIO: { weight: 100 } })).toMatchObject({
        code: 'ERR_NSINIT_CGROUP_CONTROLLER',
        message: expect.stringMatching(
          /^linux\.resources\.blockIO\.weight: .*blkio\.bfq\.weight does not exist/,
        ),
      });
    }
    for (const ctrl of V1) expect(existsSync(join('/sys/fs/cgroup', ctrl, top))).toBe(false);
  });

  it('kills every process, sub-cgroups included, when a container is deleted with processes left', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = gated('sleep 30 & sleep 30 & wait');
    procs.push(p);
    const cg = await create({}, p.pid, `/${top}/k1`);
    p.go();
    const deadline = Date.now() + 5000;
    while (cgroupPids(cg).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(cgroupPids(cg)).toHaveLength(3);
    // A container that made a cgroup of its own below ours, and moved a process into it.
    const sub = join(cg.paths.pids!, 'inner');
    mkdirSync(sub);
    writeFileSync(join(sub, 'cgroup.procs'), String(cgroupPids(cg).find((x) => x !== p.pid)));
    expect(read(sub, 'cgroup.procs')).toMatch(/^\d+$/);
    await destroyCgroup(cg);
    expect(await p.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(existsSync(join('/sys/fs/cgroup/pids', top))).toBe(false);
  });
});

/** A real container from a testkit bundle, held at the lifecycle's before-GO point (the same point
 *  nsinit-oci create applies resources) while its OCI cgroup is created, then run to the end. */
async function runInOciCgroup(resources: Resources, argv: string[]) {
  const b = await createBundle({
    config: (c) => {
      c.networks = [];
      delete (c as { cgroups?: unknown }).cgroups;
    },
  });
  const gate = join(mkdtempSync(join(tmpdir(), 'nsinit-oci-gate-')), 'pid');
  onTestFinished(() => rmSync(join(gate, '..'), { recursive: true, force: true }));
  const saved = process.env.NSINIT_TEST_PAUSE;
  process.env.NSINIT_TEST_PAUSE = `before-go:${gate}`;
  let cg: ManagedCgroup | null = null;
  try {
    const started = exec(b.dir, argv, { stdio: 'pipe' });
    const deadline = Date.now() + 10_000;
    while (!existsSync(gate) || readFileSync(gate, 'utf8') === '') {
      if (Date.now() > deadline) throw new Error('the container never reached before-go');
      await new Promise((r) => setTimeout(r, 10));
    }
    cg = await create(resources, Number(readFileSync(gate, 'utf8')), `/${top}/ct${++n}`);
    unlinkSync(gate);
    const proc = await started;
    proc.stdin?.end();
    let out = '';
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    // Throttled periods, sampled while it runs (the cgroup is read before it is removed).
    let throttled = 0n;
    let running = true;
    const sampler = (async () => {
      while (running) {
        throttled = readRuncStats(cg!).cpu.throttling.throttledPeriods ?? throttled;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const result = await proc.wait();
    running = false;
    await sampler;
    throttled = readRuncStats(cg).cpu.throttling.throttledPeriods ?? throttled;
    return { ...result, out, oom: cg.oomKilled(), throttled };
  } finally {
    if (saved === undefined) delete process.env.NSINIT_TEST_PAUSE;
    else process.env.NSINIT_TEST_PAUSE = saved;
    if (cg) await destroyCgroup(cg);
  }
}

describe('OCI resources on real containers (cgroup v1)', () => {
  it('OOM-kills a container over memory.limit (swap equal to the limit: no swap)', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1', 'busybox');
    const r = resourcesFromOci({ memory: { limit: 16 << 20, swap: 16 << 20 } });
    const ok = await runInOciCgroup(r, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1M', 'count=4']);
    expect(ok).toMatchObject({ exitCode: 0, oom: false });
    const big = await runInOciCgroup(r, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    expect(big).toMatchObject({ signal: 'SIGKILL', oom: true });
  });

  it('stops forks at pids.limit inside the container', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1', 'busybox');
    const r = resourcesFromOci({ pids: { limit: 4 } });
    const res = await runInOciCgroup(r, [
      'sh',
      '-c',
      'n=0; for i in 1 2 3 4 5 6 7 8; do sleep 1 & n=$((n+1)); done; wait; echo done',
    ]);
    expect(res.out).toMatch(/can't fork|resource temporarily unavailable/i);
  });

  it('throttles a busy container to cpu.quota', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1', 'busybox');
    // The kernel's minimum quota (1 ms per 100 ms): throttled in any period it runs more than 1 ms,
    // however loaded the machine is.
    const r = resourcesFromOci({ cpu: { quota: 1000, period: 100000 } });
    const res = await runInOciCgroup(r, [
      'sh',
      '-c',
      'end=$(( $(date +%s) + 3 )); while [ $(date +%s) -lt $end ]; do :; done',
    ]);
    expect(res.exitCode).toBe(0);
    expect(res.throttled).toBeGreaterThan(0n);
  });
});

describe("OCI hugepageLimits on this host's cgroup2 mount", () => {
  it('writes hugetlb.<size>.max through the v2 writer and removes the cgroup', async (ctx) => {
    requires(ctx, 'root');
    const v2root = findV2Root();
    if (!v2root) return ctx.skip('no cgroup2 filesystem is mounted');
    const offered = read(v2root.mountpoint, 'cgroup.controllers').split(/\s+/);
    if (!offered.includes('hugetlb')) return ctx.skip('the cgroup2 mount offers no hugetlb controller');
    if (!existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) return ctx.skip('no 2MB huge pages');
    const before = read(v2root.mountpoint, 'cgroup.subtree_control');
    onTestFinished(async () => {
      await killAll(join(v2root.mountpoint, top, 'h1'));
      sweep(join(v2root.mountpoint, top));
      // Enabling hugetlb for the root's children is ours to undo when it was off before.
      if (!before.split(/\s+/).includes('hugetlb')) {
        try {
          writeFileSync(join(v2root.mountpoint, 'cgroup.subtree_control'), '-hugetlb');
        } catch {
          // another cgroup enabled it below meanwhile: leave it on
        }
      }
    });
    const p = gated('sleep 30');
    procs.push(p);
    const cg = await createOciCgroup(
      {
        id: 'h',
        cgroupsPath: `/${top}/h1`,
        resources: resourcesFromOci({ hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }] }),
      },
      p.pid,
      { version: 2 },
    );
    expect(cg.paths.unified).toBe(join(v2root.mountpoint, top, 'h1'));
    expect(read(cg.paths.unified!, 'hugetlb.2MB.max')).toBe('4194304');
    expect(readRuncStats(cg).hugetlb['2MB']).toEqual({ failcnt: 0n });
    await p.kill();
    await destroyCgroup(cg);
    expect(existsSync(join(v2root.mountpoint, top))).toBe(false);
  });
});
