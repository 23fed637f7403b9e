// The packages as users get them: each published package packed with `pnpm pack` (which rewrites
// workspace:* ranges), installed with plain npm into an empty project on a PATH with no compiler,
// then `nsinit exec`, `nsinit-oci run` and the runtime API run from there, leaving the installed
// package directories untouched. @nsinit/config installed alone brings no native code.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBundle, createOciBundle, requires, runCommand, useLeakCheck } from '@nsinit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plain } from './helpers.js';

const packages = fileURLToPath(new URL('../..', import.meta.url));
const PUBLISHED = ['config', 'native', 'runtime', 'cli'];
/** Where a start writes the code cache it made (root's; user-cache.cjs). */
const ROOT_CACHE = '/var/cache/nsinit';

let scratch: string;
let bin: string;
let app: string;
let env: NodeJS.ProcessEnv;
const tarball: Record<string, string> = {};

function npm(cwd: string, args: string[]): string {
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = statSync(p);
      out.push(`${p} ${st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

function project(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  return dir;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'nsinit-install-'));
  const tarballs = join(scratch, 'tarballs');
  for (const name of PUBLISHED) {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: join(packages, name),
      encoding: 'utf8',
    });
    tarball[name] = out.trim().split('\n').at(-1)!.trim();
  }
  // A PATH holding node, npm and the shell npm runs scripts with: no cc, g++, make or cmake, so
  // nothing can be compiled.
  bin = join(scratch, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  symlinkSync(
    realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()),
    join(bin, 'npm'),
  );
  env = {
    PATH: bin,
    HOME: process.env.HOME,
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  app = project('app');
  npm(app, ['install', '--prefer-offline', '--no-package-lock', ...PUBLISHED.map((n) => tarball[n]!)]);
}, 240_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed packages installed with npm', () => {
  it('packs what each package needs and nothing test-only; the PATH has no compiler', () => {
    for (const tool of ['cc', 'gcc', 'g++', 'c++', 'make', 'cmake']) {
      expect([tool, spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env }).status]).not.toEqual([
        tool,
        0,
      ]);
    }
    const listing = (name: string) => execFileSync('tar', ['-tzf', tarball[name]!], { encoding: 'utf8' });
    // Every release target's prebuilt and verbs program (check-pack refuses to pack without them).
    for (const target of ['linux-x64', 'linux-arm64'])
      for (const file of ['nsinit_native.napi.glibc.node', 'nsinit-oci-verbs'])
        expect(listing('native')).toContain(`package/prebuilds/${target}/${file}`);
    for (const name of PUBLISHED) {
      expect([name, listing(name).match(/.*(\.test\.|\/test\/|fixture|test-hooks|test-pause).*/g)]).toEqual([
        name,
        null,
      ]);
      const manifest = JSON.parse(
        readFileSync(join(app, 'node_modules/@nsinit', name, 'package.json'), 'utf8'),
      );
      expect(manifest.engines?.node).toBe('>=20.19');
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
      if (name !== 'config')
        expect([name, manifest.os, manifest.cpu]).toEqual([name, ['linux'], ['x64', 'arm64']]);
    }
    // The prebuilt was kept: the install script did not compile (it could not have: no compiler).
    expect(readdirSync(join(app, 'node_modules/@nsinit/native'))).not.toContain('build');
  });

  it('@nsinit/config installed alone brings no native code and runs no install script', () => {
    const alone = project('config-only');
    npm(alone, ['install', '--prefer-offline', '--no-package-lock', tarball.config!]);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(join(alone, 'node_modules'));
    expect(files.some((f) => f.endsWith('/@nsinit/config/package.json'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.node') || f.endsWith('binding.gyp'))).toEqual([]);
    const scripted = files
      .filter((f) => f.endsWith('/package.json'))
      .filter((f) => {
        const scripts = JSON.parse(readFileSync(f, 'utf8')).scripts ?? {};
        return ['preinstall', 'install', 'postinstall'].some((s) => s in scripts);
      });
    expect(scripted).toEqual([]);
    expect(files.some((f) => f.includes('/@nsinit/native/'))).toBe(false);
  }, 120_000);
  it('without a prebuilt that fits and without a compiler, the install fails naming what is missing', () => {
    // The native tarball with its prebuilds removed: as on a platform none was built for.
    const unpacked = join(scratch, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball.native!, '-C', unpacked]);
    rmSync(join(unpacked, 'package/prebuilds'), { recursive: true });
    const bare = join(scratch, 'nsinit-native-bare.tgz');
    execFileSync('tar', ['-czf', bare, '-C', unpacked, 'package']);
    const dir = project('no-prebuilt');
    const r = spawnSync('npm', ['install', '--prefer-offline', '--no-package-lock', bare], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /@nsinit\/native: no prebuilt addon for linux-\w+, glibc [\d.]+, Node [\d.]+ and the source build failed \(output above\); run `apt-get install cmake g\+\+ libseccomp-dev`.*then `npm rebuild @nsinit\/native`/,
    );
  }, 120_000);
});

describe('the installed commands and API', () => {
  // Only here: the tests above start no container, and packing takes long enough to see others'.
  useLeakCheck();

  it('runs nsinit exec, nsinit-oci run and the runtime API, leaving the installed packages untouched', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const installed = join(app, 'node_modules/@nsinit');
    // As if the shipped code caches came from another Node build: V8 would reject them, and a start
    // then makes its own, which must go to the user's cache directory, not the installed package.
    for (const f of readdirSync(join(installed, 'cli/dist'))) {
      if (f.endsWith('.cjs.cache')) rmSync(join(installed, 'cli/dist', f));
    }
    const st = statSync(join(installed, 'cli/dist/nsinit.cjs'));
    const cacheKey = `nsinit.cjs-${st.dev}-${st.ino}-`;
    // The caches this install's bundles may write (keyed by each file's device and inode).
    const ours = readdirSync(join(installed, 'cli/dist')).map((f) => {
      const s = statSync(join(installed, 'cli/dist', f));
      return `.cjs-${s.dev}-${s.ino}-`;
    });
    const before = snapshot(installed);
    const hadCacheDir = existsSync(ROOT_CACHE);
    try {
      const bundle = await createBundle({ config: plain });
      const exec = await runCommand(
        join(app, 'node_modules/.bin/nsinit'),
        ['exec', 'sh', '-c', 'echo exec-ok'],
        {
          cwd: bundle.dir,
          env,
        },
      );
      expect(exec).toMatchObject({ exitCode: 0, stdout: 'exec-ok\n', stderr: '' });

      const oci = await createOciBundle();
      const ociBin = join(app, 'node_modules/.bin/nsinit-oci');
      rmSync(join(oci.dir, 'config.json'));
      expect(await runCommand(ociBin, ['spec'], { cwd: oci.dir, env })).toMatchObject({ exitCode: 0 });
      const spec = JSON.parse(readFileSync(join(oci.dir, 'config.json'), 'utf8'));
      spec.process.args = ['/bin/true'];
      spec.process.terminal = false;
      writeFileSync(join(oci.dir, 'config.json'), JSON.stringify(spec));
      const run = await runCommand(ociBin, ['--root', oci.root, 'run', '--bundle', oci.dir, 'installed'], {
        env,
      });
      expect(run).toMatchObject({ exitCode: 0, stderr: '' });
      // The verbs after create run the native program, found through the installed .bin link.
      const state = await runCommand(ociBin, ['--root', oci.root, 'state', 'installed'], {
        env: { ...env, NSINIT_OCI_FAST_ONLY: '1' },
      });
      expect(state).toMatchObject({
        exitCode: 1,
        stderr: expect.stringMatching(/^time=.*\nnsinit-oci: container 'installed' does not exist\n$/),
      });

      const api = await createBundle({ config: plain });
      writeFileSync(
        join(app, 'api.mjs'),
        `import { open } from '@nsinit/runtime';
const box = await open(process.argv[2]);
const p = await box.run(['sh', '-c', 'echo api-ok'], { stdio: 'pipe' });
let out = '';
p.stdout.on('data', (d) => { out += d; });
const r = await p.wait();
process.stdout.write(JSON.stringify({ exitCode: r.exitCode, out }));
`,
      );
      const r = await runCommand(join(bin, 'node'), [join(app, 'api.mjs'), api.dir], { cwd: app, env });
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
      expect(JSON.parse(r.stdout)).toEqual({ exitCode: 0, out: 'api-ok\n' });

      expect(snapshot(installed)).toEqual(before);
      // The rejected cache was rewritten where it belongs (so the check above can fail).
      expect(readdirSync(ROOT_CACHE).some((f) => f.startsWith(cacheKey))).toBe(true);
    } finally {
      // This install's caches only: other checkouts' may be in use.
      for (const f of existsSync(ROOT_CACHE) ? readdirSync(ROOT_CACHE) : []) {
        if (ours.some((id) => f.includes(id))) rmSync(join(ROOT_CACHE, f), { force: true });
      }
      if (!hadCacheDir && existsSync(ROOT_CACHE) && readdirSync(ROOT_CACHE).length === 0)
        rmdirSync(ROOT_CACHE);
    }
  }, 120_000);
});
