// Pseudo-terminals (pty(7), ioctl_tty(2)): a new pty per container or joined process whose slave
// becomes the child's stdio and controlling terminal, with the master wrapped for Node. Reads go
// through a tty.ReadStream (epoll, no thread per pty); writes through fs.write on the threadpool,
// because libuv writes to a pty master synchronously and a stalled container must not stall us.
import { write } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { NativeBindings, WinSize } from '@nsinit/native';
import { stream, tty } from './builtins.js';

export interface PtyPair {
  master: number;
  slave: number;
}

export function openPty(native: Pick<NativeBindings, 'openPty' | 'setWinSize'>, size?: WinSize): PtyPair {
  const pair = native.openPty();
  if (size && size.cols > 0 && size.rows > 0) native.setWinSize(pair.master, size);
  return pair;
}

export interface MasterStreams {
  /** The master fd (for window-size ioctls); valid until close(). */
  readonly fd: number;
  /** What the container writes to its terminal. Ends when the last slave fd closes. */
  output: Readable;
  /** What we type into the container's terminal. */
  input: Writable;
  /** Release the master (idempotent); the fd is closed. */
  close(): void;
}

/** Take ownership of `master`: the returned streams close it when done. */
export function masterStreams(master: number): MasterStreams {
  const { PassThrough, Writable } = stream();
  const output = new PassThrough();
  const reader = new (tty().ReadStream)(master);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    reader.destroy(); // closes the fd
    if (!output.writableEnded) output.end();
  };
  reader.pipe(output);
  // Once every slave fd is closed, read(2) on the master fails with EIO: that is the pty's EOF.
  reader.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EIO') output.destroy(err);
    else output.end();
  });
  const input = new Writable({
    write(chunk: Buffer, _enc, callback) {
      const step = (offset: number, retries: number) => {
        if (closed) return callback();
        write(master, chunk, offset, chunk.length - offset, null, (err, n) => {
          if (err) {
            // EAGAIN: the container is not reading; back off briefly instead of spinning.
            if (err.code === 'EAGAIN' && retries < 1000)
              return setTimeout(() => step(offset, retries + 1), 5);
            if (err.code === 'EIO' || err.code === 'EBADF') return callback(); // the terminal is gone
            return callback(err);
          }
          if (offset + n < chunk.length) step(offset + n, retries);
          else callback();
        });
      };
      step(0, 0);
    },
  });
  return { fd: master, output, input, close };
}
