// Finds and loads the compiled addon (the package's prebuilt for this platform, CPU and C library,
// then a source build in build/Release or build/Debug; NSINIT_NATIVE_ADDON overrides, e.g. for the
// AddressSanitizer build) and describes its raw, untyped-by-C surface. The package is ESM, so the
// CommonJS .node file is loaded with createRequire(import.meta.url).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

export interface RawListener {
  listenerFd: number;
  sync: number;
  step: number;
}

/** What binding.cc exports; lib/native.ts wraps it into NativeBindings. */
export interface RawAddon {
  init(
    systemError: (errno: number, syscall: string, path?: string, dest?: string) => Error,
    invalidPlan: (message: string) => Error,
  ): void;
  spawn(plan: Uint8Array): RawSpawned;
  spawnAsync(plan: Uint8Array): Promise<RawSpawned>;
  join(targetPidfd: number, nsFlags: number, plan: Uint8Array): Promise<RawSpawned>;
  go(sync: number): void;
  /** null: exec'd; a failure record; or a seccomp listener fd with the sync socket handed back. */
  awaitExec(sync: number): Promise<RawFailure | RawListener | null>;
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
  nsOpen(path: string): { fd: number; nstype: number };
  cgroupDeviceFilter(cgroupDir: string, rules: Int32Array): void;
  openIdmappedTree(
    source: string,
    recursive: boolean,
    flags: number,
    idmapRecursive: boolean,
    uidMap: string,
    gidMap: string,
  ): number;
  capabilities: Record<string, number>;
  rlimits: Record<string, number>;
  constants: Record<string, number>;
}

const ADDON = 'nsinit_native.node';

/** prebuildify's layout (what node-gyp-build looks for): prebuilds/<platform>-<arch>/, the file's
 *  dot-separated tags naming Node-API and the C library it was linked against. */
export const PREBUILT = 'nsinit_native.napi.glibc.node';
const PREBUILT_RE = /^nsinit_native\.napi\.(glibc|musl)\.node$/;

/** The dynamic loader a musl system has instead of glibc's: a glibc-linked addon cannot load there. */
const MUSL_LOADER: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64' };

function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

/** The C library a prebuilt must have been linked against to load here: the one this Node runs
 *  on. Without musl's loader on disk it is glibc (one stat); with it (a musl system, or a glibc one
 *  with musl-tools installed) Node's own mappings say which libc it was linked against. */
export function hostLibc(): 'glibc' | 'musl' {
  if (!existsSync(`/lib/ld-musl-${MUSL_LOADER[process.arch] ?? process.arch}.so.1`)) return 'glibc';
  try {
    return readFileSync('/proc/self/maps', 'latin1').includes('/ld-musl-') ? 'musl' : 'glibc';
  } catch {
    return 'musl';
  }
}

/** Paths tried in order. An explicit NSINIT_NATIVE_ADDON is the only candidate, so a broken
 *  override (e.g. the ASan build) fails loudly instead of silently falling back. */
export function addonCandidates(): string[] {
  const override = process.env.NSINIT_NATIVE_ADDON;
  if (override) return [path.resolve(override)];
  const root = packageRoot();
  const prebuilt = path.join(
    root,
    'prebuilds',
    `${process.platform}-${process.arch}`,
    `nsinit_native.napi.${hostLibc()}.node`,
  );
  return [prebuilt, path.join(root, 'build', 'Release', ADDON), path.join(root, 'build', 'Debug', ADDON)];
}

/** "linux-x64 (glibc), linux-arm64 (glibc)": the prebuilts this package carries, for the error. */
export function shippedPrebuilts(): string[] {
  const dir = path.join(packageRoot(), 'prebuilds');
  const out: string[] = [];
  try {
    for (const target of readdirSync(dir).sort())
      for (const file of readdirSync(path.join(dir, target)))
        out.push(`${target} (${PREBUILT_RE.exec(file)?.[1] ?? file})`);
  } catch {
    // no prebuilds directory (a source checkout before its first build)
  }
  return out;
}

/** "linux-x64, glibc 2.36": what a prebuilt has to match, for the error when none loads. */
export function describeHost(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  const libc = header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'no glibc (musl?)';
  return `${process.platform}-${process.arch}, ${libc}, Node ${process.versions.node}`;
}

/** Why one candidate did not load, in one short clause. */
function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'MODULE_NOT_FOUND') return 'missing';
  return (e.message ?? String(err)).split('\n')[0]!;
}

export function loadAddon(): RawAddon {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  const causes: unknown[] = [];
  for (const file of addonCandidates()) {
    try {
      return require(file) as RawAddon;
    } catch (err) {
      tried.push(`${file} (${reasonOf(err)})`);
      causes.push(err);
    }
  }
  // In a source checkout the workspace build makes it; an installed package rebuilds through its
  // install script (scripts/install.mjs), which compiles with cmake-js when no prebuilt loads.
  const checkout = existsSync(path.join(packageRoot(), 'lib', 'load.ts'));
  const rebuild = checkout ? '`pnpm build` in the checkout' : '`npm rebuild @nsinit/native`';
  throw new NsinitError(
    `cannot load the nsinit native addon on ${describeHost()}: no prebuilt or source build loads (tried ${tried.join(', ')}; prebuilts shipped: ${shippedPrebuilts().join(', ') || 'none'}); to build from source: \`apt-get install cmake g++ libseccomp-dev\`, then ${rebuild}`,
    { code: 'ERR_NSINIT_NATIVE_LOAD', cause: causes[0], tried },
  );
}
