// The error thrown by loadConfig: shaped like Node's SystemError (code, errno, syscall, path) so a
// read failure keeps the errno of open(2)/read(2), and carrying every validation issue otherwise.
// No node: import here, so index.ts stays browser-safe.
import { type ConfigIssue, formatIssue } from './issues.js';

export type ConfigErrorCode = 'ERR_NSINIT_INVALID_CONFIG' | (string & {});

export interface ConfigErrorFields {
  code: ConfigErrorCode;
  /** The config file. */
  path: string;
  errors?: ConfigIssue[];
  errno?: number;
  syscall?: string;
  cause?: unknown;
}

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly path: string;
  readonly errors: ConfigIssue[];
  readonly errno?: number;
  readonly syscall?: string;

  constructor(message: string, fields: ConfigErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'ConfigError';
    this.code = fields.code;
    this.path = fields.path;
    this.errors = fields.errors ?? [];
    if (fields.errno !== undefined) this.errno = fields.errno;
    if (fields.syscall !== undefined) this.syscall = fields.syscall;
  }

  /** `invalid config /x/container.json: /cgroups/memory: expected ..., got "512m" (and 2 more)` */
  static invalid(file: string, errors: ConfigIssue[]): ConfigError {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    const first = errors[0] === undefined ? 'no details' : formatIssue(errors[0]);
    return new ConfigError(`invalid config ${file}: ${first}${more}`, {
      code: 'ERR_NSINIT_INVALID_CONFIG',
      path: file,
      errors,
    });
  }
}
