// How much of each list the runtime can carry: the plan buffer the native core decodes (8 MiB,
// 4096 steps, 65536 strings per vector), execve(2)'s argument space (a quarter of the stack limit,
// between ARG_MAX and 6 MiB, see fs/exec.c bprm_stack_limits), the 64-bit capability sets and the
// 256-rule cgroup v2 device program. A config within these limits compiles to a plan that starts.

/** The plan's ceilings, as src/nsinit.h of @nsinit/native defines them. */
export const PLAN_MAX_BYTES = 8 << 20;
export const PLAN_MAX_STEPS = 4096;
export const PLAN_MAX_STRINGS = 65536;

/** execve(2): argv+envp strings and pointers fit in a quarter of RLIMIT_STACK, at least ARG_MAX
 *  (32 pages) and at most three quarters of the kernel's 8 MiB _STK_LIM. */
export const ARG_MAX = 128 * 1024;
export const EXEC_MAX_BYTES = ((8 << 20) / 4) * 3;
/** The stack limit a process has unless something lowered it (8 MiB, the kernel's _STK_LIM). */
export const DEFAULT_STACK_LIMIT = 8 << 20;

/** Upper bounds on each list; together they keep the plan under PLAN_MAX_STEPS:
 *  mounts + device nodes + their parent directories + rlimits + ~30 fixed steps < 4096. */
export const LIST_LIMITS = {
  environment: PLAN_MAX_STRINGS,
  capabilities: 64,
  mounts: 1024,
  device_nodes: 1024,
  networks: 16,
  routes: 4096,
  rlimits: 16,
  allowed_devices: 256,
  uid_mappings: 340,
  gid_mappings: 340,
} as const;

/** Why each list stops where it does, for the error message. */
export const LIST_LIMIT_REASONS: Record<keyof typeof LIST_LIMITS, string> = {
  environment: 'the most strings the plan carries to execve',
  capabilities: 'the kernel capability sets are 64 bits; name each capability once',
  mounts: 'each is a step of the plan, which has at most 4096',
  device_nodes: 'each is a step of the plan, which has at most 4096',
  networks: 'each is applied from the parent before the container starts',
  routes: 'each is one rtnetlink request before the container starts',
  rlimits: 'one entry per resource',
  allowed_devices: 'the cgroup v2 device program holds at most 256 rules',
  uid_mappings: 'the kernel takes at most 340 lines in a uid_map',
  gid_mappings: 'the kernel takes at most 340 lines in a gid_map',
};

/** Directories created below /dev for device nodes in nested directories (one mkdir step each). */
export const MAX_DEVICE_DIRS = 1024;

/** Bytes of the plan a config may take (its strings plus per-step framing); the rest of the 8 MiB
 *  is left for the command line, the exec candidates, the rootfs path and the fixed steps. */
export const CONFIG_PLAN_BYTES = 4 << 20;

/** The execve(2) argument space for a process whose soft RLIMIT_STACK is `stack` bytes (-1 or
 *  absent: the default 8 MiB is assumed; an unlimited stack still gets at most 6 MiB). */
export function execBudget(stack: number | undefined): number {
  const soft = stack === undefined ? DEFAULT_STACK_LIMIT : stack < 0 ? Number.POSITIVE_INFINITY : stack;
  return Math.max(Math.min(EXEC_MAX_BYTES, Math.floor(soft / 4)), ARG_MAX);
}

/** What one string costs in execve's accounting: its bytes, the NUL and a pointer. */
export function execCost(s: string): number {
  return utf8Length(s) + 1 + 8;
}

/** UTF-8 length without allocating (a config may hold megabytes of strings). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** An absolute path with ".", ".." and repeated "/" resolved, as path.posix.normalize does. */
export function normalisePath(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

/** Parent directories that creating these device paths needs beyond / and /dev, in first-use
 *  order (the runtime makes each once, as a mkdir step, before the node). */
export function deviceDirectories(paths: readonly string[]): string[] {
  const made = new Set<string>(['/', '/dev']);
  const out: string[] = [];
  for (const path of paths) {
    const target = normalisePath(path);
    const chain: string[] = [];
    for (let dir = parentOf(target); !made.has(dir); dir = parentOf(dir)) chain.push(dir);
    for (let i = chain.length - 1; i >= 0; i--) {
      made.add(chain[i]!);
      out.push(chain[i]!);
    }
  }
  return out;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}
