// Reads the host state the leak checker compares: mounts (proc(5) mountinfo), cgroup directories
// (cgroups(7), v1 controllers and the unified hierarchy), network links (/proc/net/dev of a network
// namespace, network_namespaces(7)), this process's open fds (/proc/self/fd) and its descendants
// (/proc/<pid>/stat, zombies included).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readMounts } from './mountinfo.js';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** Directories below a controller root deeper than this are not listed (containers live above). */
const CGROUP_MAX_DEPTH = 4;
/** Trees owned by the host's own service manager or sandbox: their sessions come and go while tests
 *  run, so only the branch holding this process's own cgroup is walked inside them. */
const SERVICE_TREES = new Set(['process_api', 'system.slice', 'user.slice', 'init.scope', 'machine.slice']);

/** Mount points with fstype and source; a mount stacked N times appears N times (suffix #2 ...). */
export function snapshotMounts(): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  for (const m of readMounts()) {
    const key = `${m.mountPoint} (${m.fstype} from ${m.source})`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    out.push(n === 1 ? key : `${key} #${n}`);
  }
  return out;
}

/** Controller (or name=) → this process's cgroup path, from /proc/self/cgroup. */
function ownCgroups(): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, ctrls = '', path = '/'] = m;
    if (ctrls === '') own.set('unified', path);
    for (const c of ctrls.split(',')) if (c) own.set(c.replace(/^name=/, ''), path);
  }
  return own;
}

/** Hierarchy roots: every cgroup/cgroup2 mount at /sys/fs/cgroup or directly below it. */
function cgroupRoots(): { name: string; dir: string }[] {
  const roots: { name: string; dir: string }[] = [];
  for (const m of readMounts()) {
    if (m.fstype !== 'cgroup' && m.fstype !== 'cgroup2') continue;
    if (m.mountPoint === CGROUP_ROOT) roots.push({ name: 'unified', dir: m.mountPoint });
    else if (
      m.mountPoint.startsWith(`${CGROUP_ROOT}/`) &&
      !m.mountPoint.slice(CGROUP_ROOT.length + 1).includes('/')
    )
      roots.push({ name: m.mountPoint.slice(CGROUP_ROOT.length + 1), dir: m.mountPoint });
  }
  return roots;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return []; // removed while we walked: not there any more
  }
}

/** `memory:/nsinit/abc` for every cgroup directory up to CGROUP_MAX_DEPTH below each root. */
export function snapshotCgroups(): string[] {
  const own = ownCgroups();
  const out: string[] = [];
  for (const root of cgroupRoots()) {
    const ownPath =
      root.name
        .split(',')
        .map((c) => own.get(c))
        .find((p) => p !== undefined) ?? '/';
    const walk = (rel: string, depth: number, onlyOwnBranch: boolean): void => {
      if (depth >= CGROUP_MAX_DEPTH) return;
      for (const name of subdirs(join(root.dir, rel))) {
        const childRel = `${rel === '/' ? '' : rel}/${name}`;
        const onOwnPath = ownPath === childRel || ownPath.startsWith(`${childRel}/`);
        if (onlyOwnBranch && !onOwnPath) continue;
        out.push(`${root.name}:${childRel}`);
        walk(childRel, depth + 1, SERVICE_TREES.has(name) || (onlyOwnBranch && ownPath !== childRel));
      }
    };
    walk('/', 0, false);
  }
  return out.sort();
}

/** Interface names in the caller's network namespace, or in the one at `netns` (a path such as
 *  /proc/<pid>/ns/net or /run/netns/x, entered with nsenter(1) so this process never moves). */
export function snapshotLinks(netns?: string): string[] {
  const text =
    netns === undefined
      ? readFileSync('/proc/net/dev', 'utf8')
      : execFileSync('nsenter', [`--net=${netns}`, 'cat', '/proc/net/dev'], { encoding: 'utf8' });
  return text
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]?.trim() ?? '')
    .filter((n) => n !== '')
    .sort();
}

/** `17 -> /tmp/x` for every open fd of this process (the fd used to list the directory excluded). */
export function snapshotFds(): string[] {
  const out: string[] = [];
  const self = `/proc/${process.pid}/fd`;
  for (const name of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the directory fd of the listing itself, closed by now
    }
    if (target === self) continue;
    out.push(`${name} -> ${target}`);
  }
  return out.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
}

/** `1234 (sleep) S` for every descendant of this process, zombies (state Z) included. */
export function snapshotChildren(): string[] {
  const procs: { pid: number; ppid: number; comm: string; state: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we listed
    }
    // "pid (comm) state ppid ..." — comm may hold spaces and parentheses; the last ')' ends it.
    const close = stat.lastIndexOf(')');
    const [state = '?', ppid = '0'] = stat.slice(close + 2).split(' ');
    procs.push({
      pid: Number(name),
      ppid: Number(ppid),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      state,
    });
  }
  const mine = new Set([process.pid]);
  const out: string[] = [];
  // Parents have lower pids except after pid wrap-around; iterate until no new descendant is found.
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        out.push(`${p.pid} (${p.comm}) ${p.state}`);
        grew = true;
      }
    }
  }
  return out;
}

/** The runtime's trusted state (one directory per data directory, see @nsinit/runtime
 *  state/trusted.ts) and the files in each: a finished container leaves none. */
export function snapshotTrustedState(root = '/run/nsinit/state'): string[] {
  const out: string[] = [];
  for (const dir of subdirs(root)) {
    out.push(dir);
    try {
      for (const f of readdirSync(join(root, dir))) out.push(`${dir}/${f}`);
    } catch {
      // removed while we walked
    }
  }
  return out.sort();
}
