// Identity parsing, class 6 of docs/security-classes.md (CVE-2016-3697: a numeric user resolved as a
// *name*; crun CVE-2026-30892: `-u` parsing ran the wrong user). The image's passwd and group have
// entries literally named "1000" (uid 0) and "0" (uid 1000); every spec runs a real container and
// `id` inside reports the credentials the kernel gave it. Run through the library API (the youki
// CVE-2025-27612 lesson: library users get the same checks as the CLI) and, once, the CLI.
//
// Guard check (scripts/guard-check user-name-first): with user.ts looking a spec up by name before
// parsing it as a number, the '1000' and '0' rows fail (uid 0 and uid 1000 respectively).
import type { ContainerConfig } from '@nsinit/config';
import { open } from '@nsinit/runtime';
import { createNumericPasswdBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

useLeakCheck();

const ID = ['sh', '-c', 'echo "$(id -u) $(id -g) $(id -G)"'];

/** [user spec, `id -u`, `id -g`, `id -G`] */
const RUNS: [string, string][] = [
  ['1000', '1000 1000 1000'], // the uid, never the user named "1000" (uid 0)
  ['0', '0 0 0'], // the uid, never the user named "0" (uid 1000)
  ['0:0', '0 0 0'],
  ['0:1000', '0 1000 1000'], // gid 1000, never the group named "1000" (gid 0)
  ['1000:1000', '1000 1000 1000'],
  ['nobody', '65534 65534 65534'],
  ['user', '1000 1000 1000 50'], // supplementary: staff lists user
  ['svc:staff', '2000 50 50'], // staff by name; supplementary groups of svc: staff
  ['4242', '4242 0 0'], // numeric and absent from passwd: used as given, gid 0 (2014)
  ['4294967294:4294967294', '4294967294 4294967294 4294967294'], // the largest valid ids
];

/** [user spec, error code, message] */
const REFUSED: [string, string, RegExp][] = [
  ['4294967295', 'ERR_NSINIT_INVALID_CONFIG', /uid '4294967295' is out of range/], // (uid_t)-1
  ['99999999999999999999', 'ERR_NSINIT_INVALID_CONFIG', /out of range/],
  ['0:4294967295', 'ERR_NSINIT_INVALID_CONFIG', /gid '4294967295' is out of range/],
  ['ghost', 'ERR_NSINIT_UNKNOWN_USER', /no user 'ghost' in the container's \/etc\/passwd/],
  ['user:ghost', 'ERR_NSINIT_UNKNOWN_USER', /no group 'ghost' in the container's \/etc\/group/],
  ['-1', 'ERR_NSINIT_UNKNOWN_USER', /no user '-1'/],
  [' 0', 'ERR_NSINIT_UNKNOWN_USER', /no user ' 0'/],
  ['0x10', 'ERR_NSINIT_UNKNOWN_USER', /no user '0x10'/],
  ['root:x:0', 'ERR_NSINIT_INVALID_CONFIG', /'root:x:0' is not a user spec/], // a name with ':'
  [':0', 'ERR_NSINIT_INVALID_CONFIG', /has a group but no user/],
  ['user:', 'ERR_NSINIT_INVALID_CONFIG', /has an empty group/],
];

async function idOf(dir: string, config: ContainerConfig): Promise<string> {
  const container = await open(dir, { config });
  const proc = await container.exec(ID, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const result = await proc.wait();
  expect(result).toMatchObject({ exitCode: 0 });
  return out.trim();
}

describe('user specs against a passwd with numeric names', () => {
  it('runs each spec as exactly the uid, gid and groups it names', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createNumericPasswdBundle({ config: (c) => void delete c.networks });
    for (const [user, expected] of RUNS) {
      expect({ user, id: await idOf(bundle.dir, { ...bundle.config, user }) }).toEqual({
        user,
        id: expected,
      });
    }
  });

  it('refuses malformed, unknown and out-of-range specs before anything runs', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createNumericPasswdBundle({ config: (c) => void delete c.networks });
    for (const [user, code, message] of REFUSED) {
      const container = await open(bundle.dir, { config: { ...bundle.config, user } });
      const err = await container.exec(ID, { stdio: 'ignore' }).then(
        () => null,
        (e: { code: string; message: string }) => e,
      );
      expect({ user, code: err?.code }).toEqual({ user, code });
      expect(err?.message).toMatch(message);
    }
  });

  it('the CLI resolves "1000" as uid 1000 for a new container and for a join', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createNumericPasswdBundle({
      config: (c) => {
        delete c.networks;
        c.user = '1000';
      },
    });
    const started = await runCli(['exec', ...ID], { cwd: bundle.dir });
    expect(started).toMatchObject({ exitCode: 0, stdout: '1000 1000 1000\n', stderr: '' });
    // A join compiles the same identity step: keep PID 1 alive and exec into it.
    const container = await open(bundle.dir);
    const init = await container.run(['sleep', '100'], { stdio: 'ignore' });
    try {
      const joined = await runCli(['exec', ...ID], { cwd: bundle.dir });
      expect(joined).toMatchObject({ exitCode: 0, stdout: '1000 1000 1000\n', stderr: '' });
    } finally {
      init.kill('SIGKILL');
      await init.wait();
    }
  });
});
