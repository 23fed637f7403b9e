// Throwaway OCI bundles for nsinit-oci tests and benchmarks: <dir>/config.json and a busybox
// <dir>/rootfs, plus a private --root state directory so parallel tests never share ids. Cleanup
// force-deletes every container left in that root (through nsinit-oci itself), detaches stray
// mounts and removes the tree.
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerWithTest, unmountAllUnder } from './bundle.js';
import { type CliOptions, type CliResult, runCommand } from './cli.js';
import { writeRootfs } from './rootfs.js';

/** Absolute path of packages/cli/bin/nsinit-oci. */
export const nsinitOciBin: string = fileURLToPath(new URL('../../cli/bin/nsinit-oci', import.meta.url));

/** A small runtime-spec config.json: the standard mounts and namespaces, runc's default masked and
 *  read-only paths, busybox `sh` as the process. No seccomp (not supported yet). */
export function ociTestSpec(): Record<string, any> {
  const caps = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID'];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: 'oci-test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance'],
      },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev/mqueue',
        type: 'mqueue',
        source: 'mqueue',
        options: ['nosuid', 'noexec', 'nodev'],
      },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/sys/firmware'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

export interface OciBundleOptions {
  /** Edit the spec in place (or return a new one). */
  // biome-ignore lint/suspicious/noConfusingVoidType: an editor that returns nothing edits in place
  spec?: (s: Record<string, any>) => Record<string, any> | void;
  /** Extra files in the rootfs, relative to it; content starting with "#!" is made executable. */
  files?: Record<string, string>;
  /** Rootless: the bundle is made this user's (chown -R) and every nsinit-oci command, cleanup
   *  included, runs as it with this environment (a RootlessSession's `spawn`). */
  as?: { uid: number; gid: number; env: NodeJS.ProcessEnv };
}

export interface OciBundle {
  /** The bundle directory (config.json, rootfs/). */
  dir: string;
  rootfs: string;
  /** The private --root state directory. */
  root: string;
  spec: Record<string, any>;
  writeSpec(s: unknown): void;
  path(...parts: string[]): string;
  /** Run nsinit-oci with --root <root> before `args`. */
  oci(args: string[], opts?: CliOptions): Promise<CliResult>;
  /** `create [args] id` (or `run`) with the container's stdout and stderr going to files (the init
   *  inherits them and outlives the command, so pipes would stay open): the command's status
   *  and stderr; the container's output is read with output(id). */
  create(id: string, args?: string[], verb?: 'create' | 'run'): Promise<CliResult>;
  /** What the container wrote to its stdout and stderr so far. */
  output(id: string): string;
  /** Run nsinit-oci with `args` and its stdout+stderr going to a fresh file (for commands that
   *  leave a process holding them, such as `exec -d`); the file's content is `stdout`. */
  detached(args: string[]): Promise<CliResult>;
  cleanup(): Promise<void>;
}

export async function createOciBundle(opts: OciBundleOptions = {}): Promise<OciBundle> {
  const dir = mkdtempSync(join(resolve(tmpdir()), 'nsinit-oci-bundle-'));
  const rootfs = join(dir, 'rootfs');
  const root = join(dir, 'state');
  let done = false;
  let serial = 0;
  const as = opts.as;
  const oci = (args: string[], o: CliOptions = {}) =>
    runCommand(nsinitOciBin, ['--root', root, ...args], as ? { ...as, ...o } : o);
  const cleanup = async () => {
    if (done) return;
    done = true;
    let ids: string[] = [];
    try {
      ids = readdirSync(root);
    } catch {
      // nothing was created
    }
    for (const id of ids) {
      const r = await oci(['delete', '--force', id], { timeout: 8_000 }).catch(() => null);
      if (r?.exitCode === 0) continue;
      // A broken build (a guard patch applied) may leave an init that holds the container's lock:
      // kill it by the pid the state records, then delete again.
      try {
        const { pid } = JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8')) as { pid: number };
        process.kill(pid, 'SIGKILL');
      } catch {
        // no state, or already gone
      }
      await oci(['delete', '--force', id]).catch(() => {});
    }
    unmountAllUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync(rootfs);
    writeRootfs(rootfs);
    for (const [rel, content] of Object.entries(opts.files ?? {})) {
      const target = resolve(rootfs, rel);
      if (!target.startsWith(`${rootfs}/`)) throw new Error(`bundle file '${rel}' is outside the rootfs`);
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, content, { mode: content.startsWith('#!') ? 0o755 : 0o644 });
    }
    let spec = ociTestSpec();
    if (opts.spec) spec = opts.spec(spec) ?? spec;
    if (as) {
      // The user must reach its bundle and own its rootfs and --root (mkdtemp makes a 0700 dir).
      mkdirSync(root);
      execFileSync('chown', ['-R', '-h', `${as.uid}:${as.gid}`, dir]);
    }
    const outFile = (id: string) => join(dir, `out-${Buffer.from(id).toString('hex')}.txt`);
    const bundle: OciBundle = {
      dir,
      create: (id, args = [], verb = 'create') =>
        new Promise((resolvePromise, reject) => {
          const out = openSync(outFile(id), 'a');
          const child = spawn(nsinitOciBin, ['--root', root, verb, ...args, id], {
            cwd: dir,
            stdio: ['ignore', out, out],
            ...(as ?? {}),
          });
          closeSync(out);
          child.on('error', reject);
          child.on('exit', (code, signal) => {
            const text = readFileSync(outFile(id), 'utf8');
            resolvePromise({ exitCode: code, signal, stdout: '', stderr: text });
          });
        }),
      detached: (args) =>
        new Promise((resolvePromise, reject) => {
          const file = join(dir, `detached-${++serial}.txt`);
          const out = openSync(file, 'w');
          const child = spawn(nsinitOciBin, ['--root', root, ...args], {
            cwd: dir,
            stdio: ['ignore', out, out],
            ...(as ?? {}),
          });
          closeSync(out);
          child.on('error', reject);
          child.on('exit', (code, signal) =>
            resolvePromise({ exitCode: code, signal, stdout: readFileSync(file, 'utf8'), stderr: '' }),
          );
        }),
      output: (id) => {
        try {
          return readFileSync(outFile(id), 'utf8');
        } catch {
          return '';
        }
      },
      rootfs,
      root,
      spec,
      writeSpec(s) {
        writeFileSync(join(dir, 'config.json'), `${JSON.stringify(s, null, 2)}\n`);
        bundle.spec = s as Record<string, any>;
      },
      path: (...parts) => join(dir, ...parts),
      oci,
      cleanup,
    };
    bundle.writeSpec(spec);
    await registerWithTest(cleanup);
    return bundle;
  } catch (err) {
    await cleanup().catch(() => {});
    throw err;
  }
}
