// The caller's terminal while a container has a pty (termios(3), ioctl_tty(2)): raw mode with
// cfmakeraw semantics so every key reaches the container's line discipline and its output is not
// post-processed twice, and the window size copied at start and on SIGWINCH. The saved modes are
// put back on every exit path: normal return, errors, and process exit (a last-resort 'exit' hook).
import type { NativeBindings } from '@nsinit/runtime';

export interface WinSize {
  cols: number;
  rows: number;
}

export interface TerminalSession {
  /** The caller's window size now (undefined when stdout is not a terminal). */
  size(): WinSize | undefined;
  /** Calls `fn` with the new size on every SIGWINCH until restore(). */
  onResize(fn: (size: WinSize) => void): void;
  /** Put the saved terminal modes back and stop listening (idempotent). */
  restore(): void;
}

type TtyInput = NodeJS.ReadableStream & { isTTY?: boolean; fd?: number };
type TtyOutput = NodeJS.WritableStream & {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
};

export function enterTerminal(
  stdin: TtyInput,
  stdout: NodeJS.WritableStream & { isTTY?: boolean },
  native: Pick<NativeBindings, 'makeRaw' | 'restoreTermios'>,
): TerminalSession {
  const inputFd = stdin.isTTY && typeof stdin.fd === 'number' ? stdin.fd : -1;
  const output = stdout.isTTY ? (stdout as TtyOutput) : null;
  // libuv's raw mode keeps OPOST|ONLCR, so the container's \r\n (its own pty already translated
  // \n) would come out as \r\r\n and full-screen programs would be drawn wrongly: cfmakeraw(3)
  // clears OPOST too, as 2014's nsinit did. The modes are saved first and restored verbatim.
  const saved = inputFd >= 0 ? native.makeRaw(inputFd) : null;
  const resizeListeners: (() => void)[] = [];
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    for (const l of resizeListeners) output?.off('resize', l);
    if (saved) {
      try {
        native.restoreTermios(inputFd, saved);
      } catch {
        // the terminal went away (hangup): nothing to restore
      }
    }
  };
  process.on('exit', restore);
  const size = (): WinSize | undefined => {
    if (output && (output.columns ?? 0) > 0 && (output.rows ?? 0) > 0)
      return { cols: output.columns!, rows: output.rows! };
    return undefined;
  };
  return {
    size,
    onResize(fn) {
      if (!output) return;
      // tty.WriteStream refreshes its size and emits 'resize' on SIGWINCH.
      const listener = () => {
        const s = size();
        if (s) fn(s);
      };
      resizeListeners.push(listener);
      output.on('resize', listener);
    },
    restore,
  };
}
