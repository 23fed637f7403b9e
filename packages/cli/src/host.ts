// What nsinit needs of the host, checked before anything is created so the user reads the reason
// instead of the first syscall that failed: root (namespaces, mounts and cgroups need it; there is
// no rootless mode), and Linux 5.12 or later (mount_setattr(2) is 5.12, close_range(2) with
// CLOSE_RANGE_CLOEXEC 5.11, pidfd_open(2) 5.3, clone3(2) 5.3).
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

export function rootProblem(euid: number | undefined): string | null {
  return euid === 0 ? null : 'nsinit needs root (namespaces, mounts, cgroups); run it with sudo';
}

/** The first reason this host cannot run containers, or null. */
export function hostProblem(): string | null {
  return rootProblem(process.geteuid?.()) ?? kernelProblem(release());
}
