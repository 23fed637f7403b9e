// The child's fds 0-2 when there is no terminal: pipes (pipe2(2) with O_CLOEXEC, so only the
// child's dup2'd copies survive its execve), the supervisor's own fds, or /dev/null. Parent ends
// are wrapped in net.Socket, which libuv polls with epoll (no thread per container).
import type { Readable, Writable } from 'node:stream';
import type { NativeBindings } from '@nsinit/native';
import { net } from './builtins.js';
import { invalidArg } from './errors.js';

export type StdioKind = 'pipe' | 'inherit' | 'ignore';
export type StdioOption = StdioKind | number;
export type StdioOptions = StdioKind | readonly [StdioOption, StdioOption, StdioOption];

export function normalizeStdio(value: unknown): [StdioOption, StdioOption, StdioOption] {
  const one = (v: unknown, name: string): StdioOption => {
    if (v === 'pipe' || v === 'inherit' || v === 'ignore') return v;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    throw invalidArg(name, "'pipe', 'inherit', 'ignore' or a file descriptor", v);
  };
  if (value === undefined) return ['pipe', 'pipe', 'pipe'];
  if (typeof value === 'string') {
    const kind = one(value, 'stdio');
    return [kind, kind, kind];
  }
  if (Array.isArray(value) && value.length === 3)
    return [one(value[0], 'stdio[0]'), one(value[1], 'stdio[1]'), one(value[2], 'stdio[2]')];
  throw invalidArg('stdio', "'pipe', 'inherit', 'ignore' or an array of three of them", value);
}

export interface ChildStdio {
  /** Fds for Plan.stdio. */
  fds: [number, number, number];
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** Close the child's ends in the parent once the child holds its own copies. */
  closeChildEnds(): void;
  /** Close everything still open on our side (error paths). */
  destroy(): void;
}

export function setupStdio(
  native: Pick<NativeBindings, 'pipe' | 'close'>,
  options: readonly StdioOption[],
): ChildStdio {
  const childEnds: number[] = [];
  const parentEnds: number[] = [];
  const fds: [number, number, number] = [-1, -1, -1];
  try {
    for (let i = 0; i < 3; i++) {
      const opt = options[i]!;
      if (opt === 'ignore') fds[i] = -1;
      else if (opt === 'inherit') fds[i] = i;
      else if (typeof opt === 'number') fds[i] = opt;
      else {
        const [r, w] = native.pipe();
        const [child, parent] = i === 0 ? [r, w] : [w, r];
        childEnds.push(child);
        parentEnds[i] = parent;
        fds[i] = child;
      }
    }
  } catch (err) {
    for (const fd of [...childEnds, ...parentEnds.filter((x) => x !== undefined)]) native.close(fd);
    throw err;
  }
  const wrap = (i: number) =>
    parentEnds[i] === undefined
      ? null
      : new (net().Socket)({ fd: parentEnds[i]!, readable: i !== 0, writable: i === 0 });
  const stdin = wrap(0);
  const stdout = wrap(1);
  const stderr = wrap(2);
  let childClosed = false;
  const closeChildEnds = () => {
    if (childClosed) return;
    childClosed = true;
    for (const fd of childEnds) native.close(fd);
  };
  return {
    fds,
    stdin,
    stdout,
    stderr,
    closeChildEnds,
    destroy() {
      closeChildEnds();
      for (const s of [stdin, stdout, stderr]) s?.destroy();
    },
  };
}
