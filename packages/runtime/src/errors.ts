// Stable error codes of the container lifecycle. Every error the runtime throws is an NsinitError
// (Node SystemError-like: code, errno, syscall, path, step) that wraps its cause; the codes below
// are the contract callers may switch on, messages are for people.
import { NsinitError, type NsinitErrorFields } from '@nsinit/native';

export { NsinitError, type NsinitErrorFields };

export const ErrorCodes = {
  /** container.json failed validation, or a value cannot be applied (with `errors[{path,message}]`). */
  INVALID_CONFIG: 'ERR_NSINIT_INVALID_CONFIG',
  /** An argument or option of the API was wrong (names the option and the value received). */
  INVALID_ARG: 'ERR_NSINIT_INVALID_ARG',
  /** A container is already live in this data directory (`run` refuses to start a second one). */
  CONTAINER_RUNNING: 'ERR_NSINIT_CONTAINER_RUNNING',
  /** No live container in this data directory (`join`). */
  CONTAINER_NOT_RUNNING: 'ERR_NSINIT_CONTAINER_NOT_RUNNING',
  CONTAINER_PAUSED: 'ERR_NSINIT_CONTAINER_PAUSED',
  /** Started or joined from a worker thread: the container's supervision (its exit watch and
   *  teardown) would belong to that worker and end with it. Start containers from the main thread. */
  WORKER_THREAD: 'ERR_NSINIT_WORKER_THREAD',
  /** The data directory lock could not be taken in time. */
  LOCK_TIMEOUT: 'ERR_NSINIT_LOCK_TIMEOUT',
  /** The user spec names a user or group the container does not have, or is malformed. */
  UNKNOWN_USER: 'ERR_NSINIT_UNKNOWN_USER',
  /** A path inside the rootfs leaves it (symlink escape) or is unsafe. */
  UNSAFE_PATH: 'ERR_NSINIT_UNSAFE_PATH',
  /** The container process could not be started (the cause says which step failed). */
  START_FAILED: 'ERR_NSINIT_START_FAILED',
  /** The command could not be executed (cause: the exec step's errno, ENOENT or EACCES...). */
  EXEC_FAILED: 'ERR_NSINIT_EXEC_FAILED',
  /** OCI: no container with this id under --root. */
  OCI_NOT_FOUND: 'ERR_NSINIT_OCI_NOT_FOUND',
  /** OCI: the id is taken under --root. */
  OCI_EXISTS: 'ERR_NSINIT_OCI_EXISTS',
  /** OCI: the operation is not allowed in the container's status (start twice, delete running...). */
  OCI_BAD_STATE: 'ERR_NSINIT_OCI_STATE',
  /** OCI: the container id is empty or not one safe path component. */
  OCI_INVALID_ID: 'ERR_NSINIT_OCI_INVALID_ID',
  /** OCI: a hook failed or timed out. */
  OCI_HOOK_FAILED: 'ERR_NSINIT_OCI_HOOK',
  /** Rootless: no private place for the trusted state ($XDG_RUNTIME_DIR unset, not the caller's,
   *  or writable by others), or a --root that is not the caller's own. */
  ROOTLESS_STATE: 'ERR_NSINIT_ROOTLESS_STATE',
  /** The process was stopped because `timeout` elapsed. */
  TIMEOUT: 'ERR_NSINIT_TIMEOUT',
  /** The process was stopped because the `signal` option aborted. */
  ABORTED: 'ABORT_ERR',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export function nsinitError(code: ErrorCode, message: string, fields: Omit<NsinitErrorFields, 'code'> = {}) {
  return new NsinitError(message, { ...fields, code });
}

/** An API option had a wrong value: names the option and what was received (like Node's
 *  ERR_INVALID_ARG_VALUE). */
export function invalidArg(option: string, expected: string, received: unknown): NsinitError {
  return nsinitError(
    ErrorCodes.INVALID_ARG,
    `the '${option}' option must be ${expected}, received ${describeValue(received)}`,
    { option, received },
  );
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') {
    try {
      return `${Array.isArray(value) ? 'array' : 'object'} ${JSON.stringify(value)}`;
    } catch {
      return 'an object';
    }
  }
  return `${typeof value} ${String(value)}`;
}

/** An invalid-config error for one field, in the same shape as validateConfig's issues. */
export function configError(path: string, message: string): NsinitError {
  return nsinitError(ErrorCodes.INVALID_CONFIG, `invalid config: ${path}: ${message}`, {
    errors: [{ path, message }],
  });
}
