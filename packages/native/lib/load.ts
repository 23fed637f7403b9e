// Finds and loads the compiled addon (build/Release, then build/Debug; NSINIT_NATIVE_ADDON overrides,
// e.g. for the AddressSanitizer build) and describes its raw, untyped-by-C surface. The package is
// ESM, so the CommonJS .node file is loaded with createRequire(import.meta.url).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NsinitError } from './errors.js';

export interface RawSpawned {
  pid: number;
  pidfd: number;
  sync: number;
}

export interface RawFailure {
  step: number;
  op: number;
  syscall: string;
  errno: number;
  path: string;
}

/** What binding.cc exports; lib/native.ts wraps it into NativeBindings. */
export interface RawAddon {
  init(
    systemError: (errno: number, syscall: string, path?: string, dest?: string) => Error,
    invalidPlan: (message: string) => Error,
  ): void;
  spawn(plan: Uint8Array): RawSpawned;
  join(targetPidfd: number, nsFlags: number, plan: Uint8Array): Promise<RawSpawned>;
  go(sync: number): void;
  awaitExec(sync: number): Promise<RawFailure | null>;
  waitExit(pidfd: number): Promise<{ exitCode: number | null; signal: number | null }>;
  /** Test-only: decode and validate an encoded plan; returns the step ops. */
  decodePlan(plan: Uint8Array): string[];
  /** Test-only: fcntl(F_DUPFD) without close-on-exec. */
  dupInheritable(fd: number): number;
  compileSeccomp(
    defaultAction: number,
    arches: string[],
    names: string[],
    actions: number[],
    args: (readonly [number, number, bigint, bigint])[][],
  ): Uint8Array;
  pidfdOpen(pid: number): number;
  pidfdSignal(pidfd: number, signal: number): boolean;
  startTime(pid: number): string | null;
  isMainThread(): boolean;
  openPty(pidfd?: number, pid?: number): { master: number; slave: number };
  getWinSize(fd: number): { cols: number; rows: number };
  setWinSize(fd: number, cols: number, rows: number): void;
  makeRaw(fd: number): Buffer;
  restoreTermios(fd: number, saved: Uint8Array): void;
  getTermios(fd: number): { iflag: number; oflag: number; cflag: number; lflag: number };
  pipe(): [number, number];
  close(fd: number): void;
  tryLock(fd: number): boolean;
  gateListen(path: string): number;
  gateConnect(path: string): number;
  sendFd(socketPath: string, fd: number, name: string): void;
  netlinkOpen(nsFd: number): number;
  netlinkSend(fd: number, message: Uint8Array): void;
  netlinkRecv(fd: number): Buffer;
  mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount(target: string, flags: number): void;
  cgroupDeviceFilter(cgroupDir: string, rules: Int32Array): void;
  capabilities: Record<string, number>;
  rlimits: Record<string, number>;
  constants: Record<string, number>;
}

const ADDON = 'nsinit_native.node';

/** Paths tried in order. An explicit NSINIT_NATIVE_ADDON is the only candidate, so a broken
 *  override (e.g. the ASan build) fails loudly instead of silently falling back. */
export function addonCandidates(): string[] {
  const override = process.env.NSINIT_NATIVE_ADDON;
  if (override) return [path.resolve(override)];
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  return [path.join(root, 'build', 'Release', ADDON), path.join(root, 'build', 'Debug', ADDON)];
}

export function loadAddon(): RawAddon {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  const causes: unknown[] = [];
  for (const file of addonCandidates()) {
    try {
      return require(file) as RawAddon;
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      tried.push(`${file} (${reason})`);
      causes.push(err);
    }
  }
  throw new NsinitError(
    `cannot load the nsinit native addon, tried: ${tried.join(', ')}; build it with \`pnpm --filter @nsinit/native build\``,
    { code: 'ERR_NSINIT_NATIVE_LOAD', cause: causes[0], tried },
  );
}
