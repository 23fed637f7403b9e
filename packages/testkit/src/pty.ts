// Drives a command through a real pseudo-terminal (pty(7)): the addon's openPty gives the master
// and its peer; the child gets the slave as stdin/stdout/stderr in a new session with the slave as
// its controlling terminal (setsid(1) -c does setsid(2) + TIOCSCTTY, see ioctl_tty(2)), so job
// control, SIGWINCH and ^C behave as in a real terminal.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { TestkitError } from './errors.js';
import { requireNative } from './native-loader.js';

export interface PtySession {
  pid: number;
  write(s: string): void;
  /** Resolves with the whole output so far once `re` matches it; rejects after `timeoutMs`. */
  expect(re: RegExp, timeoutMs?: number): Promise<string>;
  output(): string;
  /** Resize the terminal (TIOCSWINSZ on the master; the kernel sends SIGWINCH to the foreground group). */
  resize(cols: number, rows: number): void;
  kill(signal?: NodeJS.Signals): void;
  /** Close the master, as a terminal emulator or `script` that goes away does: the kernel hangs
   *  up the slave (SIGHUP to the session leader, reads return 0, ioctls fail with EIO). */
  hangup(): void;
  exit(): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
  slaveTermios?: unknown;
}

export interface PtyOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  cols?: number;
  rows?: number;
}

const SETSID = '/usr/bin/setsid';

export function spawnInPty(file: string, args: string[], opts: PtyOptions = {}): PtySession {
  const native = requireNative('spawnInPty');
  const { master, slave } = native.openPty();
  let child: ChildProcess;
  try {
    native.setWinSize(master, { cols: opts.cols ?? 80, rows: opts.rows ?? 24 });
    // Without setsid(1), detached:true gives a new session but no controlling terminal.
    const withCtty = existsSync(SETSID);
    child = spawn(withCtty ? SETSID : file, withCtty ? ['-c', file, ...args] : args, {
      cwd: opts.cwd,
      env: opts.env ?? { ...process.env, TERM: 'xterm' },
      stdio: [slave, slave, slave],
      // setsid(1) forks when already a group leader; not detaching keeps it single-process.
      detached: !withCtty,
    });
  } catch (err) {
    closeSync(master);
    closeSync(slave);
    throw err;
  }
  // Our copy of the slave must go, or the master never sees EIO when the child's side closes.
  closeSync(slave);

  let out = '';
  const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  const reader = new ReadStream(master);
  let readerDone = false;
  const readerClosed = new Promise<void>((resolve) => {
    const finish = (): void => {
      readerDone = true;
      resolve();
    };
    reader.on('close', finish);
    reader.on('end', finish);
    // EIO is how a pty master reports that every slave fd is closed.
    reader.on('error', () => {
      reader.destroy();
      finish();
    });
  });
  reader.setEncoding('utf8');
  reader.on('data', (d: string) => {
    out += d;
    for (const w of [...waiters]) {
      if (w.re.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(out);
      }
    }
  });

  const exited = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.on('error', (err) =>
        reject(
          new TestkitError(`cannot run ${file}: ${err.message}`, {
            code: 'ERR_NSINIT_TEST_PTY',
            path: file,
            cause: err,
          }),
        ),
      );
      child.on('exit', (exitCode, signal) => resolve({ exitCode, signal }));
    },
  );
  exited.catch(() => {});

  return {
    pid: child.pid ?? -1,
    write(s) {
      writeSync(master, s);
    },
    expect(re, timeoutMs = 5000) {
      if (re.test(out)) return Promise.resolve(out);
      return new Promise((resolve, reject) => {
        const waiter = {
          re,
          resolve: (s: string) => {
            clearTimeout(timer);
            resolve(s);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new TestkitError(
              `pty: ${re} not seen within ${timeoutMs} ms; output so far: ${JSON.stringify(out)}`,
              {
                code: 'ERR_NSINIT_TEST_TIMEOUT',
              },
            ),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    output: () => out,
    resize(cols, rows) {
      native.setWinSize(master, { cols, rows });
    },
    kill(signal = 'SIGTERM') {
      child.kill(signal);
    },
    hangup() {
      reader.destroy(); // the ReadStream owns the master fd: this closes it
    },
    async exit() {
      const status = await exited;
      // Output written just before exit may still be in the pty buffer: drain it, bounded, since a
      // grandchild holding the slave open would keep the master readable forever.
      await Promise.race([readerClosed, new Promise((r) => setTimeout(r, 2000))]);
      if (!readerDone) reader.destroy();
      await readerClosed;
      return status;
    },
  };
}
