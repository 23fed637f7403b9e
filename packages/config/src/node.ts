// @nsinit/config/node: reading container.json and OCI config.json from disk (open(2)/read(2)
// through node:fs). The only module of the package that imports node:, so the main entry stays
// browser-safe.
import { ConfigError } from './config-error.js';
import { type ConfigIssue, issue } from './issues.js';
import type { OciConfig } from './oci/schema.js';
import { type OciValidationResult, validateOciConfig } from './oci/validate.js';
import { CONFIG_LIMIT, readBounded } from './read-file.js';
import type { ContainerConfig } from './schema.js';
import { type ValidateOptions, type ValidationResult, validateConfig } from './validate.js';

export { CONFIG_LIMIT, FileReadError, readBounded, readFdBounded } from './read-file.js';

export type ReadConfigResult = ValidationResult & { path: string };
export type ReadOciConfigResult = OciValidationResult & { path: string };

function readText(file: string): string {
  try {
    // A FIFO, a link to /dev/zero or a huge file is an error naming the file, never a hang or OOM.
    return readBounded(file, CONFIG_LIMIT) as string;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { path?: string };
    const detail = e.path === file ? e.message.slice(file.length + 2) : e.message;
    throw new ConfigError(`cannot read config ${file}: ${detail}`, {
      code: e.code ?? 'ERR_NSINIT_INVALID_CONFIG',
      path: file,
      ...(e.errno === undefined ? {} : { errno: e.errno }),
      ...(e.syscall === undefined ? {} : { syscall: e.syscall }),
      cause: err,
    });
  }
}

/** "line 3 column 7" for V8's "... at position 42" JSON.parse messages. */
function jsonProblem(text: string, err: unknown): ConfigIssue {
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.charAt(0).toLowerCase() + raw.slice(1);
  const at = /at position (\d+)/.exec(raw);
  if (at === null) return issue('', `invalid JSON: ${message}`);
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return issue(
    '',
    `invalid JSON at line ${line} column ${column}: ${message.replace(/ at position \d+.*$/, '')}`,
  );
}

type Parsed = { json: unknown } | { problem: ConfigIssue };

function parse(file: string): Parsed {
  const text = readText(file);
  try {
    return { json: JSON.parse(text) };
  } catch (err) {
    return { problem: jsonProblem(text, err) };
  }
}

/** Read and validate a config file without throwing on invalid content; read failures (ENOENT,
 *  EACCES, EISDIR, ...) still throw a ConfigError with the errno fields. */
export function readConfigResult(file: string, opts: ValidateOptions = {}): ReadConfigResult {
  const parsed = parse(file);
  if ('problem' in parsed) return { ok: false, errors: [parsed.problem], warnings: [], path: file };
  return { ...validateConfig(parsed.json, opts), path: file };
}

/** readConfigResult for an OCI bundle's config.json. */
export function readOciConfigResult(file: string, opts: ValidateOptions = {}): ReadOciConfigResult {
  const parsed = parse(file);
  if ('problem' in parsed) return { ok: false, errors: [parsed.problem], warnings: [], path: file };
  return { ...validateOciConfig(parsed.json, opts), path: file };
}

/** Read, parse and validate an OCI config.json; throws a ConfigError naming the file on any problem. */
export function loadOciConfig(file: string, opts: ValidateOptions = {}): OciConfig {
  const result = readOciConfigResult(file, opts);
  if (!result.ok) throw ConfigError.invalid(file, result.errors);
  return result.config;
}

/** Read, parse and validate a config file; throws a ConfigError naming the file on any problem. */
export function loadConfig(file: string, opts: ValidateOptions = {}): ContainerConfig {
  const result = readConfigResult(file, opts);
  if (!result.ok) throw ConfigError.invalid(file, result.errors);
  return result.config;
}

export { ConfigError };
