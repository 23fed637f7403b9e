// Host-wide state that `ip netns add` creates once per boot: iproute2 makes /run/netns a shared
// bind mount of itself (so namespace files bound there propagate) the first time any namespace is
// added, and never removes it. A leak-checked test that adds the first namespace on a fresh host
// would see that mount as its own leak; tests call this before the leak baseline instead.
import { execFileSync } from 'node:child_process';
import { readMounts } from './mountinfo.js';

export const NETNS_RUN_DIR = '/run/netns';

export function netnsDirMounted(): boolean {
  return readMounts().some((m) => m.mountPoint === NETNS_RUN_DIR);
}

/** Make /run/netns the mount `ip netns add` makes, by adding and deleting a namespace, unless it
 *  already is one. Without root (or without ip) nothing is done: such tests skip anyway. */
export function prepareNetnsDir(): void {
  if (process.getuid?.() !== 0 || netnsDirMounted()) return;
  const name = `nsinit-prime-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'ignore' });
  } catch {
    return;
  }
  execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}
