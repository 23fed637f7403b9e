// The 2014 sample container.json (libcontainer v1.0.1), run through the real CLI under a
// pseudo-terminal (it has tty: true): hostname, capabilities, read-only /proc/sys, device nodes
// and the pid file's lifetime, each checked from inside and outside the container.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { CAPABILITY_NAMES, type ContainerConfig } from '@nsinit/config';
import {
  createBundle,
  nsinitBin,
  REFERENCE_MISSING,
  referenceFile,
  requires,
  useLeakCheck,
} from '@nsinit/testkit';
import { describe, expect, it, type TestContext } from 'vitest';
import { alive, PROMPT, parseCaps, ptySession, waitForPid } from './helpers.js';

const SAMPLE = referenceFile();

useLeakCheck();

/** The sample minus its veth network: it needs a host bridge docker0, and tests never touch the
 *  host's network. Its cgroups (docker/docker-koye with the device whitelist) are kept. */
async function sampleBundle(ctx: TestContext) {
  requires(ctx, 'root', 'busybox');
  if (SAMPLE === null) return ctx.skip(REFERENCE_MISSING);
  const sample = JSON.parse(readFileSync(SAMPLE, 'utf8')) as ContainerConfig;
  return createBundle({
    config: () => {
      const c = structuredClone(sample);
      c.networks = (c.networks ?? []).filter((n) => n.type !== 'veth');
      return c;
    },
  });
}

/** Run `nsinit exec <args>` in the bundle under a pty; returns output (CRLF → LF) and status. */
async function execInPty(dir: string, args: string[]) {
  const session = ptySession(nsinitBin, ['exec', ...args], { cwd: dir });
  const status = await session.exit();
  // Two ptys in a row each turn \n into \r\n (ONLCR): compare lines, not carriage returns.
  return { ...status, output: session.output().replace(/\r+\n/g, '\n') };
}

describe('the 2014 sample container', () => {
  it('runs hostname and prints koye', async (ctx) => {
    const bundle = await sampleBundle(ctx);
    const r = await execInPty(bundle.dir, ['hostname']);
    expect(r).toMatchObject({ exitCode: 0, output: 'koye\n' });
  });

  it('has exactly its capability list, and nothing inheritable', async (ctx) => {
    const bundle = await sampleBundle(ctx);
    const r = await execInPty(bundle.dir, ['grep', '^Cap', '/proc/self/status']);
    expect(r.exitCode).toBe(0);
    const caps = parseCaps(r.output);
    let want = 0n;
    for (const name of bundle.config.capabilities ?? []) want |= 1n << BigInt(CAPABILITY_NAMES.indexOf(name));
    expect(want).not.toBe(0n);
    expect(caps.CapEff).toBe(want);
    expect(caps.CapPrm).toBe(want);
    expect(caps.CapBnd).toBe(want);
    expect(caps.CapInh).toBe(0n);
    expect(caps.CapAmb).toBe(0n);
  });

  it('mounts /proc/sys read-only (restrictions) and masks /proc/kcore', async (ctx) => {
    const bundle = await sampleBundle(ctx);
    const r = await execInPty(bundle.dir, [
      'sh',
      '-c',
      'if echo x > /proc/sys/kernel/hostname; then echo WROTE; else echo DENIED; fi 2>/dev/null; ' +
        'grep -E " /proc/sys | /sys " /proc/self/mountinfo; [ -e /proc/kcore ] && wc -c < /proc/kcore',
    ]);
    // The exit status is the kcore probe's: the masked file reads empty where the kernel has one.
    const kcore = existsSync('/proc/kcore');
    expect(r.exitCode).toBe(kcore ? 0 : 1);
    expect(r.output).toMatch(/^DENIED$/m);
    const lines = r.output.split('\n').filter((l) => / \/proc\/sys | \/sys /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line.split(' ')[5]!.split(',')).toContain('ro');
    if (kcore) expect(r.output).toMatch(/^\s*0$/m);
  });

  it('creates its device nodes with their modes', async (ctx) => {
    const bundle = await sampleBundle(ctx);
    const r = await execInPty(bundle.dir, [
      'stat',
      '-c',
      '%n %F %a %t:%T',
      '/dev/null',
      '/dev/zero',
      '/dev/full',
      '/dev/tty',
      '/dev/urandom',
      '/dev/random',
      '/dev/fuse',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.output.trim().split('\n')).toEqual([
      '/dev/null character special file 666 1:3',
      '/dev/zero character special file 666 1:5',
      '/dev/full character special file 666 1:7',
      '/dev/tty character special file 666 5:0',
      '/dev/urandom character special file 666 1:9',
      '/dev/random character special file 666 1:8',
      // no file_mode in the sample: created 0000, exactly as 2014 did
      '/dev/fuse character special file 0 a:e5',
    ]);
    // fuse is created but not in the devices cgroup whitelist: even root cannot open it.
    const fuse = await execInPty(bundle.dir, ['sh', '-c', 'cat /dev/fuse; head -c 3 /dev/zero | wc -c']);
    expect(fuse.output).toMatch(/can't open '\/dev\/fuse': Operation not permitted\n\s*3\n$/);
  });

  it('keeps the pid file exactly while the container lives', async (ctx) => {
    const bundle = await sampleBundle(ctx);
    expect(existsSync(bundle.path('pid'))).toBe(false);
    const session = ptySession(nsinitBin, ['exec', '/bin/sh'], { cwd: bundle.dir });
    const pid = await waitForPid(bundle.dir);
    await session.expect(PROMPT);
    // The pid is the container's init: alive, in other namespaces, with the recorded start time.
    expect(alive(pid)).toBe(true);
    expect(readlinkSync(`/proc/${pid}/ns/uts`)).not.toBe(readlinkSync('/proc/self/ns/uts'));
    const start = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    expect(readFileSync(bundle.path('start'), 'utf8')).toBe(start);
    expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toMatch(
      /^\d+:devices:\/docker\/docker-koye-[0-9a-f]+$/m,
    );
    session.write('echo pid-is-$$\r');
    await session.expect(/pid-is-1/);
    session.write('exit\r');
    expect(await session.exit()).toEqual({ exitCode: 0, signal: null });
    expect(alive(pid)).toBe(false);
    expect(existsSync(bundle.path('pid'))).toBe(false);
    expect(existsSync(bundle.path('start'))).toBe(false);
  });
});
