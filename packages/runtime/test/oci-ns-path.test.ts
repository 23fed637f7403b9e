// A mount namespace joined by path (OCI linux.namespaces "mount" with "path"), set up as runc does:
// the child enters it first and builds the rootfs inside it. And the guard on every namespace
// path: a real nsfs file of the type the config names (opened O_PATH and checked with fstatfs(2)
// before anything reads it, so a FIFO cannot hang create), never the runtime's own mount namespace.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '@nsinit/native';
import { requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { compileOci } from '../src/index.js';
import { baseConfig, ociBundle, runOci } from './oci-helpers.js';

useLeakCheck();

const tables = () => ({
  capabilities: native.capabilities,
  rlimits: native.rlimits,
  constants: native.constants,
});

/** A process alone in a new mount namespace (util-linux unshare(1), as runtime-tools' program). */
async function holder(): Promise<ChildProcess> {
  const p = spawn('unshare', ['--mount', '--propagation', 'private', 'sleep', '1000'], { stdio: 'ignore' });
  onTestFinished(() => stop(p));
  // Until unshare has exec'd sleep in its new namespace.
  const host = readlinkSync('/proc/self/ns/mnt');
  for (let i = 0; i < 100; i++) {
    try {
      if (
        readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim() === 'sleep' &&
        readlinkSync(`/proc/${p.pid}/ns/mnt`) !== host
      )
        return p;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('unshare did not start');
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
}

describe('OCI mount namespace joined by path', () => {
  it('enters it and sets the rootfs up inside it', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    if (!execFileSync('sh', ['-c', 'command -v unshare || true']).toString().trim())
      return ctx.skip('util-linux unshare(1) is not installed');
    const bundle = await ociBundle();
    const h = await holder();
    const mnt = readlinkSync(`/proc/${h.pid}/ns/mnt`);
    const config = baseConfig([
      'sh',
      '-c',
      `readlink /proc/self/ns/mnt; awk '$5 == "/"' /proc/self/mountinfo | wc -l`,
    ]);
    config.linux!.namespaces = [
      { type: 'mount', path: `/proc/${h.pid}/ns/mnt` },
      { type: 'pid' },
      { type: 'uts' },
    ];
    const r = await runOci(config, bundle.dir).finally(() => stop(h));
    expect(r.failure).toBeNull();
    const [ns, roots] = r.output.trimEnd().split('\n');
    expect(ns).toBe(mnt);
    expect(ns).not.toBe(readlinkSync('/proc/self/ns/mnt'));
    // One mount at "/": the bundle, pivoted to inside the joined namespace (the old root detached).
    expect(Number(roots)).toBe(1);
    expect(r.exit).toEqual({ exitCode: 0, signal: null });
  });

  it('refuses a path that is not a namespace file (a FIFO without blocking) or of the wrong type', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    const file = join(bundle.dir, 'not-a-namespace');
    writeFileSync(file, 'x');
    const fifo = join(bundle.dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const compile = nsCompiler(bundle.dir);
    expect(compile(file)).toThrow(
      /\/linux\/namespaces\/2\/path: '.*not-a-namespace' is not a namespace file \(not on nsfs\)/,
    );
    // Opening a FIFO for reading would block until a writer comes: the O_PATH check comes first.
    expect(compile(fifo)).toThrow(/\/linux\/namespaces\/2\/path: '.*fifo' is not a namespace file/);
    expect(compile('/proc/self/ns/ipc')).toThrow(
      /\/linux\/namespaces\/2\/path: '\/proc\/self\/ns\/ipc' is a namespace of type 'ipc', not 'network'/,
    );
    expect(compile(join(bundle.dir, 'missing'))).toThrow(
      /\/linux\/namespaces\/2\/path: cannot open '.*missing': ENOENT/,
    );
  }, 10_000);

  it("refuses the runtime's own mount namespace (pivot_root there would move the host's root)", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    expect(nsCompiler(bundle.dir)('/proc/self/ns/mnt', 'mount')).toThrow(
      /\/linux\/namespaces\/1\/path: is the runtime's own mount namespace: setting up the rootfs there would pivot the host/,
    );
  });
});

/** compileOci of a config joining one namespace of `type` by `path` (nothing is spawned). */
function nsCompiler(dir: string) {
  return (path: string, type = 'network') => {
    const config = baseConfig(['true']);
    config.linux!.namespaces =
      type === 'mount'
        ? [{ type: 'pid' }, { type, path }]
        : [{ type: 'mount' }, { type: 'pid' }, { type, path }];
    return () => compileOci(config, dir, { tables: tables(), stdio: [-1, -1, -1], nsOpen: native.nsOpen });
  };
}
