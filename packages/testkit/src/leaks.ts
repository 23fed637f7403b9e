// Leak checks: snapshot what a test can leave behind on the host — mounts (mount(2)), cgroup
// directories (cgroups(7)), network links (rtnetlink(7)), open fds and descendant processes
// (wait(2): an unreaped child is a zombie) — and fail the test when something new remains.
import { afterEach, beforeEach } from 'vitest';
import { TestkitError } from './errors.js';
import { acquireHostLock } from './exclusive.js';
import {
  snapshotCgroups,
  snapshotChildren,
  snapshotFds,
  snapshotLinks,
  snapshotMounts,
  snapshotTrustedState,
} from './host-state.js';
import { prepareNetnsDir } from './netns-dir.js';

export interface HostSnapshot {
  mounts: string[];
  cgroups: string[];
  links: string[];
  fds: string[];
  children: string[];
  trusted: string[];
}

export interface SnapshotOptions {
  /** Take the link list inside this network namespace (a path like /proc/<pid>/ns/net) instead of
   *  the caller's. Tests that create links must do so in a namespace of their own. */
  netns?: string;
}

export function snapshotHost(opts: SnapshotOptions = {}): HostSnapshot {
  return {
    mounts: snapshotMounts(),
    cgroups: snapshotCgroups(),
    links: snapshotLinks(opts.netns),
    fds: snapshotFds(),
    children: snapshotChildren(),
    trusted: snapshotTrustedState(),
  };
}

/** Entries of `after` not in `before`, counting duplicates (keyed by `key`). */
function added(before: string[], after: string[], key: (s: string) => string = (s) => s): string[] {
  const count = new Map<string, number>();
  for (const b of before) count.set(key(b), (count.get(key(b)) ?? 0) + 1);
  const out: string[] = [];
  for (const a of after) {
    const n = count.get(key(a)) ?? 0;
    if (n > 0) count.set(key(a), n - 1);
    else out.push(a);
  }
  return out;
}

/** A process is the same one if pid and name match; its state may change (S → Z). */
const processKey = (s: string): string => s.slice(0, s.lastIndexOf(' '));

export function diffHost(before: HostSnapshot, after: HostSnapshot): string[] {
  const lines: string[] = [];
  for (const m of added(before.mounts, after.mounts)) lines.push(`mount left behind: ${m}`);
  for (const c of added(before.cgroups, after.cgroups)) lines.push(`cgroup directory left behind: ${c}`);
  for (const l of added(before.links, after.links)) lines.push(`network link left behind: ${l}`);
  for (const f of added(before.fds, after.fds)) lines.push(`fd left open: ${f}`);
  for (const t of added(before.trusted, after.trusted)) lines.push(`trusted state left behind: ${t}`);
  for (const p of added(before.children, after.children, processKey)) {
    const zombie = p.endsWith(' Z');
    lines.push(
      `${zombie ? 'zombie child process not reaped' : 'child process left running'}: pid ${processKey(p)}`,
    );
  }
  return lines;
}

export interface LeakCheckOptions {
  /** Diff lines matching any of these are not leaks (e.g. /fd left open: \d+ -> anon_inode:\[eventfd\]/). */
  ignore?: RegExp[];
  /** Take the link snapshot inside this network namespace instead of the caller's. */
  netns?: string;
  /** How long to wait for asynchronous teardown before judging (default 2000 ms). */
  settleMs?: number;
  /** Serialise with other leak-checked tests on this machine (default true). */
  exclusive?: boolean;
  /** The tests run `ip netns add`: make the /run/netns mount it creates once per boot before the
   *  baseline (see netns-dir.ts), so a fresh host does not count it as the first test's leak. */
  ipNetns?: boolean;
}

/** The addon's supervision thread creates one epoll instance on first use and keeps it for the
 *  life of the process (native/src/watch.c). The first new epoll fd seen in this process is taken
 *  to be that one; any further new epoll fd is still reported. */
const EPOLL_LINE = /^fd left open: (\d+) -> anon_inode:\[eventpoll\]$/;
let processEpollFd: string | null = null;

export function isProcessSingleton(line: string): boolean {
  const m = EPOLL_LINE.exec(line);
  if (!m) return false;
  processEpollFd ??= m[1] ?? null;
  return processEpollFd === m[1];
}

/** Compares against `before` until clean or `settleMs` passed; returns the remaining leak lines. */
export async function settledDiff(before: HostSnapshot, opts: LeakCheckOptions = {}): Promise<string[]> {
  const deadline = Date.now() + (opts.settleMs ?? 2000);
  const ignore = opts.ignore ?? [];
  for (;;) {
    const lines = diffHost(before, snapshotHost({ netns: opts.netns })).filter(
      (l) => !ignore.some((re) => re.test(l)) && !isProcessSingleton(l),
    );
    if (lines.length === 0 || Date.now() >= deadline) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Registers beforeEach/afterEach in the calling test file: fails a test that leaves a new mount,
 *  cgroup directory, network link, open fd or child process (zombies included). Waits briefly
 *  (bounded retries) for asynchronous teardown before judging. */
export function useLeakCheck(opts: LeakCheckOptions = {}): void {
  let before: HostSnapshot | null = null;
  let release: (() => void) | null = null;
  beforeEach(async () => {
    if (opts.exclusive !== false) release = await acquireHostLock(20_000);
    if (opts.ipNetns) prepareNetnsDir();
    before = snapshotHost({ netns: opts.netns });
  });
  afterEach(async () => {
    try {
      if (before === null) return;
      const lines = await settledDiff(before, opts);
      if (lines.length > 0) {
        throw new TestkitError(
          `leak check: the test left ${lines.length} resource(s) behind:\n  ${lines.join('\n  ')}`,
          {
            code: 'ERR_NSINIT_TEST_LEAK',
          },
        );
      }
    } finally {
      before = null;
      release?.();
      release = null;
    }
  });
}
