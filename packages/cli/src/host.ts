// What nsinit needs of the host, checked before anything is created so the user reads the reason
// instead of the first syscall that failed: Linux 5.12 or later (mount_setattr(2) is 5.12,
// close_range(2) with CLOSE_RANGE_CLOEXEC 5.11, pidfd_open(2) 5.3, clone3(2) 5.3), and for a
// caller that is not root (rootless mode) a private $XDG_RUNTIME_DIR for its trusted state.
import { release } from 'node:os';

export const MIN_KERNEL: readonly [number, number] = [5, 12];

/** Why this kernel release (uname -r) is too old, or null. Unparsable releases are let through. */
export function kernelProblem(kernelRelease: string): string | null {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!m) return null;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major > MIN_KERNEL[0] || (major === MIN_KERNEL[0] && minor >= MIN_KERNEL[1])) return null;
  return `nsinit needs Linux >= ${MIN_KERNEL.join('.')} (found ${kernelRelease})`;
}

/** Why a rootless caller has nowhere to keep its state (XDG_RUNTIME_DIR unset, not its own,
 *  writable by others), or null; root always has /run/nsinit. */
export async function stateProblem(env: NodeJS.ProcessEnv): Promise<string | null> {
  const { isRootless, userRuntimeDir } = await import('@nsinit/runtime');
  if (!isRootless()) return null;
  try {
    userRuntimeDir(env);
    return null;
  } catch (err) {
    return `nsinit: ${(err as Error).message}`;
  }
}

/** The first reason this host cannot run containers for this caller, or null. */
export async function hostProblem(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  return kernelProblem(release()) ?? (await stateProblem(env));
}
