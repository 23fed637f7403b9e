// containerd (Debian's 1.6) with a private root, state and socket, driven by `ctr`, running tasks
// through the runc shim v2 (`io.containerd.runc.v2`) with `--runc-binary`: the path the CRI
// plugin takes for a runtime handler with `BinaryName`. The CRI plugin is disabled (no kubelet).
// The shim keeps its sockets and the runtime's --root under /run/containerd whatever the state
// directory; those, and the cgroup named after the ctr namespace, are removed at cleanup.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { type CliOptions, type CliResult, runCommand } from '../cli.js';
import {
  engineError,
  existingCgroups,
  hostDirsGuard,
  makeScratch,
  removeNewCgroups,
  type Scratch,
} from './common.js';
import type { EngineOptions } from './podman.js';

export interface Containerd {
  runtime: string;
  /** The ctr namespace; also the parent cgroup of every task. */
  namespace: string;
  scratch: Scratch;
  /** `ctr --address <private socket> --namespace <ns> ...args` */
  ctr(args: string[], opts?: CliOptions): Promise<CliResult>;
  ok(args: string[], opts?: CliOptions): Promise<string>;
  /** The private containerd socket. */
  address: string;
  /** `ctr run` flags that select the runc shim v2 with this runtime binary and the busybox rootfs. */
  runFlags(): string[];
  cleanup(): Promise<void>;
}

function configToml(dir: string): string {
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "${dir}/containerd.sock"
[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
`;
}

async function waitReady(ctr: Containerd['ctr'], daemon: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await ctr(['version']);
    if (r.exitCode === 0) return;
    if (daemon.exitCode !== null || Date.now() > deadline) {
      throw engineError(`containerd did not start (see ${log}): ${r.stderr.trim()}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}

export async function startContainerd(runtime: string, options: EngineOptions = {}): Promise<Containerd> {
  const scratch = makeScratch('nsinit-containerd');
  const namespace = `nsinit-e2e-${process.pid}`;
  const cgroupsBefore = existingCgroups(namespace);
  const restoreDirs = hostDirsGuard([
    '/run/containerd',
    '/run/containerd/s',
    '/run/containerd/fifo',
    '/run/containerd/runc',
    `/run/containerd/runc/${namespace}`,
  ]);
  const conf = scratch.path('config.toml');
  writeFileSync(conf, configToml(scratch.dir));
  const log = scratch.path('containerd.log');
  const logFd = openSync(log, 'a');
  const [cmd, ...args] = [...(options.prefix ?? []), 'containerd', '--config', conf];
  const daemon = spawn(cmd!, args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd); // the daemon has its own copy
  const address = scratch.path('containerd.sock');
  const ctr = (args: string[], opts: CliOptions = {}) =>
    runCommand('ctr', ['--address', address, '--namespace', namespace, ...args], {
      timeout: 60_000,
      ...opts,
    });
  const ok = async (args: string[], opts: CliOptions = {}) => {
    const r = await ctr(args, opts);
    if (r.exitCode !== 0) throw engineError(`ctr ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const cleanup = async () => {
    try {
      const tasks = (await ctr(['task', 'ls', '--quiet'])).stdout.split('\n').filter(Boolean);
      for (const id of tasks) {
        await ctr(['task', 'kill', '--all', '--signal', 'SIGKILL', id]);
        await ctr(['task', 'delete', '--force', id]);
      }
      const containers = (await ctr(['container', 'ls', '--quiet'])).stdout.split('\n').filter(Boolean);
      for (const id of containers) await ctr(['container', 'delete', id]);
    } finally {
      if (daemon.exitCode === null) {
        const exited = new Promise((res) => daemon.once('exit', res));
        daemon.kill('SIGTERM');
        await Promise.race([exited, new Promise((res) => setTimeout(res, 5000))]);
        if (daemon.exitCode === null) daemon.kill('SIGKILL');
      }
      scratch.remove();
      await removeNewCgroups(namespace, cgroupsBefore);
      restoreDirs();
    }
  };
  try {
    await waitReady(ctr, daemon, log);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    runtime,
    namespace,
    scratch,
    address,
    ctr,
    ok,
    runFlags: () => [
      '--runtime',
      'io.containerd.runc.v2',
      '--runc-binary',
      runtime,
      '--rootfs',
      scratch.rootfs,
    ],
    cleanup,
  };
}
