// The one error shape of the project, modelled on Node's SystemError: a stable `code`, and where a
// syscall failed its `errno`, `syscall`, `path`, `dest`; `step` names the plan step in the child.
// Defined once here; the addon constructs it and every layer wraps with `cause`.
// Node's libuv error table gives code names and messages without a native lookup.
import { getSystemErrorMap } from 'node:util';

export interface NsinitErrorFields {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
  step?: string;
  cause?: unknown;
  /** Extra structured data (e.g. validation errors). */
  [key: string]: unknown;
}

export class NsinitError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
  step?: string;

  constructor(message: string, fields: NsinitErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'NsinitError';
    const { cause: _cause, ...rest } = fields;
    Object.assign(this, rest);
    this.code = fields.code;
  }
}

// Built on first use: the map is libuv's whole error table, ~0.5 ms that a start which fails
// nothing never needs.
let errorMap: Map<number, [string, string]> | undefined;

// Errnos libuv's table lacks that the child can report (execve(2) of a file with no #! line and
// no known binary format).
const EXTRA_ERRNOS = new Map<number, [string, string]>([[-8, ['ENOEXEC', 'exec format error']]]);

/** `ENOENT` and `no such file or directory` for a positive errno. */
export function describeErrno(errno: number): { code: string; message: string } {
  errorMap ??= getSystemErrorMap();
  const entry = errorMap.get(-Math.abs(errno)) ?? EXTRA_ERRNOS.get(-Math.abs(errno));
  return entry ? { code: entry[0], message: entry[1] } : { code: `E${errno}`, message: `errno ${errno}` };
}

/** `EPERM: operation not permitted, mount 'proc' -> '/rootfs/proc'` */
export function systemError(
  errno: number,
  syscall: string,
  path?: string,
  extra: { dest?: string; step?: string; cause?: unknown } = {},
): NsinitError {
  const { code, message } = describeErrno(errno);
  let text = `${code}: ${message}, ${syscall}`;
  if (path !== undefined && path !== '') text += ` '${path}'`;
  if (extra.dest !== undefined) text += ` -> '${extra.dest}'`;
  const fields: NsinitErrorFields = { code, errno: -Math.abs(errno), syscall };
  if (path !== undefined && path !== '') fields.path = path;
  if (extra.dest !== undefined) fields.dest = extra.dest;
  if (extra.step !== undefined) fields.step = extra.step;
  if (extra.cause !== undefined) fields.cause = extra.cause;
  return new NsinitError(text, fields);
}
