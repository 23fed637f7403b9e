// The slirp4netns strategy (an nsinit extension): user-mode networking for a container's own network
// namespace by slirp4netns(1), a host process that enters the namespace (and its user namespace,
// so it needs no privilege: rootless too), makes tap0 (10.0.2.100/24, gateway 10.0.2.2) and relays
// its traffic through the host's sockets. It reports ready on --ready-fd and exits when the
// --exit-fd pipe closes: at teardown, or with the supervisor itself.
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { NsinitError } from '@nsinit/native';
import { childProcess } from '../builtins.js';
import type { NetworkEntry } from './strategies.js';

const READY_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 5_000;

export interface Slirp {
  /** Close its exit pipe and wait for it (SIGKILL after 5 s); safe to call twice. */
  stop(): Promise<void>;
}

/** The slirp4netns network of a config, with its index, or null. */
export function slirpNetwork(networks: readonly NetworkEntry[] | null | undefined) {
  const i = (networks ?? []).findIndex((n) => n.type === 'slirp4netns');
  return i < 0 ? null : { index: i, network: networks![i]! };
}

/** Start slirp4netns for the waiting child `pid` and wait until tap0 is configured. */
export async function startSlirp(
  pid: number,
  index: number,
  n: NetworkEntry,
  bin = 'slirp4netns',
): Promise<Slirp> {
  const args = [
    '--configure',
    `--mtu=${n.mtu || 1500}`,
    '--ready-fd=3',
    '--exit-fd=4',
    ...(n.context?.allow_host_loopback === 'true' ? [] : ['--disable-host-loopback']),
    String(pid),
    'tap0',
  ];
  const child = childProcess().spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal)),
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  const exitPipe = child.stdio[4] as Writable | null;
  const stop = once(async () => {
    exitPipe?.destroy();
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    // A process that never started (ENOENT) emits no exit: bounded either way.
    await Promise.race([exited, new Promise((r) => setTimeout(r, EXIT_TIMEOUT_MS + 1000).unref())]);
    clearTimeout(timer);
  });
  const field = `/networks/${index}`;
  try {
    await ready(child, child.stdio[3] as Readable, exited);
  } catch (err) {
    await stop();
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'slirp4netns is not installed' : String(err);
    throw new NsinitError(
      `${field} (slirp4netns): ${why}${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`,
      {
        code: 'ERR_NSINIT_NETWORK',
        cause: err,
      },
    );
  }
  return { stop };
}

function ready(child: ChildProcess, pipe: Readable, exited: Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready after ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    pipe.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    void exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`exited (${String(status)}) before it was ready`));
    });
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => (p ??= fn());
}
