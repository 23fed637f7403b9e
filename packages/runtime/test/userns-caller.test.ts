// User namespaces started by an unprivileged caller (the user scripts/setup creates, with a range
// in /etc/subuid and /etc/subgid): a map of its own id written by the runtime itself with
// setgroups denied, a subordinate range written through newuidmap/newgidmap (chown inside lands
// on the mapped host id), and a range the helpers refuse reported naming the field. The
// container is started by a fixture run as that user (fixtures/userns-caller.mjs).
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, type TestContext } from 'vitest';

useLeakCheck();

const USER = 'nsinit-rootless';
const FIXTURE = join(import.meta.dirname, 'fixtures', 'userns-caller.mjs');

interface Caller {
  uid: number;
  gid: number;
  sub: { uid: number; gid: number; count: number } | null;
}

function caller(): Caller | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${USER}:`));
  if (!line) return null;
  const [, , uid, gid] = line.split(':');
  const range = (file: string) => {
    const entry = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${USER}:`));
    return entry ? entry.split(':').map(Number) : null;
  };
  const su = range('/etc/subuid');
  const sg = range('/etc/subgid');
  return {
    uid: Number(uid),
    gid: Number(gid),
    sub: su && sg ? { uid: su[1]!, gid: sg[1]!, count: Math.min(su[2]!, sg[2]!) } : null,
  };
}

function needCaller(ctx: TestContext): Caller {
  requires(ctx, 'root', 'busybox');
  const c = caller();
  if (!c?.sub) ctx.skip(`needs the unprivileged user '${USER}' with a subuid/subgid range (scripts/setup)`);
  return c!;
}

type Map = { containerID: number; hostID: number; size: number }[];

async function runAs(
  c: Caller,
  dir: string,
  maps: { uid: Map; gid: Map },
  script: string,
  joinScript?: string,
) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [FIXTURE, dir, JSON.stringify(maps), script, ...(joinScript === undefined ? [] : [joinScript])],
    {
      uid: c.uid,
      gid: c.gid,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/' },
      timeout: 20_000,
    },
  );
  return JSON.parse(stdout) as {
    output?: string;
    error?: string;
    failure?: unknown;
    exit?: { exitCode: number | null };
  };
}

const lines = (s: string | undefined) =>
  (s ?? '')
    .trim()
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '));

describe('user namespaces of an unprivileged caller', () => {
  it('maps its own id itself, with setgroups denied; what container root creates is the caller own', async (ctx) => {
    const c = needCaller(ctx);
    const bundle = await createBundle();
    const own = (id: number): Map => [{ containerID: 0, hostID: id, size: 1 }];
    const r = await runAs(
      c,
      bundle.dir,
      { uid: own(c.uid), gid: own(c.gid) },
      'cat /proc/self/uid_map /proc/self/setgroups; id -u; touch /tmp/mine',
    );
    expect(r.error).toBeUndefined();
    expect(r.exit?.exitCode).toBe(0);
    expect(lines(r.output)).toEqual([`0 ${c.uid} 1`, 'deny', '0']);
    expect(statSync(bundle.path('tmp/mine'))).toMatchObject({ uid: c.uid, gid: c.gid });
  });

  it('maps a subordinate range through newuidmap/newgidmap: chown inside lands on the mapped host id', async (ctx) => {
    const c = needCaller(ctx);
    const bundle = await createBundle();
    const sub = c.sub!;
    const maps = {
      uid: [
        { containerID: 0, hostID: c.uid, size: 1 },
        { containerID: 1, hostID: sub.uid, size: sub.count },
      ],
      gid: [
        { containerID: 0, hostID: c.gid, size: 1 },
        { containerID: 1, hostID: sub.gid, size: sub.count },
      ],
    };
    const r = await runAs(
      c,
      bundle.dir,
      maps,
      'cat /proc/self/setgroups; touch /tmp/f && chown 1000:1000 /tmp/f && echo ok',
    );
    expect(r.error).toBeUndefined();
    expect(r.exit?.exitCode).toBe(0);
    expect(lines(r.output)).toEqual(['allow', 'ok']);
    // Container id 1000 is the 1000th id of the second line: sub + 999.
    expect(statSync(bundle.path('tmp/f'))).toMatchObject({ uid: sub.uid + 999, gid: sub.gid + 999 });
  });

  it('reports a range it may not map naming the field, and starts nothing', async (ctx) => {
    const c = needCaller(ctx);
    const bundle = await createBundle();
    const r = await runAs(
      c,
      bundle.dir,
      { uid: [{ containerID: 0, hostID: 5000, size: 1 }], gid: [{ containerID: 0, hostID: c.gid, size: 1 }] },
      'true',
    );
    expect(r.error).toMatch(/^invalid config: \/linux\/uidMappings: newuidmap refused the map .*not allowed/);
    expect(r.exit).toBeUndefined();
  });

  it('a join into its container enters the user namespace and keeps setgroups denied', async (ctx) => {
    const c = needCaller(ctx);
    const bundle = await createBundle();
    const own = (id: number): Map => [{ containerID: 0, hostID: id, size: 1 }];
    const r = await runAs(
      c,
      bundle.dir,
      { uid: own(c.uid), gid: own(c.gid) },
      '',
      'cat /proc/self/uid_map /proc/self/setgroups; id -u; touch /tmp/joined',
    );
    expect(r.error).toBeUndefined();
    expect(r.failure).toBeNull();
    expect(r.exit?.exitCode).toBe(0);
    expect(lines(r.output)).toEqual([`0 ${c.uid} 1`, 'deny', '0']);
    expect(statSync(bundle.path('tmp/joined'))).toMatchObject({ uid: c.uid, gid: c.gid });
  });
});
