// cgroup v2 device programs (bpf.c): a shell moved into a cgroup2 directory carrying the program
// opens only the devices the rules allow; everything else fails with EPERM at open(2).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeviceFilterRule, native } from '../lib/index.js';
import { isRoot } from './helpers/plan.js';

function cgroup2Mount(): string | null {
  const m = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[f.indexOf('-') + 1] === 'cgroup2');
  return m ? m[4]! : null;
}

const root = cgroup2Mount();
let seq = 0;
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  }
  // A cgroup can be removed once its processes are gone; the kernel then detaches the program.
  for (const d of dirs.splice(0).reverse()) if (existsSync(d)) rmdirSync(d);
});

function makeCgroup(): string {
  const dir = join(root!, `nsinit-test-bpf-${process.pid}-${++seq}`);
  mkdirSync(dir);
  dirs.push(dir);
  return dir;
}

/** Run `script` in a shell that first waits until it has been moved into `dir`. */
async function runIn(dir: string, script: string): Promise<{ code: number | null; out: string }> {
  const child = spawn('/bin/sh', ['-c', `read _; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  writeFileSync(join(dir, 'cgroup.procs'), String(child.pid));
  child.stdin!.end('\n');
  return { code: await exited, out };
}

const rule = (type: 'a' | 'b' | 'c', major: number, minor: number, access = 'rwm', allow = true) =>
  ({ type, major, minor, access, allow }) satisfies DeviceFilterRule;

describe('cgroup v2 device filter (BPF_CGROUP_DEVICE)', () => {
  it('allows c 1:3 and c 1:5 and denies /dev/full (1:7) with EPERM', async (ctx) => {
    if (!isRoot || !root) ctx.skip('needs root and a cgroup2 mount');
    const dir = makeCgroup();
    native.cgroupDeviceFilter(dir, [rule('c', 1, 3), rule('c', 1, 5)]);
    const r = await runIn(
      dir,
      'cat /dev/null && echo null-ok; head -c1 /dev/zero >/dev/null && echo zero-ok; head -c1 /dev/full; echo full-rc=$?',
    );
    expect(r.out).toContain('null-ok');
    expect(r.out).toContain('zero-ok');
    expect(r.out).toMatch(/\/dev\/full.*Operation not permitted/);
    expect(r.out).toContain('full-rc=1');
  });

  it('honours partial access, wildcards, and later rules overriding earlier ones', async (ctx) => {
    if (!isRoot || !root) ctx.skip('needs root and a cgroup2 mount');
    const dir = makeCgroup();
    // /dev/null fully, /dev/zero read-only: a write open asks for w, which the rule lacks
    native.cgroupDeviceFilter(dir, [rule('c', 1, 3), rule('c', 1, 5, 'r')]);
    const r = await runIn(
      dir,
      'head -c1 /dev/zero >/dev/null && echo zero-read-ok; (echo x >/dev/zero) 2>/dev/null || echo zero-write-denied; ' +
        '(: </dev/full) 2>/dev/null || echo full-denied',
    );
    expect(r.out).toContain('zero-read-ok');
    expect(r.out).toContain('zero-write-denied');
    expect(r.out).toContain('full-denied');

    // every char 1:*, then 1:7 denied again by the later rule
    const dir1 = makeCgroup();
    native.cgroupDeviceFilter(dir1, [rule('c', 1, -1), rule('c', 1, 7, 'rwm', false)]);
    const r1 = await runIn(
      dir1,
      '(: </dev/zero) && echo zero-ok; (: </dev/full) 2>/dev/null || echo full-denied; (: </dev/tty) 2>/dev/null || echo tty-denied',
    );
    expect(r1.out).toContain('zero-ok');
    expect(r1.out).toContain('full-denied');
    expect(r1.out).toContain('tty-denied');

    const dir2 = makeCgroup();
    native.cgroupDeviceFilter(dir2, [rule('a', -1, -1), rule('c', 1, 7, 'rwm', false)]);
    const r2 = await runIn(
      dir2,
      '(: </dev/tty) 2>/dev/null; (: </dev/null) && echo null-ok; (: </dev/full) 2>/dev/null || echo full-denied',
    );
    expect(r2.out).toContain('null-ok');
    expect(r2.out).toContain('full-denied');
  });

  it('an empty rule list denies every device', async (ctx) => {
    if (!isRoot || !root) ctx.skip('needs root and a cgroup2 mount');
    const dir = makeCgroup();
    native.cgroupDeviceFilter(dir, []);
    const r = await runIn(dir, '(: </dev/zero) 2>&1 || echo zero-denied');
    expect(r.out).toContain('Operation not permitted');
    expect(r.out).toContain('zero-denied');
  });

  it('reports a missing cgroup directory and malformed rules', () => {
    const missing = join(root ?? '/nonexistent', `nsinit-test-bpf-missing-${process.pid}`);
    expect(() => native.cgroupDeviceFilter(missing, [])).toThrow(
      expect.objectContaining({ code: 'ENOENT', errno: -2, syscall: 'open', path: missing }),
    );
    expect(() => native.cgroupDeviceFilter('/', [rule('c', 1, 3, 'rx')])).toThrow(
      expect.objectContaining({
        code: 'ERR_NSINIT_INVALID_ARG',
        message: expect.stringContaining('rules[0]'),
      }),
    );
    expect(() => native.cgroupDeviceFilter('/', [{ ...rule('c', -2, 3) }])).toThrow(/major must be/);
    expect(() => native.cgroupDeviceFilter('/', [{ ...rule('c', 1, 3), type: 'x' as 'a' }])).toThrow(
      /type must be/,
    );
  });
});
