// The caller's terminal while a container has a pty (termios(3), ioctl_tty(2)): raw mode so every
// key reaches the container's line discipline, and the window size copied at start and on
// SIGWINCH. The original mode is restored on every exit path: normal return, errors, and process
// exit (a last-resort 'exit' hook); Node also resets stdio termios when it exits.
import { spawnSync } from 'node:child_process';
import type { ReadStream, WriteStream } from 'node:tty';

export interface WinSize {
  cols: number;
  rows: number;
}

export interface TerminalSession {
  /** The caller's window size now (undefined when stdout is not a terminal). */
  size(): WinSize | undefined;
  /** Calls `fn` with the new size on every SIGWINCH until restore(). */
  onResize(fn: (size: WinSize) => void): void;
  /** Leave raw mode and stop listening (idempotent). */
  restore(): void;
}

export function enterTerminal(
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
  stdout: NodeJS.WritableStream & { isTTY?: boolean },
): TerminalSession {
  const input = stdin.isTTY ? (stdin as ReadStream) : null;
  const output = stdout.isTTY ? (stdout as WriteStream) : null;
  const wasRaw = input?.isRaw ?? false;
  if (input && !wasRaw) {
    input.setRawMode(true);
    // libuv's raw mode keeps OPOST|ONLCR, so every \n the container's own pty already turned
    // into \r\n would be post-processed a second time, and full-screen programs that switch
    // their pty to raw output would be redrawn wrongly. Node has no termios API: stty(1) clears
    // it on our terminal (fd 0). setRawMode(false) restores the saved termios, OPOST included.
    if ((input as { fd?: number }).fd === 0)
      spawnSync('stty', ['-opost'], { stdio: [0, 'ignore', 'ignore'], timeout: 2000 });
  }
  const resizeListeners: (() => void)[] = [];
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    for (const l of resizeListeners) output?.off('resize', l);
    if (input && !wasRaw) {
      try {
        input.setRawMode(false);
      } catch {
        // the terminal went away (hangup): nothing to restore
      }
    }
  };
  process.on('exit', restore);
  const size = (): WinSize | undefined => {
    if (output && output.columns > 0 && output.rows > 0) return { cols: output.columns, rows: output.rows };
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
