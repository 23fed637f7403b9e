// The OCI hooks that run in the container's namespaces (the runtime-spec config document,
// "createContainer" and "startContainer" hooks): plan steps the init walks, as runc runs them
// from its init. createContainer hooks go after the mounts and before pivot_root (their path still
// resolves in the runtime's root, seen from the container's mount namespace); startContainer
// hooks go after the start gate opens, with the container's root and credentials. The state JSON
// is a file in the container's root-only state directory; the hooks' output another, quoted when
// one fails.
import { closeSync, constants as fsc, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { constants as os } from 'node:os';
import { join } from 'node:path';
import type { ChildFailure, Step } from '@nsinit/native';
import { ErrorCodes, type NsinitError, nsinitError } from '../errors.js';
import type { HookKind, OciState } from './hooks.js';
import type { OciHook } from './spec.js';

export const HOOK_STATE_FILE = 'hook-state.json';
export const HOOK_OUTPUT_FILE = 'hook-output';
/** poll(2) takes an int of milliseconds. */
const MAX_TIMEOUT_MS = 0x7fffffff;
const OUTPUT_TAIL = 64 << 10;

export interface HookFiles {
  /** The state JSON, read-only (read from offset 0 by each hook). */
  stdin: number;
  /** The same file for writing it: ours only (a hook gets 0..2 and nothing else). */
  writer: number;
  /** The hooks' stdout and stderr (truncated before each hook). */
  output: number;
}

/** Open both files in the container's directory (CLOEXEC: the init's own copies go only to the
 *  hooks' 0..2). */
export function openHookFiles(dir: string): HookFiles {
  const opened: number[] = [];
  try {
    const writer = openSync(join(dir, HOOK_STATE_FILE), fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
    opened.push(writer);
    const stdin = openSync(join(dir, HOOK_STATE_FILE), fsc.O_RDONLY);
    opened.push(stdin);
    const output = openSync(join(dir, HOOK_OUTPUT_FILE), fsc.O_WRONLY | fsc.O_CREAT | fsc.O_APPEND, 0o600);
    return { stdin, writer, output };
  } catch (err) {
    for (const fd of opened) closeSync(fd);
    throw err;
  }
}

export function closeHookFiles(files: HookFiles): void {
  closeSync(files.stdin);
  closeSync(files.writer);
  closeSync(files.output);
}

/** The state the in-container hooks read; written once the init's pid is known (pwrite at 0:
 *  the child shares the file offset and rewinds it before each hook). */
export function writeHookState(files: HookFiles, state: OciState): void {
  const data = Buffer.from(JSON.stringify(state));
  writeSync(files.writer, data, 0, data.length, 0);
}

/** One hook as a plan step; `labels` remembers which hook a step is, for the failure message. */
export function hookSteps(
  kind: HookKind,
  hooks: readonly OciHook[] | undefined,
  files: HookFiles,
  labels: Map<Step, string>,
): Step[] {
  return (hooks ?? []).map((hook, i) => {
    const step: Step = {
      op: 'hook',
      path: hook.path,
      argv: hook.args?.length ? [...hook.args] : [hook.path],
      // As the spec says, the environment is exactly `env` (runc adds the container's for
      // startContainer hooks without one; nsinit does not).
      envp: [...(hook.env ?? [])],
      stdin: files.stdin,
      output: files.output,
      timeoutMs: hook.timeout === undefined ? 0 : Math.min(hook.timeout * 1000, MAX_TIMEOUT_MS),
    };
    labels.set(step, `${kind} hook #${i} '${hook.path}'`);
    return step;
  });
}

/** The last lines the failing hook wrote (the output file holds only its own). */
export function hookOutput(dir: string): string {
  let fd: number;
  try {
    fd = openSync(join(dir, HOOK_OUTPUT_FILE), fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, OUTPUT_TAIL);
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, size - n)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const SIGNAL_NAMES = new Map(Object.entries(os.signals).map(([name, n]) => [n, name]));

/** A failed `hook` step in the words runHook uses for host hooks. */
export function hookFailure(
  label: string,
  failure: ChildFailure,
  timeoutMs: number,
  output: string,
): NsinitError {
  let why: string;
  if (failure.syscall === 'exit') why = `exited with status ${failure.errno}`;
  else if (failure.syscall === 'signal')
    why = `killed by ${SIGNAL_NAMES.get(failure.errno) ?? failure.errno}`;
  else if (failure.syscall === 'timeout') why = `timed out after ${timeoutMs / 1000}s`;
  else why = `could not be run: ${failure.syscall} errno ${failure.errno}`;
  const tail = output.trim() === '' ? '' : `: ${output.trim().split('\n').slice(-3).join(' / ')}`;
  return nsinitError(ErrorCodes.OCI_HOOK_FAILED, `${label} ${why}${tail}`, { path: failure.path });
}
