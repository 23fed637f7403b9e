// podman (Debian's 4.3, with conmon) driving an OCI runtime, everything private to a scratch
// directory (vfs storage, run root, tmpdir, events log, containers.conf; busybox imported as an
// image); the cgroupfs manager's `libpod_parent` tree is removed when it made it. Rootless (`as` a
// user): the same flags as that user, whose pause process (catatonit) is killed at cleanup.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type CliOptions, type CliResult, runCommand } from '../cli.js';
import {
  engineError,
  existingCgroups,
  hostDirsGuard,
  makeScratch,
  removeNewCgroups,
  type Scratch,
} from './common.js';

export const PODMAN_IMAGE = 'localhost/nsinit-busybox:test';
/** The same rootfs whose entrypoint never returns: a pod's infra container (no pause image here). */
export const PODMAN_INFRA_IMAGE = 'localhost/nsinit-infra:test';
const CGROUP_PARENT = 'libpod_parent';

export interface Podman {
  /** The OCI runtime binary podman drives. */
  runtime: string;
  scratch: Scratch;
  /** `podman <private flags> ...args`. */
  run(args: string[], opts?: CliOptions): Promise<CliResult>;
  /** Like run(), but throws with podman's stderr when it exits non-zero. */
  ok(args: string[], opts?: CliOptions): Promise<string>;
  /** The argv prefix (podman and its private flags) for driving it from a pty. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

// This VM refuses raising RLIMIT_NOFILE/NPROC above 1024, and podman's default ulimits ask for
// more; events go to a file (no journald here).
const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

export interface EngineOptions {
  /** Run the engine under this command prefix (e.g. nsenter into a prepared mount namespace). */
  prefix?: string[];
  /** Rootless: run podman as this user with this environment (a RootlessSession's `spawn`, whose
   *  XDG_RUNTIME_DIR also holds the runtime's state); the scratch directory becomes its own. */
  as?: { uid: number; gid: number; env: NodeJS.ProcessEnv };
}

export async function startPodman(runtime: string, options: EngineOptions = {}): Promise<Podman> {
  const scratch = makeScratch('nsinit-podman');
  const cgroupsBefore = existingCgroups(CGROUP_PARENT);
  // Rootful podman keeps its network state here whatever --runroot says.
  const restoreDirs = hostDirsGuard(['/run/containers', '/run/containers/networks']);
  const conf = scratch.path('containers.conf');
  // The runtime is named in containers.conf's [engine.runtimes] table, the way a user installs
  // nsinit-oci for podman (README: "Under engines"), and selected by that name.
  const name = basename(runtime);
  writeFileSync(
    conf,
    `${CONTAINERS_CONF}events_logfile_path = "${scratch.path('events.log')}"\n[engine.runtimes]\n${name} = ["${runtime}"]\n`,
  );
  const argv = [
    ...(options.prefix ?? []),
    'podman',
    '--root',
    scratch.path('storage'),
    '--runroot',
    scratch.path('run'),
    '--tmpdir',
    scratch.path('tmp'),
    '--storage-driver',
    'vfs',
    '--runtime',
    name,
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
  ];
  const as = options.as;
  const env = { ...(as?.env ?? process.env), CONTAINERS_CONF: conf };
  const user = as ? { uid: as.uid, gid: as.gid } : {};
  const run = (args: string[], opts: CliOptions = {}) =>
    runCommand(argv[0]!, [...argv.slice(1), ...args], { timeout: 60_000, env, ...user, ...opts });
  const ok = async (args: string[], opts: CliOptions = {}) => {
    const r = await run(args, opts);
    if (r.exitCode !== 0)
      throw engineError(`podman ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const cleanup = async () => {
    try {
      await run(['pod', 'rm', '--all', '--force', '--time', '0']);
      await run(['rm', '--all', '--force', '--time', '0']);
    } finally {
      // Rootless podman keeps its user namespace alive in a pause process (SIGTERM is ignored).
      if (as) killPause(scratch.path('tmp', 'pause.pid'));
      scratch.remove();
      await removeNewCgroups(CGROUP_PARENT, cgroupsBefore);
      restoreDirs();
    }
  };
  try {
    // The rootfs as a single-layer image: `podman import` of a tar stream of the directory.
    await runCommand('tar', ['-C', scratch.rootfs, '-cf', scratch.path('rootfs.tar'), '.']);
    if (as) execFileSync('chown', ['-R', '-h', `${as.uid}:${as.gid}`, scratch.dir]);
    await ok(['import', '--change', 'CMD ["/bin/sh"]', scratch.path('rootfs.tar'), PODMAN_IMAGE]);
    await ok([
      'import',
      '--change',
      'ENTRYPOINT ["/bin/sleep", "1000000"]',
      scratch.path('rootfs.tar'),
      PODMAN_INFRA_IMAGE,
    ]);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { runtime, scratch, run, ok, argv, env, cleanup };
}

function killPause(pidFile: string): void {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
  } catch {
    // never started, or already gone
  }
}
