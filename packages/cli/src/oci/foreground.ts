// `run` without --detach, as runc does it: start the created container, forward our signals to
// its init, proxy its terminal to ours when it has one and nobody else took the pty, wait for it
// (we are its parent), delete it, and exit with its status (128 + signal number when killed).
import { constants } from 'node:os';
import { forwardSignals, type oci as Oci } from '@nsinit/runtime';
import { enterTerminal } from '../terminal.js';

type Ctx = Oci.OciContext;

export async function foreground(
  ctx: Ctx,
  created: { pidfd: number; consoleMaster: number },
  start: () => Promise<void>,
  remove: () => Promise<void>,
): Promise<number> {
  const { native } = ctx;
  const { oci } = await import('@nsinit/runtime');
  const stopForwarding = forwardSignals((signal) => {
    if (signal === 'SIGWINCH') return;
    native.pidfdSignal(created.pidfd, constants.signals[signal]);
  });
  let session: ReturnType<typeof enterTerminal> | null = null;
  let streams: ReturnType<typeof oci.masterStreams> | null = null;
  try {
    if (created.consoleMaster >= 0) {
      streams = oci.masterStreams(created.consoleMaster);
      session = enterTerminal(process.stdin, process.stdout, native);
      const size = session.size();
      if (size) native.setWinSize(streams.fd, size);
      session.onResize((s) => native.setWinSize(streams!.fd, s));
      process.stdin.pipe(streams.input);
      streams.output.pipe(process.stdout, { end: false });
    }
    await start();
    const status = await native.waitExit(created.pidfd);
    if (streams) {
      // The terminal's remaining output drains before we report.
      await new Promise<void>((r) => {
        if (streams!.output.readableEnded) r();
        else streams!.output.once('end', r);
        setTimeout(r, 200);
      });
    }
    return status.signal ? 128 + (constants.signals[status.signal] ?? 0) : (status.exitCode ?? 0);
  } finally {
    stopForwarding();
    session?.restore();
    if (streams) {
      process.stdin.unpipe(streams.input);
      streams.close();
      process.stdin.pause();
    }
    native.close(created.pidfd);
    await remove();
  }
}
