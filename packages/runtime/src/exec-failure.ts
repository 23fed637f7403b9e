// Why execve(2) failed, in the user's terms, with the shell's exit status (126/127). The child only
// knows the errno; the file it names is examined from the host side, resolved inside the rootfs,
// reading at most 256 bytes (BINPRM_BUF_SIZE: all the kernel reads for a #! line or ELF header).
// Mounts the container adds are not seen from here: a diagnosis, with the errno kept in `cause`.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { type ChildFailure, childFailureError, describeErrno, type Plan } from '@nsinit/native';
import { ErrorCodes, type NsinitError, nsinitError } from './errors.js';
import { type Identity, resolveInRootSync } from './user.js';

const ENOENT = 2;
const ENOEXEC = 8;
const EACCES = 13;
const ENOTDIR = 20;
const HEAD_BYTES = 256;

export interface ExecDiagnosis {
  /** Finishes "cannot execute '<argv0>': ..." (no errno jargon). */
  reason: string;
  /** 127 when the command (or its interpreter) does not exist, else 126. */
  exitCode: 126 | 127;
}

type Kind = 'file' | 'dir' | 'other' | 'missing';

function kindOf(rootfs: string, path: string): { kind: Kind; host: string; mode: number } {
  try {
    const host = resolveInRootSync(rootfs, path);
    const st = statSync(host);
    return { kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other', host, mode: st.mode };
  } catch {
    return { kind: 'missing', host: '', mode: 0 };
  }
}

/** The first bytes of a regular file (never a FIFO or device: O_NONBLOCK, then fstat). */
function head(host: string): Buffer | null {
  let fd: number;
  try {
    fd = openSync(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buf = Buffer.alloc(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The interpreter path of a `#!` line (binfmt_script: the first word after #!, spaces skipped). */
export function shebangInterpreter(bytes: Buffer): string | null {
  if (bytes.length < 2 || bytes[0] !== 0x23 || bytes[1] !== 0x21) return null;
  const line = bytes.subarray(2).toString('latin1').split('\n')[0]!;
  const word = line.trim().split(/[ \t]/)[0];
  return word ? word : null;
}

export function diagnoseExec(
  rootfs: string,
  argv0: string,
  candidates: readonly string[],
  errno: number,
  failedPath: string,
): ExecDiagnosis {
  const code = Math.abs(errno);
  if (code === ENOENT || code === ENOTDIR) {
    // The kernel says ENOENT also when the file exists but its #! interpreter or ELF loader does not.
    for (const candidate of candidates) {
      const found = kindOf(rootfs, candidate);
      if (found.kind !== 'file') continue;
      const bytes = head(found.host);
      const interpreter = bytes ? shebangInterpreter(bytes) : null;
      if (interpreter !== null) {
        return { reason: `interpreter '${interpreter}' of '${candidate}' not found`, exitCode: 127 };
      }
      if (bytes && bytes.subarray(0, 4).toString('latin1') === '\x7fELF') {
        return {
          reason: `'${candidate}' needs a program loader (ELF interpreter) the container does not have`,
          exitCode: 127,
        };
      }
    }
    return {
      reason: argv0.includes('/') ? 'no such file in the container' : "not found in the container's PATH",
      exitCode: 127,
    };
  }
  const found = kindOf(rootfs, failedPath);
  if (code === ENOEXEC) {
    return { reason: 'not an executable: no #! line and not a binary for this machine', exitCode: 126 };
  }
  if (code === EACCES) {
    if (found.kind === 'dir') return { reason: 'is a directory', exitCode: 126 };
    if (found.kind === 'other') return { reason: 'not a regular file', exitCode: 126 };
    if (found.kind === 'file' && (found.mode & 0o111) === 0) {
      return { reason: 'permission denied (the file is not executable)', exitCode: 126 };
    }
    return { reason: 'permission denied', exitCode: 126 };
  }
  return { reason: '', exitCode: 126 };
}

/** What failureError needs of the launch. */
export interface FailureContext {
  rootfs: string;
  argv: string[];
  config: { user?: string };
  identity: Identity;
}

/** Turn a child-side failure record into the error users see. Exec failures keep their errno and
 *  carry `exitCode` (126/127, what a shell and the CLI answer); a working directory the user cannot
 *  enter names working_dir and the user. */
export function failureError(failure: ChildFailure, plan: Plan, ctx: FailureContext): NsinitError {
  const cause = childFailureError(failure, plan);
  const fields = {
    errno: cause.errno,
    syscall: cause.syscall,
    path: cause.path,
    step: failure.op,
    cause,
  };
  const detail = cause.message.replace(/^E[A-Z0-9]+: /, '');
  if (failure.op === 'exec') {
    const step = plan.steps.find((s) => s.op === 'exec');
    const candidates = step?.op === 'exec' ? step.candidates : [];
    const argv0 = ctx.argv[0]!;
    const d = diagnoseExec(ctx.rootfs, argv0, candidates, failure.errno, failure.path);
    return nsinitError(ErrorCodes.EXEC_FAILED, `cannot execute '${argv0}': ${d.reason || detail}`, {
      ...fields,
      exitCode: d.exitCode,
    });
  }
  if (failure.op === 'chdir') {
    // working_dir could not be entered (missing, not a directory, a refused magic link, or not
    // enterable by this user): name it and the user; the errno stays in the fields and `cause`.
    const why = describeErrno(failure.errno).message;
    return nsinitError(
      ErrorCodes.START_FAILED,
      `cannot enter working_dir '${failure.path || cause.path || ''}' as ${describeUser(ctx)}: ${why}`,
      { ...fields, field: '/working_dir' },
    );
  }
  return nsinitError(
    ErrorCodes.START_FAILED,
    `container setup failed at step '${failure.op}': ${cause.message}`,
    fields,
  );
}

function describeUser(ctx: FailureContext): string {
  const spec = ctx.config.user ?? '';
  const ids = `uid ${ctx.identity.uid}, gid ${ctx.identity.gid}`;
  return spec === '' ? `root (${ids})` : `user '${spec}' (${ids})`;
}
