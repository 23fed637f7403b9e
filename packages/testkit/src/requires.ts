// Host-capability guards: skip (with the reason) a test the host cannot run — root privileges
// (credentials(7)), cgroup v1 controllers or a usable cgroup v2 hierarchy (cgroups(7)), the
// busybox-static binary, a minimum kernel release (uname(2)), or the unprivileged user of the
// rootless cases (rootless.ts), which CI must have: there its absence fails instead of skipping.
import { accessSync, constants, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { readMounts } from './mountinfo.js';
import { rootlessProblem } from './rootless.js';

export type Need =
  | 'root'
  | 'cgroup-v1'
  | 'cgroup-v2'
  | 'busybox'
  | 'rootless-user'
  | `kernel>=${number}.${number}`;

/** Needs scripts/setup provides, so CI (NSINIT_REQUIRE_REFERENCE=1, set by .ci/run) fails a test
 *  that lacks them rather than letting it skip. */
const SETUP_PROVIDES: readonly Need[] = ['rootless-user'];

export const BUSYBOX = '/bin/busybox';
/** What a cgroup v2 test can rely on when 'cgroup-v2' is met. */
const V2_CONTROLLERS = ['memory', 'pids'];

function kernelAtLeast(major: number, minor: number): boolean {
  const [maj = 0, min = 0] = release()
    .split(/[.-]/)
    .map((p) => Number.parseInt(p, 10));
  return maj > major || (maj === major && min >= minor);
}

/** Why one need is not met, or null. */
function check(need: Need): string | null {
  if (need === 'root') {
    return process.getuid?.() === 0 ? null : 'needs root (uid 0)';
  }
  if (need === 'rootless-user') return rootlessProblem();
  if (need === 'busybox') {
    try {
      accessSync(BUSYBOX, constants.X_OK);
      return null;
    } catch {
      return `needs ${BUSYBOX} (apt-get install busybox-static)`;
    }
  }
  if (need === 'cgroup-v1') {
    // v1 hierarchies are mounted with fstype "cgroup"; a real controller appears in the superblock
    // options ("rw,memory"), unlike a name-only hierarchy ("rw,name=systemd").
    const v1 = readMounts().some(
      (m) =>
        m.fstype === 'cgroup' &&
        m.superOptions
          .split(',')
          .some((o) => /^(cpu|cpuacct|cpuset|memory|devices|freezer|blkio|pids)$/.test(o)),
    );
    return v1 ? null : 'needs cgroup v1 controllers mounted under /sys/fs/cgroup';
  }
  if (need === 'cgroup-v2') {
    // A cgroup2 mount alone is not enough: on a hybrid host /sys/fs/cgroup/unified holds only the
    // controllers no v1 hierarchy claimed (often none, or just hugetlb), so limits cannot be set.
    const offered: string[] = [];
    for (const m of readMounts()) {
      if (m.fstype !== 'cgroup2') continue;
      try {
        const ctrls = readFileSync(`${m.mountPoint}/cgroup.controllers`, 'utf8').trim().split(/\s+/);
        if (V2_CONTROLLERS.every((c) => ctrls.includes(c))) return null;
        offered.push(...ctrls.filter((c) => c !== ''));
      } catch {
        /* unreadable: try the next mount */
      }
    }
    return `needs a cgroup v2 hierarchy with the ${V2_CONTROLLERS.join(' and ')} controllers (cgroup2 here offers: ${offered.join(' ') || 'none'})`;
  }
  const m = /^kernel>=(\d+)\.(\d+)$/.exec(need);
  if (m) {
    const [major, minor] = [Number(m[1]), Number(m[2])];
    return kernelAtLeast(major, minor) ? null : `needs kernel >= ${major}.${minor} (running ${release()})`;
  }
  return `unknown requirement '${need}'`;
}

/** The reason(s) the host cannot run the test, or null when all are met. */
export function unmet(...needs: Need[]): string | null {
  const reasons = needs.map(check).filter((r): r is string => r !== null);
  return reasons.length === 0 ? null : reasons.join('; ');
}

/** Inside a test: calls ctx.skip(reason) when the host lacks something. */
export function requires(ctx: { skip: (note?: string) => void }, ...needs: Need[]): void {
  const reason = unmet(...needs);
  if (reason === null) return;
  const provided = needs.filter((n) => SETUP_PROVIDES.includes(n) && check(n) !== null);
  if (provided.length > 0 && process.env.NSINIT_REQUIRE_REFERENCE === '1')
    throw new Error(`${reason} (CI runs scripts/setup, which provides it: this must not skip)`);
  ctx.skip(reason);
}
