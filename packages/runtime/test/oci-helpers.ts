// Runs an OCI config.json through compileOci and the native spawn path the 2014 lifecycle uses
// (spawn → oom_score_adj → GO → exec confirmed → exit), capturing stdout+stderr through a pipe,
// until nsinit-oci drives it: the Linux surface is checked from inside real containers with
// busybox probes. Every fd is closed and the child reaped on every path.
import { read } from 'node:fs';
import { promisify } from 'node:util';
import { type ChildFailure, type ExitStatus, native, type Spawned } from '@nsinit/native';
import { type Bundle, createBundle, requires } from '@nsinit/testkit';
import { expect, type TestContext } from 'vitest';
import {
  compileOci,
  currentCaller,
  type OciConfigInput,
  startCompiled,
  type RuntimeSpec,
  usernsSetup,
  writeIdMaps,
  writeOomScoreAdj,
} from '../src/index.js';
import { listenerHandoff } from '../src/spec/seccomp-listener.js';

const readAsync = promisify(read);

export interface OciRun {
  output: string;
  failure: ChildFailure | null;
  exit: ExitStatus;
  spec: RuntimeSpec;
}

/** A busybox bundle whose directory is the rootfs (root.path "."), removed after the test. */
export function ociBundle(): Promise<Bundle> {
  return createBundle();
}

/** The smallest useful config: mount, pid, ipc, uts and network namespaces, /proc, /dev, /sys. */
export function baseConfig(args: string[]): OciConfigInput {
  return {
    ociVersion: '1.2.0',
    root: { path: '.' },
    process: {
      args,
      cwd: '/',
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
      user: { uid: 0, gid: 0 },
      capabilities: {
        bounding: ['CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_SETUID', 'CAP_SETGID', 'CAP_NET_ADMIN'],
        effective: ['CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_SETUID', 'CAP_SETGID', 'CAP_NET_ADMIN'],
        permitted: ['CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_SETUID', 'CAP_SETGID', 'CAP_NET_ADMIN'],
      },
    },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'network' }],
    },
  };
}

async function readAll(fd: number): Promise<string> {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    const { bytesRead } = await readAsync(fd, buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

const tables = () => ({
  capabilities: native.capabilities,
  rlimits: native.rlimits,
  constants: native.constants,
});

/** Compile and run to completion. */
export async function runOci(config: OciConfigInput, bundleDir: string): Promise<OciRun> {
  const started = await startOci(config, bundleDir);
  const { failure } = started;
  const exit = await native
    .waitExit(started.spawned.pidfd)
    .finally(() => native.close(started.spawned.pidfd));
  return { output: await started.output, failure, exit, spec: started.spec };
}

export interface StartedOci {
  spawned: Spawned;
  /** The child's setup or exec failure, or null once it exec'd. */
  failure: ChildFailure | null;
  spec: RuntimeSpec;
  output: Promise<string>;
}

/** Compile, spawn, write the id maps and oom_score_adj, GO, await exec. The caller awaits the exit (or stops). */
export async function startOci(config: OciConfigInput, bundleDir: string): Promise<StartedOci> {
  const [r, w] = native.pipe();
  let compiled: ReturnType<typeof compileOci> | undefined;
  let spawned: Spawned | undefined;
  try {
    compiled = compileOci(config, bundleDir, {
      tables: tables(),
      stdio: [-1, w, w],
      compileSeccomp: native.compileSeccomp,
      nsOpen: native.nsOpen,
      openIdmappedTree: native.openIdmappedTree,
    });
    spawned = await startCompiled(native, compiled);
  } finally {
    compiled?.release();
    native.close(w);
    if (!spawned) native.close(r);
  }
  const s = spawned;
  const output = readAll(r).finally(() => native.close(r));
  try {
    // The user namespace's maps first, as create writes them.
    const userns = usernsSetup(compiled.spec, currentCaller());
    if (userns) await writeIdMaps(native, s, userns, compiled.spec.at);
    // The parent writes it through the host's /proc before the child runs any user code.
    if (compiled.spec.process.oomScoreAdj !== undefined)
      writeOomScoreAdj(s.pid, compiled.spec.process.oomScoreAdj);
    native.go(s.sync);
  } catch (err) {
    native.pidfdSignal(s.pidfd, native.constants.SIGKILL ?? 9);
    native.close(s.sync);
    await native.waitExit(s.pidfd).finally(() => native.close(s.pidfd));
    await output;
    throw err;
  }
  // A notifying filter's listener goes to the profile's agent, as `create` sends it.
  const onListener = listenerHandoff(
    native,
    compiled.spec.seccomp,
    () => ({ ociVersion: '1.2.0', id: 'oci-test', status: 'creating', pid: s.pid, bundle: bundleDir }),
    '/linux/seccomp/listenerPath',
  );
  let failure: ChildFailure | null;
  try {
    failure = await native.awaitExec(s.sync, onListener ? { onListener } : undefined);
  } catch (err) {
    native.pidfdSignal(s.pidfd, native.constants.SIGKILL ?? 9);
    await native.waitExit(s.pidfd).finally(() => native.close(s.pidfd));
    await output;
    throw err;
  }
  return { spawned: s, failure, spec: compiled.spec, output };
}

/** SIGKILL a started container and reap it. */
export async function stopOci(started: StartedOci): Promise<void> {
  native.pidfdSignal(started.spawned.pidfd, native.constants.SIGKILL ?? 9);
  await native.waitExit(started.spawned.pidfd).finally(() => native.close(started.spawned.pidfd));
  await started.output;
}

/** Run `sh -c script` in a fresh bundle with the base config edited by `edit`; expects exec. */
export async function run(ctx: TestContext, edit: (c: OciConfigInput) => void, script: string) {
  requires(ctx, 'root', 'busybox');
  const bundle = await ociBundle();
  const config = baseConfig(['sh', '-c', script]);
  edit(config);
  const r = await runOci(config, bundle.dir);
  expect(r.failure).toBeNull();
  return { ...r, bundle, lines: r.output.trimEnd().split('\n') };
}
