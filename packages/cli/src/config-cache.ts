// The CLI's cache of validated container.json files, so a start does not load and run the
// validator (typebox, ~90% of the CLI's code) for a config it already accepted. Content-addressed:
// an entry is used only when the file's whole text equals the text it was made from and the
// validator is the same build, so a changed config or a new nsinit always validates afresh. Lives
// in a directory only we can write (mode 0700, tmpfs /run by default; gone after a reboot; a
// non-root user's is under its own $XDG_RUNTIME_DIR, or there is none).
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import { CONFIG_LIMIT, readBounded } from '@nsinit/config/read-file';

/** Set by the bundler (scripts/bundle.mjs): a hash of the bundled @nsinit/config. Unbundled (tests,
 *  dist/cli.js) there is no build identity, so nothing is cached. */
declare const __NSINIT_CONFIG_ID__: string | undefined;

export const DEFAULT_CACHE_DIR = '/run/nsinit/validated';
const MAX_ENTRIES = 64;
// 2: entries keep the config's warnings, so a cached start still prints them.
const FORMAT = 2;

export interface ConfigCache {
  dir: string;
  /** Identity of the validator; entries made by another one are ignored. */
  validator: string;
}

interface Entry {
  format: number;
  validator: string;
  source: string;
  config: ContainerConfig;
  /** The validator's warnings, formatted (`/cgroups/memroy: unknown key, ...`). */
  warnings: string[];
}

/** A validated config and the warnings its validation gave. */
export interface CachedConfig {
  config: ContainerConfig;
  warnings: string[];
}

/** The cache for this process: off when unbundled or NSINIT_CONFIG_CACHE=off|0. */
export function defaultCache(env: NodeJS.ProcessEnv): ConfigCache | null {
  const validator = typeof __NSINIT_CONFIG_ID__ === 'string' ? __NSINIT_CONFIG_ID__ : undefined;
  const setting = env.NSINIT_CONFIG_CACHE;
  if (validator === undefined || setting === 'off' || setting === '0') return null;
  if (setting) return { dir: setting, validator };
  const euid = process.geteuid?.() ?? 0;
  if (euid === 0) return { dir: DEFAULT_CACHE_DIR, validator };
  const runtimeDir = env.XDG_RUNTIME_DIR;
  return runtimeDir?.startsWith('/') && ownedBy(runtimeDir, euid)
    ? { dir: join(runtimeDir, 'nsinit', 'validated'), validator }
    : null;
}

/** A real directory of `uid` that nobody else can write (a shared /tmp could hold a planted one). */
function ownedBy(dir: string, uid: number): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** 64-bit FNV-1a over UTF-16 units, as hex: the entry's file name (collisions only cost a miss). */
export function contentKey(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x01000193) >>> 0;
    h2 = (h2 + (h1 >>> 7)) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

/** The directory, created if needed, or null when someone else could write to it. */
function ownDir(dir: string, create: boolean): string | null {
  try {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    return ownedBy(dir, process.geteuid?.() ?? -1) ? dir : null;
  } catch {
    return null;
  }
}

function lookup(cache: ConfigCache, text: string): CachedConfig | null {
  if (!ownDir(cache.dir, false)) return null;
  try {
    const entry = JSON.parse(readFileSync(join(cache.dir, `${contentKey(text)}.json`), 'utf8')) as Entry;
    if (
      entry.format === FORMAT &&
      entry.validator === cache.validator &&
      entry.source === text &&
      Array.isArray(entry.warnings) &&
      entry.warnings.every((w) => typeof w === 'string')
    )
      return { config: entry.config, warnings: entry.warnings };
  } catch {
    // no entry, or a damaged one: validate
  }
  return null;
}

function store(cache: ConfigCache, text: string, validated: CachedConfig): void {
  const dir = ownDir(cache.dir, true);
  if (!dir) return;
  try {
    const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    if (names.length >= MAX_ENTRIES) {
      // Oldest first: one start per new config pays for a readdir and a few stats.
      const aged = names.map((n) => ({ n, t: lstatSync(join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
      for (const { n } of aged.slice(0, names.length - MAX_ENTRIES + 1)) unlinkSync(join(dir, n));
    }
    const entry: Entry = { format: FORMAT, validator: cache.validator, source: text, ...validated };
    const file = join(dir, `${contentKey(text)}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // full or read-only: the next start validates again
  }
}

/**
 * The validated config of `dataDir`/container.json and its warnings, from the cache or validated
 * now and cached.
 * Undefined when there is no cache, or the file is unreadable or invalid: the caller then lets
 * the runtime load it, which reports the problem exactly as without a cache.
 */
export async function cachedConfig(
  dir: string,
  root: string | undefined,
  cache: ConfigCache | null,
): Promise<CachedConfig | undefined> {
  if (!cache) return undefined;
  let text: string;
  try {
    const dataDir = root ?? realpathSync.native(dir);
    // Bounded: a planted FIFO or huge file falls through to the runtime, which names it.
    text = readBounded(join(dataDir, 'container.json'), CONFIG_LIMIT) as string;
  } catch {
    return undefined;
  }
  const hit = lookup(cache, text);
  if (hit) return hit;
  // Validate exactly the text the entry will be keyed by (not a second read of the file).
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { formatIssue, validateConfig } = await import('@nsinit/config');
  const result = validateConfig(json);
  if (!result.ok) return undefined;
  const validated = { config: result.config, warnings: result.warnings.map(formatIssue) };
  store(cache, text, validated);
  return validated;
}
