// A terminal that hung up under us (pty master closed, `script` killed, ssh dropped): every ioctl on
// it fails with EIO (the kernel's hung_up_tty_ioctl). Node restores fds 0-2's modes at exit
// (node::ResetStdio) and aborts (status 134) when that fails with anything but EPERM, so such fds
// are closed first; and a supervisor watches its terminal so it notices a hangup without SIGHUP.
import { closeSync, fstatSync } from 'node:fs';

/** Memory devices (/dev/null, /dev/zero, /dev/urandom...): character major 1, never a terminal. */
const MEM_MAJOR = 1;

/** A character device other than a memory device: possibly a terminal, hung up or not. Checking the
 *  major number first keeps a start with stdio on /dev/null from loading node:tty (and with it
 *  node:net and node:stream) only to ask. */
export function mayBeTerminal(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    // glibc's major(): bits 8-19 of a small dev_t.
    return st.isCharacterDevice() && Math.floor(st.rdev / 256) % 4096 !== MEM_MAJOR;
  } catch {
    return false; // closed already
  }
}

/** Close fds 0-2 that are character devices but no longer terminals, so Node's exit skips them
 *  (its fstat sees EBADF). By now everything written has been written: stdio is synchronous for
 *  terminals, files and pipes on Linux. */
export async function closeHungUpStdio(): Promise<number[]> {
  const closed: number[] = [];
  const candidates = [0, 1, 2].filter(mayBeTerminal);
  if (candidates.length === 0) return closed;
  // node:tty only when needed: a start with pipes or files never loads it.
  const { isatty } = await import('node:tty');
  for (const fd of candidates) {
    try {
      if (isatty(fd)) continue;
    } catch {
      continue; // closed already
    }
    // Other character devices that are not terminals; closing them at exit changes nothing.
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      // already gone
    }
  }
  return closed;
}

/** Terminal device numbers (Documentation/admin-guide/devices.txt): 4 (virtual consoles, serial
 *  ports), 5 (/dev/tty, /dev/console) and 136-143 (Unix98 pty slaves, what ssh, tmux and `script`
 *  give). Read with fstat, which still works on a terminal that hung up. */
function terminalDevice(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    const major = Math.floor(st.rdev / 256) % 4096;
    return st.isCharacterDevice() && (major === 4 || major === 5 || (major >= 136 && major <= 143));
  } catch {
    return false;
  }
}

/** How often a supervisor checks that its terminal is still there (one ioctl per fd). */
const WATCH_MS = 500;

/**
 * Call `onHangup` once when one of fds 0-2 that is a terminal now stops being one (it was hung up).
 * The kernel sends SIGHUP only to the terminal's session leader and foreground group; an nsinit
 * whose stdio the container inherits reads nothing, so without this it would not notice a hangup
 * its shell survived (`trap '' HUP`, nohup-like wrappers). Returns the stop function.
 */
export async function watchTerminal(onHangup: () => void): Promise<() => void> {
  // No character device on 0-2 (pipes, files): no terminal to watch, and node:tty stays unloaded.
  if (![0, 1, 2].some(mayBeTerminal)) return () => {};
  const { isatty } = await import('node:tty');
  // A terminal by its device number too: one hung up before this runs (the container started and
  // the terminal went away in between) is no longer a tty, and must still count as a hangup.
  const fds = [0, 1, 2].filter((fd) => isatty(fd) || terminalDevice(fd));
  if (fds.length === 0) return () => {};
  const timer = setInterval(() => {
    if (fds.every((fd) => isatty(fd))) return;
    clearInterval(timer);
    onHangup();
  }, WATCH_MS);
  timer.unref();
  return () => clearInterval(timer);
}
