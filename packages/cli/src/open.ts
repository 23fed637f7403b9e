// Opening the container of the working directory the same way in every command: the validated-
// config cache, the config's warnings on stderr once per command (cached or not), and a missing
// container.json reported in the user's terms with the way to create one.
import { join } from 'node:path';
import type { CommandContext } from './command.js';
import { cachedConfig, defaultCache } from './config-cache.js';
import { lazyStderr, type TextSink, warn } from './output.js';
import { containerPaths } from './paths.js';

type Runtime = typeof import('@nsinit/runtime');

/** The error for a directory without container.json: says where and how to make one. */
export class NoConfigError extends Error {
  readonly code = 'ERR_NSINIT_NO_CONFIG';
  constructor(readonly path: string) {
    super(`no container.json in ${join(path, '..')}; create one with 'nsinit spec > container.json'`);
    this.name = 'NoConfigError';
  }
}

export function isMissingConfig(err: unknown, configPath: string): boolean {
  const e = err as { code?: string; path?: string } | null;
  return e?.code === 'ENOENT' && e.path === configPath;
}

/** Most warnings a command prints; `config validate` lists them all. */
export const MAX_WARNINGS = 20;

/** A warning printer for one command: the first MAX_WARNINGS, then one line saying there are more. */
export function warningPrinter(stderr: TextSink): (message: string) => void {
  let count = 0;
  return (message) => {
    count++;
    if (count <= MAX_WARNINGS) warn(stderr, message);
    else if (count === MAX_WARNINGS + 1)
      warn(stderr, "more warnings not shown; 'nsinit config validate' lists them all");
  };
}

/** runtime.open() for this command's directory, printing the config's warnings to stderr. */
export async function openContainer(ctx: CommandContext, runtime: Runtime) {
  const { io } = ctx;
  const { dir, root, configPath } = containerPaths(ctx);
  const onWarning = warningPrinter(lazyStderr(io));
  const cached = await cachedConfig(dir, root, defaultCache(io.env));
  // A cache answer carries the warnings its validation gave; otherwise open() reports them.
  if (cached) for (const w of cached.warnings) onWarning(w);
  try {
    return await runtime.open(dir, { root, onWarning, ...(cached ? { config: cached.config } : {}) });
  } catch (err) {
    if (isMissingConfig(err, configPath)) throw new NoConfigError(configPath);
    throw err;
  }
}

/**
 * For commands that do not need the config to work (status): report its warnings, or that it is
 * invalid or missing, on stderr. Returns whether container.json exists.
 */
export async function reportConfig(ctx: CommandContext): Promise<boolean> {
  const { io } = ctx;
  const { dir, root, configPath } = containerPaths(ctx);
  const onWarning = warningPrinter(lazyStderr(io));
  const cached = await cachedConfig(dir, root, defaultCache(io.env));
  if (cached) {
    for (const w of cached.warnings) onWarning(w);
    return true;
  }
  const { formatIssue } = await import('@nsinit/config');
  const { readConfigResult } = await import('@nsinit/config/node');
  let result: ReturnType<typeof readConfigResult>;
  try {
    result = readConfigResult(configPath);
  } catch (err) {
    if (isMissingConfig(err, configPath)) {
      io.stderr.write(`nsinit: ${new NoConfigError(configPath).message}\n`);
      return false;
    }
    warn(io.stderr, (err as Error).message);
    return true;
  }
  for (const w of result.warnings) warn(io.stderr, formatIssue(w));
  if (!result.ok) {
    const n = result.errors.length;
    warn(
      io.stderr,
      `${configPath} is not valid (${n} error${n === 1 ? '' : 's'}; 'nsinit config validate' lists them)`,
    );
  }
  return true;
}
