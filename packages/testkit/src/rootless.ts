// Running nsinit and nsinit-oci as the unprivileged user scripts/setup creates (`nsinit-rootless`,
// with /etc/subuid and /etc/subgid ranges) from a root test: setuid/setgid with no groups
// (credentials(7)), a fresh environment whose XDG_RUNTIME_DIR and HOME are private temp directories
// (its trusted state goes there), bundles it owns, and no process of it outliving a test.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerWithTest } from './bundle.js';
import { TestkitError } from './errors.js';

export const ROOTLESS_USER = 'nsinit-rootless';

export interface IdRange {
  start: number;
  count: number;
}

export interface RootlessUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** Its first range in /etc/subuid and /etc/subgid (newuidmap/newgidmap check them). */
  subuid: IdRange | null;
  subgid: IdRange | null;
}

function subRange(file: string, name: string, id: number): IdRange | null {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [who, start, count] = line.split(':');
    if ((who === name || who === String(id)) && start && count)
      return { start: Number(start), count: Number(count) };
  }
  return null;
}

/** The rootless test user from /etc/passwd, or null when scripts/setup has not created it. */
export function rootlessUser(name = ROOTLESS_USER): RootlessUser | null {
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) return null;
  const [, , uid, gid, , home] = line.split(':');
  const u = Number(uid);
  return {
    name,
    uid: u,
    gid: Number(gid),
    home: home ?? '/',
    subuid: subRange('/etc/subuid', name, u),
    subgid: subRange('/etc/subgid', name, u),
  };
}

/** Why the rootless cases cannot run here, or null. */
export function rootlessProblem(): string | null {
  const user = rootlessUser();
  if (!user) return `needs the unprivileged user '${ROOTLESS_USER}' (scripts/setup creates it)`;
  if (!user.subuid || !user.subgid) return `'${ROOTLESS_USER}' has no range in /etc/subuid or /etc/subgid`;
  return null;
}

/** What a rootless test runs with: the user, its private runtime directory and environment. */
export interface RootlessSession {
  user: RootlessUser;
  /** XDG_RUNTIME_DIR: a 0700 temp directory the user owns (its nsinit state goes below it). */
  runtimeDir: string;
  env: NodeJS.ProcessEnv;
  /** spawn options that run a command as the user. */
  spawn: { uid: number; gid: number; env: NodeJS.ProcessEnv };
  /** chown -R a tree to the user (a rootfs the user runs must be its own). */
  own(path: string): void;
  /** Kills what the user still runs (a failed test's leftovers) and removes the runtime
   *  directory; throws naming the processes when there were any. Registered with the test. */
  cleanup(): Promise<void>;
}

/** Live processes of `uid` as "pid comm" (zombies included: they are somebody's leak too). */
export function processesOf(uid: number): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (Number(real) !== uid) continue;
      out.push(`${name} ${/^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?'}`);
    } catch {
      // exited while we listed
    }
  }
  return out;
}

export async function rootlessSession(): Promise<RootlessSession> {
  const problem = rootlessProblem();
  if (problem) throw new TestkitError(problem, { code: 'ERR_NSINIT_TEST_ROOTLESS' });
  const user = rootlessUser()!;
  const before = new Set(processesOf(user.uid));
  const base = mkdtempSync(join(tmpdir(), 'nsinit-rootless-'));
  chmodSync(base, 0o755);
  const runtimeDir = join(base, 'run');
  execFileSync('install', ['-d', '-m', '0700', '-o', String(user.uid), '-g', String(user.gid), runtimeDir]);
  const cache = join(base, 'cache');
  execFileSync('install', ['-d', '-m', '0700', '-o', String(user.uid), '-g', String(user.gid), cache]);
  // HOME too: what tools write there (podman's blob cache and CNI lock) goes with the session.
  const home = join(base, 'home');
  execFileSync('install', ['-d', '-m', '0700', '-o', String(user.uid), '-g', String(user.gid), home]);
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    USER: user.name,
    LOGNAME: user.name,
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_CACHE_HOME: cache,
    LANG: 'C.UTF-8',
  };
  let done = false;
  const session: RootlessSession = {
    user,
    runtimeDir,
    env,
    spawn: { uid: user.uid, gid: user.gid, env },
    own(path) {
      execFileSync('chown', ['-R', '-h', `${user.uid}:${user.gid}`, path]);
      chownSync(path, user.uid, user.gid);
    },
    async cleanup() {
      if (done) return;
      done = true;
      // Its processes first (a rootless container of a failed test), then its files. What an
      // engine's monitors (conmon) are still finishing gets a few seconds to exit on its own.
      let leaked = processesOf(user.uid).filter((p) => !before.has(p));
      for (let waited = 0; leaked.length > 0 && waited < 5000; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
        leaked = processesOf(user.uid).filter((p) => !before.has(p));
      }
      for (let i = 0, left = leaked; i < 20 && left.length > 0; i++) {
        for (const p of left) {
          try {
            process.kill(Number(p.split(' ')[0]), 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await new Promise((r) => setTimeout(r, 50));
        left = processesOf(user.uid).filter((p) => !before.has(p));
      }
      rmSync(base, { recursive: true, force: true });
      if (leaked.length > 0)
        throw new TestkitError(`processes of ${user.name} outlived the test: ${leaked.join(', ')}`, {
          code: 'ERR_NSINIT_TEST_LEAK',
        });
    },
  };
  await registerWithTest(() => session.cleanup());
  return session;
}
