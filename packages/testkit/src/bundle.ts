// Throwaway container directories for tests and benchmarks: a busybox rootfs holding a
// container.json built from @nsinit/config's defaults. Cleanup detaches anything still mounted
// below it (umount(2) MNT_DETACH) before removing the tree, and reports such mounts as leaks.
import { execFileSync } from 'node:child_process';
import { lchownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { type ContainerConfig, defaultConfig } from '@nsinit/config';
import { TestkitError } from './errors.js';
import { mountsUnder } from './mountinfo.js';
import { tryNative } from './native-loader.js';
import { writeRootfs } from './rootfs.js';

export interface BundleOptions {
  /** Edit the default config (defaultConfig() from @nsinit/config, without its seccomp profile) in
   *  place or return a new one. */
  // biome-ignore lint/suspicious/noConfusingVoidType: an editor that returns nothing edits in place
  config?: (c: ContainerConfig) => ContainerConfig | void;
  /** Extra files written into the rootfs, path relative to the rootfs: { 'etc/motd': 'hi' }.
   *  A file whose content starts with "#!" is made executable. */
  files?: Record<string, string>;
  /** Where to create it (default os.tmpdir()). */
  parent?: string;
  /** Host ids to own the whole rootfs (lchown, links not followed): a container in a user
   *  namespace whose root maps to them may then write anywhere in it, as in an image its engine
   *  chowned for the map. Default: root, so mapped ids see it as nobody's. */
  owner?: { uid: number; gid: number };
}

export interface Bundle {
  /** Absolute: the container directory = rootfs, holding container.json. */
  dir: string;
  /** <dir>/container.json */
  configPath: string;
  config: ContainerConfig;
  /** Rewrites container.json (anything JSON-serialisable, so invalid configs can be tested too). */
  writeConfig(c: ContainerConfig | unknown): void;
  /** join(dir, ...parts) */
  path(...parts: string[]): string;
  /** Idempotent; also registered with onTestFinished when inside a test. */
  cleanup(): Promise<void>;
}

const MNT_DETACH = 2;

function detach(target: string): void {
  const native = tryNative();
  if (native) native.umount(target, MNT_DETACH);
  else execFileSync('umount', ['--lazy', target], { stdio: 'ignore' });
}

/** Detaches every mount at or below `dir`; returns the mount points that were there. */
export function unmountAllUnder(dir: string): string[] {
  const leaked = mountsUnder(dir);
  for (const target of leaked) {
    try {
      detach(target);
    } catch {
      /* already detached with its parent (MNT_DETACH is recursive) */
    }
  }
  return leaked;
}

/** Run `cleanup` when the current vitest test finishes (no-op outside a test). */
export async function registerWithTest(cleanup: () => Promise<void>): Promise<void> {
  if (!process.env.VITEST) return;
  const { onTestFinished } = await import('vitest');
  try {
    onTestFinished(cleanup);
  } catch {
    // Not inside a running test (a hook or module scope): the caller must call cleanup().
  }
}

/** lchown every entry of a tree (symlinks themselves, never their targets). */
export function chownTree(dir: string, uid: number, gid: number): void {
  lchownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chownTree(path, uid, gid);
    else lchownSync(path, uid, gid);
  }
}

export async function createBundle(opts: BundleOptions = {}): Promise<Bundle> {
  const parent = resolve(opts.parent ?? tmpdir());
  const dir = mkdtempSync(join(parent, 'nsinit-bundle-'));
  let done = false;
  const cleanup = async (): Promise<void> => {
    if (done) return;
    done = true;
    const leaked = unmountAllUnder(dir);
    const remaining = mountsUnder(dir);
    if (remaining.length > 0) {
      // Never recurse into a live mount: it may be a bind of a host directory.
      throw new TestkitError(`bundle cleanup: cannot unmount ${remaining.join(', ')}; left ${dir} in place`, {
        code: 'ERR_NSINIT_TEST_LEAK',
        path: dir,
      });
    }
    rmSync(dir, { recursive: true, force: true });
    if (leaked.length > 0) {
      throw new TestkitError(`bundle cleanup: mounts were left under the bundle: ${leaked.join(', ')}`, {
        code: 'ERR_NSINIT_TEST_LEAK',
        path: dir,
      });
    }
  };
  try {
    writeRootfs(dir);
    for (const [rel, content] of Object.entries(opts.files ?? {})) {
      const target = resolve(dir, rel);
      if (!target.startsWith(`${dir}/`)) {
        throw new TestkitError(`bundle file '${rel}' is outside the rootfs`, {
          code: 'ERR_NSINIT_TEST_BAD_FILE',
          path: rel,
        });
      }
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content, { mode: content.startsWith('#!') ? 0o755 : 0o644 });
    }
    let config = defaultConfig();
    // The default syscall filter is tested where it is the subject (cli/test/kernel-extensions,
    // runtime/test/oci-seccomp); other tests keep the start they were written against.
    delete config.seccomp;
    // Tests run in parallel: a cgroup name shared by every bundle would make them collide.
    if (config.cgroups) {
      // Unique per bundle, and no shared parent: nsinit (like runc) removes only the directories a
      // run created, so a parent shared by parallel tests could outlive them all.
      config.cgroups.name = basename(dir);
      delete config.cgroups.parent;
    }
    if (opts.config) config = opts.config(config) ?? config;
    const configPath = join(dir, 'container.json');
    const bundle: Bundle = {
      dir,
      configPath,
      config,
      writeConfig(c) {
        writeFileSync(configPath, `${JSON.stringify(c, null, 2)}\n`);
        bundle.config = c as ContainerConfig;
      },
      path: (...parts) => join(dir, ...parts),
      cleanup,
    };
    bundle.writeConfig(config);
    if (opts.owner) chownTree(dir, opts.owner.uid, opts.owner.gid);
    await registerWithTest(cleanup);
    return bundle;
  } catch (err) {
    await cleanup().catch(() => {});
    throw err;
  }
}
