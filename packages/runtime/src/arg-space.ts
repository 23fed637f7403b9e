// execve(2) refuses (E2BIG) a command line and environment that do not fit its argument space: a
// quarter of the soft RLIMIT_STACK in force at the exec, at least ARG_MAX (128 KiB) and at most
// 6 MiB (fs/exec.c bprm_stack_limits). Checked before anything is created, so a too-long command
// is refused in the user's terms instead of failing in the child after cgroups and networks exist.
import { readFileSync } from 'node:fs';
import { ErrorCodes, type NsinitError, nsinitError } from './errors.js';

const ARG_MAX = 128 * 1024;
const EXEC_MAX = 6 * 1024 * 1024;
const POINTER = 8;

/** Soft RLIMIT_STACK of this process (the child inherits it unless the config sets one). */
function ownStackLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max stack size'));
    const soft = line?.slice('Max stack size'.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return Number.POSITIVE_INFINITY;
    if (soft !== undefined && /^\d+$/.test(soft)) return Number(soft);
  } catch {
    /* no procfs: assume the kernel default */
  }
  return 8 * 1024 * 1024;
}

export interface RlimitLike {
  type?: string;
  soft?: number;
}

/** The argument space execve will have in the container. */
export function argSpace(rlimits: readonly RlimitLike[] | null | undefined): number {
  const set = (rlimits ?? []).find((r) => r.type === 'RLIMIT_STACK' && typeof r.soft === 'number');
  const stack = set === undefined ? ownStackLimit() : set.soft! < 0 ? Number.POSITIVE_INFINITY : set.soft!;
  return Math.max(Math.min(EXEC_MAX, Math.floor(stack / 4)), ARG_MAX);
}

/** Bytes execve accounts for: each string with its NUL, and one pointer per string. */
export function argBytes(argv: readonly string[], envp: readonly string[]): number {
  let n = 0;
  for (const s of argv) n += Buffer.byteLength(s) + 1 + POINTER;
  for (const s of envp) n += Buffer.byteLength(s) + 1 + POINTER;
  return n;
}

/** The error for a command line that cannot be executed, or null when it fits. */
export function argSpaceError(
  argv: readonly string[],
  envp: readonly string[],
  rlimits: readonly RlimitLike[] | null | undefined,
): NsinitError | null {
  const used = argBytes(argv, envp);
  const space = argSpace(rlimits);
  if (used <= space) return null;
  return nsinitError(
    ErrorCodes.EXEC_FAILED,
    `cannot execute '${argv[0]}': the command line and environment take ${used} bytes, more than ` +
      `the ${space} bytes execve(2) has here (a quarter of the stack limit)`,
    { errno: -7, syscall: 'execve' },
  );
}
