// Loading an OCI bundle: config.json read (bounded) and validated by @nsinit/config's
// validateOciConfig (every problem with its JSON pointer; the first one is the error's message),
// and the parts of it the lifecycle itself reads (hooks, process, annotations).
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { OciConfig } from '@nsinit/config';
import { configError } from '../errors.js';
import { CONFIG_LIMIT, readBounded } from '../state/files.js';

export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface OciHooks {
  prestart?: OciHook[];
  createRuntime?: OciHook[];
  createContainer?: OciHook[];
  startContainer?: OciHook[];
  poststart?: OciHook[];
  poststop?: OciHook[];
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciSpec {
  ociVersion: string;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  mounts?: OciMount[];
  process?: {
    terminal?: boolean;
    consoleSize?: { height: number; width: number };
    user?: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
    args?: string[];
    env?: string[];
    cwd?: string;
    capabilities?: Partial<
      Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', string[]>
    >;
    rlimits?: { type: string; hard: number; soft: number }[];
    noNewPrivileges?: boolean;
    oomScoreAdj?: number;
  };
  hooks?: OciHooks;
  annotations?: Record<string, string>;
  linux?: {
    namespaces?: { type: string; path?: string }[];
    uidMappings?: unknown[];
    gidMappings?: unknown[];
    devices?: {
      path: string;
      type: string;
      major?: number;
      minor?: number;
      fileMode?: number;
      uid?: number;
      gid?: number;
    }[];
    cgroupsPath?: string;
    resources?: {
      memory?: { limit?: number; reservation?: number; swap?: number };
      cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
      pids?: { limit?: number };
      devices?: { allow: boolean; type?: string; major?: number; minor?: number; access?: string }[];
    };
    sysctl?: Record<string, string>;
    seccomp?: unknown;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    rootfsPropagation?: string;
    mountLabel?: string;
    timeOffsets?: unknown;
  };
}

export interface Bundle {
  /** Absolute bundle directory (symlinks resolved). */
  dir: string;
  spec: OciSpec;
  /** The validated config (canonical keys) for the plan compiler. */
  config: OciConfig;
  /** Host path of root.path, symlinks resolved. */
  rootfs: string;
}

/** Read `<dir>/config.json` and resolve the rootfs. Errors name the field ('/process/args') or
 *  the file; nothing is created. */
export async function loadBundle(dirIn: string): Promise<Bundle> {
  let dir: string;
  try {
    dir = realpathSync.native(resolve(dirIn));
  } catch {
    throw configError('/', `the bundle directory '${dirIn}' does not exist`);
  }
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = readBounded(file, CONFIG_LIMIT) ?? '';
  } catch (err) {
    throw configError('/', `cannot read '${file}': ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw configError('/', `'${file}' is not valid JSON: ${(err as Error).message}`);
  }
  const { validateOciConfig } = await import('@nsinit/config');
  const result = validateOciConfig(raw);
  if (!result.ok) {
    const first = result.errors[0]!;
    const err = configError(first.path === '' ? '/' : first.path, first.message);
    Object.assign(err, { errors: result.errors });
    throw err;
  }
  const spec = result.config as unknown as OciSpec;
  const rootPath = spec.root?.path ?? '';
  const rootfs = isAbsolute(rootPath) ? rootPath : join(dir, rootPath);
  let real: string;
  try {
    real = realpathSync.native(rootfs);
    if (!statSync(real).isDirectory()) throw new Error('not a directory');
  } catch {
    throw configError('/root/path', `'${rootfs}' is not a directory`);
  }
  return { dir, spec, config: result.config, rootfs: real };
}
