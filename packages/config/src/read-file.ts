// Bounded reads of files a container or a user can plant (container.json, pid, start, the rootfs's
// /etc files): no final symlink (O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK), only a
// regular file (fstat after open, so no swap in between), and at most `limit` bytes. (Node opens
// every fd with O_CLOEXEC.)
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** Thrown for anything that is not a readable regular file within the limit; `code` is
 *  ERR_NSINIT_UNSAFE_PATH for a wrong kind of file or size, else the errno code (ENOENT...). */
export class FileReadError extends Error {
  readonly code: string;
  readonly path: string;
  readonly errno?: number;
  readonly syscall?: string;
  constructor(
    message: string,
    fields: { code: string; path: string; errno?: number; syscall?: string; cause?: unknown },
  ) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'FileReadError';
    this.code = fields.code;
    this.path = fields.path;
    if (fields.errno !== undefined) this.errno = fields.errno;
    if (fields.syscall !== undefined) this.syscall = fields.syscall;
  }
}

export const CONFIG_LIMIT = 4 * 1024 * 1024;

function kind(st: Stats): string {
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isDirectory()) return 'directory';
  if (st.isSocket()) return 'socket';
  return 'special file';
}

function sizeText(n: number): string {
  return n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : `${n} bytes`;
}

/**
 * The contents of the regular file `path` (at most `limit` bytes), or null when `optional` and it
 * does not exist. Errors are one line naming `path`, never the contents: `<path>: not a regular
 * file (fifo)`, `<path>: is a symbolic link`, `<path>: larger than 4 MiB`.
 */
export function readBounded(path: string, limit: number, opts: { optional?: boolean } = {}): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (opts.optional && e.code === 'ENOENT') return null;
    // O_NOFOLLOW on a final symlink fails with ELOOP.
    const why = e.code === 'ELOOP' ? 'is a symbolic link' : e.message;
    throw new FileReadError(`${path}: ${why}`, {
      code: e.code === 'ELOOP' ? 'ERR_NSINIT_UNSAFE_PATH' : (e.code ?? 'ERR_NSINIT_UNSAFE_PATH'),
      path,
      ...(e.errno === undefined ? {} : { errno: e.errno }),
      syscall: 'open',
      cause: err,
    });
  }
  try {
    return readFdBounded(fd, path, limit);
  } finally {
    closeSync(fd);
  }
}

/** The same checks and bounds on an fd the caller opened (O_NONBLOCK, so a FIFO never blocks). */
export function readFdBounded(fd: number, path: string, limit: number): string {
  const st = fstatSync(fd);
  if (st.isDirectory()) {
    // What read(2) answers, as before this reader existed.
    throw new FileReadError(`${path}: EISDIR: illegal operation on a directory, read`, {
      code: 'EISDIR',
      path,
      errno: -21,
      syscall: 'read',
    });
  }
  if (!st.isFile()) {
    throw new FileReadError(`${path}: not a regular file (${kind(st)})`, {
      code: 'ERR_NSINIT_UNSAFE_PATH',
      path,
    });
  }
  const tooBig = () =>
    new FileReadError(`${path}: larger than ${sizeText(limit)}`, { code: 'ERR_NSINIT_UNSAFE_PATH', path });
  if (st.size > limit) throw tooBig();
  // Read up to one byte past the limit: the file may grow after fstat.
  const buf = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(st.size + 1, 64)));
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    total += n;
    if (total > limit) throw tooBig();
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks, total).toString('utf8');
}
