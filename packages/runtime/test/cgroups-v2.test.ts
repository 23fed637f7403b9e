// The v2 manager for real on this host's cgroup2 mount. On a hybrid host (this project's CI) that
// is /sys/fs/cgroup/unified, which offers no controllers: directory creation, process placement,
// the core freezer (cgroup.freeze), core cpu.stat, allowed_devices (a BPF_CGROUP_DEVICE program,
// which needs no controller) and the "controller not available" error run here; limit files are
// covered against a temp-dir root in src/cgroups/v2.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requires, useLeakCheck } from '@nsinit/testkit';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  cgroupsOf,
  freeze,
  freezerState,
  type ManagedCgroup,
  readStats,
  setupCgroups,
  thaw,
} from '../src/cgroups/index.js';
import { findV2Root } from '../src/cgroups/v2.js';
import { type Gated, gated, killAll, sweep } from './cgroup-helpers.js';

useLeakCheck();

const parent = `nsinit-test-v2-${process.pid}`;
let n = 0;
const procs: Gated[] = [];
const handles: ManagedCgroup[] = [];
const v2 = { version: 2 as const };

function ownV2Dir(): string {
  const own = readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m)?.[1] ?? '/';
  return join(findV2Root()!.mountpoint, own);
}

function needV2(ctx: { skip: (note?: string) => void }) {
  requires(ctx, 'root');
  if (!findV2Root()) ctx.skip('no cgroup2 filesystem is mounted');
}

afterEach(async () => {
  for (const cg of handles.splice(0)) await killAll(cg.paths.unified!);
  for (const p of procs.splice(0)) await p.kill();
  if (findV2Root()) sweep(join(ownV2Dir(), parent));
});

async function setup(extra: Record<string, unknown>, pid: number): Promise<ManagedCgroup> {
  const cg = (await setupCgroups({ cgroups: { parent, name: `c${++n}`, ...extra } } as never, pid, v2))!;
  handles.push(cg);
  return cg;
}

describe('cgroup v2 manager (real cgroup2 mount)', () => {
  it('creates the directory under our own v2 cgroup, places the process, and removes both levels', async (ctx) => {
    needV2(ctx);
    const p = gated('sleep 30');
    procs.push(p);
    const cg = await setup({}, p.pid);
    const dir = cg.paths.unified!;
    expect(dir).toBe(join(ownV2Dir(), parent, `c${n}`));
    expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim()).toBe(String(p.pid));
    expect(readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')).toMatch(new RegExp(`^0::.*/${parent}/c${n}$`, 'm'));
    expect(cgroupsOf({ cgroups: { parent, name: `c${n}` } } as never, p.pid, v2)?.paths).toEqual(cg.paths);
    expect(cg.oomKilled()).toBe(false);
    await p.kill();
    await cg.destroy();
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(ownV2Dir(), parent))).toBe(false);
  });

  it('freezes a busy process through cgroup.freeze and reads core cpu.stat', async (ctx) => {
    needV2(ctx);
    const p = gated('while :; do :; done');
    procs.push(p);
    const cg = await setup({}, p.pid);
    p.go();
    await new Promise((r) => setTimeout(r, 100));
    await freeze(cg);
    expect(freezerState(cg)).toBe('FROZEN');
    const usage = () =>
      Number(/usage_usec (\d+)/.exec(readFileSync(join(cg.paths.unified!, 'cpu.stat'), 'utf8'))![1]);
    const frozenAt = usage();
    await new Promise((r) => setTimeout(r, 200));
    expect(usage()).toBe(frozenAt);
    const stats = await readStats(cg, 1);
    expect(stats.freezer_stats.self_state).toBe('FROZEN');
    expect(stats.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
    await thaw(cg);
    expect(freezerState(cg)).toBe('THAWED');
    await new Promise((r) => setTimeout(r, 200));
    expect(usage()).toBeGreaterThan(frozenAt);
    await p.kill();
    await cg.destroy();
  });

  it('enforces allowed_devices with a device program: /dev/null opens, /dev/full (1:7) is EPERM', async (ctx) => {
    needV2(ctx);
    const p = gated(
      'cat /dev/null && echo null-ok >&2; head -c1 /dev/zero >/dev/null && echo zero-ok >&2; exec head -c1 /dev/full',
    );
    procs.push(p);
    const allowed = [
      { type: 99, major_number: 1, minor_number: 3, cgroup_permissions: 'rwm' },
      { type: 99, major_number: 1, minor_number: 5, cgroup_permissions: 'rwm' },
    ];
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(w.code ?? w.message);
    process.on('warning', onWarning);
    onTestFinished(() => {
      process.off('warning', onWarning);
    });
    const cg = await setup({ allow_all_devices: false, allowed_devices: allowed }, p.pid);
    p.go();
    const r = await p.exited;
    expect(r.stderr).toContain('null-ok');
    expect(r.stderr).toContain('zero-ok');
    expect(r.stderr).toMatch(/\/dev\/full.*Operation not permitted/);
    expect(r.code).not.toBe(0);
    await new Promise((res) => setImmediate(res));
    expect(warnings).not.toContain('NSINIT_CGROUP_V2_DEVICES');
    await cg.destroy();
    expect(existsSync(cg.paths.unified!)).toBe(false);
  });

  it('reports a limit whose controller this hierarchy does not offer, leaving nothing behind', async (ctx) => {
    needV2(ctx);
    const offered = readFileSync(join(ownV2Dir(), 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (offered.includes('pids'))
      ctx.skip('this cgroup2 offers pids; the error path needs one that does not');
    const p = gated('sleep 30');
    procs.push(p);
    const err = await setupCgroups(
      { cgroups: { parent, name: 'nopids', pids_limit: 5 } } as never,
      p.pid,
      v2,
    ).catch((e) => e);
    expect(err).toMatchObject({
      code: 'ERR_NSINIT_CGROUP_CONTROLLER',
      message: expect.stringContaining('cgroups.pids_limit: the pids controller is not available'),
    });
    expect(existsSync(join(ownV2Dir(), parent))).toBe(false);
    expect(readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')).not.toContain(parent);
  });
});
