// The parts of an OCI runtime-spec config.json (config.md, config-linux.md) the OCI lifecycle
// reads, and loading a bundle: config.json parsed and checked for the fields create cannot do
// without, each problem named by its JSON pointer. @nsinit/config's validateOciConfig replaces the
// structural checks here when it lands.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { configError } from '../errors.js';

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
  /** Host path of root.path, symlinks resolved. */
  rootfs: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringArray(v: unknown, path: string, nonEmpty = false): void {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw configError(path, 'must be an array of strings');
  if (nonEmpty && (v.length === 0 || v[0] === '')) throw configError(path, 'must not be empty');
}

/** Read `<dir>/config.json` and resolve the rootfs. Errors name the field ('/process/args') or
 *  the file; nothing is created. */
export function loadBundle(dirIn: string): Bundle {
  let dir: string;
  try {
    dir = realpathSync.native(resolve(dirIn));
  } catch {
    throw configError('/', `the bundle directory '${dirIn}' does not exist`);
  }
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw configError('/', `cannot read '${file}': ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw configError('/', `'${file}' is not valid JSON: ${(err as Error).message}`);
  }
  const spec = checkSpec(raw);
  const rootPath = spec.root!.path;
  const rootfs = isAbsolute(rootPath) ? rootPath : join(dir, rootPath);
  let real: string;
  try {
    real = realpathSync.native(rootfs);
    if (!statSync(real).isDirectory()) throw new Error('not a directory');
  } catch {
    throw configError('/root/path', `'${rootfs}' is not a directory`);
  }
  return { dir, spec, rootfs: real };
}

const HOOK_KINDS = [
  'prestart',
  'createRuntime',
  'createContainer',
  'startContainer',
  'poststart',
  'poststop',
] as const;

export function checkSpec(raw: unknown): OciSpec {
  if (!isObject(raw)) throw configError('/', 'config.json must be a JSON object');
  if (typeof raw.ociVersion !== 'string')
    throw configError('/ociVersion', 'must be a string such as "1.0.2"');
  if (!/^1\.[0-2]\.\d+(-.*)?$/.test(raw.ociVersion))
    throw configError('/ociVersion', `'${raw.ociVersion}' is not a supported version (1.0.0 to 1.2.x)`);
  if (!isObject(raw.root) || typeof raw.root.path !== 'string' || raw.root.path === '')
    throw configError('/root/path', 'must be a non-empty string');
  const p = raw.process;
  // process is OPTIONAL for create and REQUIRED for start (runtime.md): checked when present.
  if (p !== undefined) checkProcess(p);
  if (raw.hooks !== undefined) checkHooks(raw.hooks);
  if (raw.annotations !== undefined && !isObject(raw.annotations))
    throw configError('/annotations', 'must be an object of strings');
  const linux = raw.linux;
  if (linux !== undefined && !isObject(linux)) throw configError('/linux', 'must be an object');
  return raw as unknown as OciSpec;
}

function checkProcess(p: unknown): void {
  if (!isObject(p)) throw configError('/process', 'must be an object');
  stringArray(p.args, '/process/args', true);
  if (p.env !== undefined) stringArray(p.env, '/process/env');
  if (typeof p.cwd !== 'string' || !p.cwd.startsWith('/'))
    throw configError('/process/cwd', 'must be an absolute path');
  if (p.user !== undefined) {
    if (!isObject(p.user)) throw configError('/process/user', 'must be an object');
    for (const k of ['uid', 'gid'] as const) {
      const v = p.user[k];
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xfffffffe)
        throw configError(`/process/user/${k}`, 'must be an integer in 0..4294967294');
    }
  }
}

function checkHooks(hooks: unknown): void {
  if (!isObject(hooks)) throw configError('/hooks', 'must be an object');
  for (const kind of HOOK_KINDS) {
    const list = hooks[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw configError(`/hooks/${kind}`, 'must be an array');
    list.forEach((h, i) => {
      const at = `/hooks/${kind}/${i}`;
      if (!isObject(h) || typeof h.path !== 'string' || !h.path.startsWith('/'))
        throw configError(`${at}/path`, 'must be an absolute path');
      if (h.args !== undefined) stringArray(h.args, `${at}/args`);
      if (h.env !== undefined) stringArray(h.env, `${at}/env`);
      if (h.timeout !== undefined && !(Number.isInteger(h.timeout) && (h.timeout as number) > 0))
        throw configError(`${at}/timeout`, 'must be a positive integer (seconds)');
    });
  }
}
