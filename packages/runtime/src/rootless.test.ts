// Rootless detection (uid_map of the initial user namespace) and the checks on $XDG_RUNTIME_DIR,
// the only place a non-root caller's trusted state may live. No root needed: lstat is injected.
import { describe, expect, it } from 'vitest';
import { inInitialUserNamespace, isRootless, userRuntimeDir } from './rootless.js';

const dir =
  (uid: number, mode: number, kind: 'dir' | 'link' | 'file' = 'dir') =>
  () => ({
    uid,
    mode,
    isDirectory: () => kind === 'dir',
    isSymbolicLink: () => kind === 'link',
  });

describe('rootless detection', () => {
  it('is root only with euid 0 in the initial user namespace', () => {
    const initial = '         0          0 4294967295\n';
    expect(inInitialUserNamespace(initial)).toBe(true);
    expect(isRootless(0, initial)).toBe(false);
    expect(isRootless(1000, initial)).toBe(true);
    // rootless podman: "root" inside its user namespace, mapped to the user and its subuids
    const podman = '         0       1000          1\n         1     100000      65536\n';
    expect(inInitialUserNamespace(podman)).toBe(false);
    expect(isRootless(0, podman)).toBe(true);
  });
});

describe('userRuntimeDir', () => {
  it('accepts the caller’s own private directory', () => {
    expect(userRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000, dir(1000, 0o40700))).toBe(
      '/run/user/1000',
    );
  });

  it('refuses, in one line naming the variable, what another user could control', () => {
    const cases: [NodeJS.ProcessEnv, ReturnType<typeof dir>, RegExp][] = [
      [{}, dir(1000, 0o40700), /^rootless: XDG_RUNTIME_DIR is not set; /],
      [{ XDG_RUNTIME_DIR: 'run/user' }, dir(1000, 0o40700), /is not an absolute path/],
      [{ XDG_RUNTIME_DIR: '/tmp' }, dir(0, 0o41777), /'\/tmp' is owned by uid 0, not by you \(uid 1000\)/],
      [{ XDG_RUNTIME_DIR: '/tmp/x' }, dir(1000, 0o40777), /is writable by others \(mode 777\)/],
      [{ XDG_RUNTIME_DIR: '/tmp/l' }, dir(1000, 0o120777, 'link'), /is a symlink/],
      [{ XDG_RUNTIME_DIR: '/tmp/f' }, dir(1000, 0o100600, 'file'), /is not a directory/],
    ];
    for (const [env, lstat, message] of cases) {
      let err: (Error & { code?: string }) | undefined;
      try {
        userRuntimeDir(env, 1000, lstat);
      } catch (e) {
        err = e as Error & { code?: string };
      }
      expect(err?.code).toBe('ERR_NSINIT_ROOTLESS_STATE');
      expect(err?.message).toMatch(message);
      expect(err?.message).not.toContain('\n');
      expect(err?.message).toContain('export XDG_RUNTIME_DIR=/run/user/1000');
    }
  });
});
