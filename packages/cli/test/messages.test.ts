// What a user reads, for real: config warnings on every command (also from the cache), --strict,
// every config error, the `nsinit spec` hint, exec failures in plain words, the rootless state check for an
// unprivileged user, an unenterable working_dir, and the version with the bundle's commit.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OCI_VERSION } from '@nsinit/config';
import { createBundle, nsinitBin, requires, runCli, runCommand, useLeakCheck } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { background, plain, waitForPid } from './helpers.js';

useLeakCheck();

let cacheDir: string;
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'nsinit-msg-cache-'));
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

const TYPO = 'nsinit: warning: /hostnme: unknown key, ignored; did you mean "hostname"?\n';

describe('config warnings', () => {
  it('reach stderr once on every command, with and without the cache', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    bundle.writeConfig({ ...bundle.config, hostnme: 'typo' });
    for (const cache of [join(cacheDir, 'c'), 'off']) {
      const env = { ...process.env, NSINIT_CONFIG_CACHE: cache };
      // Twice: the second start is answered by the cache when it is on.
      for (let i = 0; i < 2; i++) {
        expect(await runCli(['exec', 'true'], { cwd: bundle.dir, env }), cache).toMatchObject({
          exitCode: 0,
          stderr: TYPO,
        });
      }
      expect(await runCli(['status'], { cwd: bundle.dir, env })).toMatchObject({ exitCode: 1, stderr: TYPO });
    }
    expect(existsSync(join(cacheDir, 'c'))).toBe(true);
  });

  it('reach stderr once on the commands for a running container', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundle = await createBundle({
      config: (c) => {
        delete c.networks;
      },
    });
    bundle.writeConfig({ ...bundle.config, hostnme: 'typo' });
    const bg = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    try {
      for (const cmd of [['status'], ['exec', 'true'], ['stats'], ['pause'], ['resume']]) {
        const r = await runCli(cmd, { cwd: bundle.dir });
        expect(r.stderr, cmd.join(' ')).toBe(TYPO);
        expect(r.exitCode, cmd.join(' ')).toBe(0);
      }
    } finally {
      process.kill(pid1, 'SIGKILL');
    }
    expect((await bg.done).stderr).toBe(TYPO);
  });

  it('config validate --strict exits 1 on warnings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-msg-'));
    try {
      const file = join(dir, 'c.json');
      const { defaultConfig } = await import('@nsinit/config');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, JSON.stringify({ ...defaultConfig(), hostnme: 'typo' }));
      const lax = await runCli(['config', 'validate', file]);
      expect(lax).toMatchObject({ exitCode: 0, stdout: `${file}: valid\n` });
      expect(lax.stderr).toMatch(/warning: \/hostnme: unknown key/);
      const strict = await runCli(['config', 'validate', '--strict', file]);
      expect(strict.exitCode).toBe(1);
      expect(strict.stderr).toBe(
        `${file}: error: /hostnme: unknown key; did you mean "hostname"?\nnsinit: ${file} is not valid (1 error)\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an invalid config lists every error, on exec too', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    bundle.writeConfig({ ...bundle.config, hostname: 42, tty: 'yes' });
    const r = await runCli(['exec', 'true'], { cwd: bundle.dir });
    expect(r.exitCode).toBe(125);
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => l.includes(': error: '))).toHaveLength(2);
    expect(r.stderr).toMatch(/error: \/hostname: /);
    expect(r.stderr).toMatch(/error: \/tty: /);
    expect(lines.at(-1)).toBe(`nsinit: ${bundle.configPath} is not valid (2 errors)`);
    expect(r.stderr).not.toMatch(/and 1 more/);
  });
});

describe('huge lists', () => {
  // Each list is capped where the runtime stops carrying it, and the file at 4 MiB: either way a
  // one-line error naming the field or the file, never `maximum call stack size exceeded`.
  const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
    [
      '100k capabilities',
      (c) => (c.capabilities = Array(100_000).fill('CHOWN')),
      /\/capabilities: must have at most 64 entries/,
    ],
    [
      '20k device nodes',
      (c) =>
        (c.device_nodes = Array.from({ length: 20_000 }, (_, i) => ({
          type: 99,
          path: `/dev/n${i}`,
          major_number: 1,
          minor_number: 3,
          file_mode: 438,
        }))),
      /\/device_nodes: must have at most 1024 entries/,
    ],
    [
      'a million capabilities',
      (c) => (c.capabilities = Array(1_000_000).fill('CHOWN')),
      /container\.json: larger than 4 MiB/,
    ],
  ];
  it.for(cases)('%s: one clear line, never a stack overflow', async ([, edit, message], ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const config = { ...bundle.config } as Record<string, unknown>;
    edit(config);
    bundle.writeConfig(config);
    const r = await runCli(['exec', 'true'], { cwd: bundle.dir, timeout: 60_000 });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/call stack/i);
    expect(existsSync(bundle.path('pid'))).toBe(false);
  });
});

describe('a missing container.json', () => {
  it('exec, status and config validate say so and suggest nsinit spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-empty-'));
    try {
      const hint = `nsinit: no container.json in ${dir}; create one with 'nsinit spec > container.json'\n`;
      expect(await runCli(['exec', 'true'], { cwd: dir })).toMatchObject({ exitCode: 125, stderr: hint });
      expect(await runCli(['status'], { cwd: dir })).toMatchObject({
        exitCode: 1,
        stdout: 'not running\n',
        stderr: hint,
      });
      expect(await runCli(['config', 'validate'], { cwd: dir })).toMatchObject({ exitCode: 1, stderr: hint });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exec failures in plain words', () => {
  it('no #! line, a directory, a missing interpreter, an empty command', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: plain,
      files: { 'nobang.sh': 'echo hi\n', 'noint.sh': '#!/bin/nosuch\necho hi\n' },
    });
    chmodSync(bundle.path('nobang.sh'), 0o755);
    const cases: [string, number, string][] = [
      ['/nobang.sh', 126, 'not an executable: no #! line and not a binary for this machine'],
      ['/etc', 126, 'is a directory'],
      ['/noint.sh', 127, "interpreter '/bin/nosuch' of '/noint.sh' not found"],
    ];
    for (const [cmd, exitCode, why] of cases) {
      expect(await runCli(['exec', cmd], { cwd: bundle.dir }), cmd).toMatchObject({
        exitCode,
        stderr: `nsinit: cannot execute '${cmd}': ${why}\n`,
      });
    }
    const empty = await runCli(['exec', ''], { cwd: bundle.dir });
    expect(empty).toMatchObject({
      exitCode: 125,
      stderr: "nsinit: exec: the command is an empty string; name a program, e.g. 'nsinit exec /bin/sh'\n",
    });
  });

  it('a working_dir the user cannot enter is refused, naming it and the user', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => void Object.assign(plain(c), { user: 'nobody', working_dir: '/private' }),
    });
    mkdirSync(bundle.path('private'), { mode: 0o700 });
    const r = await runCli(['exec', 'ls'], { cwd: bundle.dir });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toBe(
      "nsinit: cannot enter working_dir '/private' as user 'nobody' (uid 65534, gid 65534): permission denied\n",
    );
    // Root enters it as before.
    bundle.writeConfig({ ...bundle.config, user: 'root' });
    expect(await runCli(['exec', 'pwd'], { cwd: bundle.dir })).toMatchObject({
      exitCode: 0,
      stdout: '/private\n',
    });
  });

  it('an unprivileged user without XDG_RUNTIME_DIR is told where its state goes, and nothing is created', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    if (!existsSync('/usr/bin/setpriv')) return ctx.skip('setpriv(1) (util-linux) is not installed');
    const bundle = await createBundle({ config: plain });
    const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', nsinitBin];
    const { XDG_RUNTIME_DIR: _own, ...env } = process.env;
    for (const cmd of [['exec', 'true'], ['status'], ['stats'], ['pause'], ['resume']]) {
      expect(
        await runCommand('/usr/bin/setpriv', [...asNobody, ...cmd], { cwd: bundle.dir, env }),
      ).toMatchObject({
        exitCode: 125,
        stderr:
          "nsinit: rootless: XDG_RUNTIME_DIR is not set; nsinit keeps a non-root user's state there (export XDG_RUNTIME_DIR=/run/user/65534, a 0700 directory owned by uid 65534)\n",
      });
      // ... and one that another user owns (here root's /tmp) is refused the same way.
      const shared = await runCommand('/usr/bin/setpriv', [...asNobody, ...cmd], {
        cwd: bundle.dir,
        env: { ...env, XDG_RUNTIME_DIR: '/tmp' },
      });
      expect(shared.exitCode).toBe(125);
      expect(shared.stderr).toMatch(
        /^nsinit: rootless: XDG_RUNTIME_DIR '\/tmp' is owned by uid 0, not by you \(uid 65534\);/,
      );
    }
    expect(existsSync(bundle.path('.nsinit.lock'))).toBe(false);
  });
});

describe('nsinit --version', () => {
  it('names the package version and the commit the bundle was built from', async () => {
    const r = await runCli(['--version']);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const version = String(pkg.version).replace(/\./g, '\\.');
    expect(r.exitCode).toBe(0);
    // The bundle is built in a git checkout here (CI too), so the commit line is there.
    expect(r.stdout).toMatch(
      new RegExp(
        `^nsinit version ${version}\\ncommit: [0-9a-f]{40}(-dirty)?\\nspec: ${OCI_VERSION.replace(/\./g, '\\.')}\\n$`,
      ),
    );
  });
});
