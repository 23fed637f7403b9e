// `nsinit exec`: run a command in the container of this directory, starting it (the command is
// PID 1) or joining the live one. Exit status: the process's own, 128+N for a death by signal N,
// 125 when nsinit failed before the process ran, 126 when the command cannot be executed, 127
// when it is not found (the Docker/runc conventions).
import { resolve } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { cachedConfig, defaultCache } from '../config-cache.js';
import { reportError, warn } from '../output.js';

/** Exit status for an error thrown before the process ran. */
export function exitCodeFor(err: unknown): number {
  const e = err as { code?: string; step?: string; errno?: number };
  if (e?.code === 'ERR_NSINIT_EXEC_FAILED' || e?.step === 'exec') {
    return e.errno === -2 || e.errno === -20 ? 127 : 126; // ENOENT, ENOTDIR: not found
  }
  return 125;
}

export function containerPaths(ctx: CommandContext): { dir: string; root: string | undefined } {
  const { io, global } = ctx;
  const dir = resolve(io.cwd, global.dir ?? '.');
  const fromEnv = io.env.data_path;
  const rootArg = global.root ?? (fromEnv ? fromEnv : undefined);
  return { dir, root: rootArg === undefined ? undefined : resolve(io.cwd, rootArg) };
}

export const execCommand: Command = {
  name: 'exec',
  summary: 'run a command in the container, starting it if none is running',
  usage: ['exec [options] [--] <command> [args...]'],
  options: [],
  usageExitCode: 125,
  passThrough: true,
  details: [
    'Options are only recognised before the command; everything after it is passed through.',
    'If a container is running here, the command joins it; otherwise it starts one with the',
    'command as PID 1, writes the pid and start files and removes them when it ends.',
    '',
    "Exit status: the command's; 128+N if killed by signal N; 125 if nsinit failed;",
    '126 if the command cannot be executed; 127 if it was not found.',
  ].join('\n'),
  async run(ctx) {
    const { io, global } = ctx;
    if (ctx.args.length === 0) {
      io.stderr.write("nsinit: exec needs a command, e.g. 'nsinit exec /bin/sh'\n");
      return 125;
    }
    const { dir, root } = containerPaths(ctx);
    const runtime = await import('@nsinit/runtime');
    const inherit =
      io.processStdio === true ||
      (io.stdin === process.stdin && io.stdout === process.stdout && io.stderr === process.stderr);
    let terminal: import('../terminal.js').TerminalSession | null = null;
    let stopForwarding = () => {};
    let detachStdin = () => {};
    try {
      const config = await cachedConfig(dir, root, defaultCache(io.env));
      const container = await runtime.open(dir, {
        root,
        onWarning: (m) => warn(io.stderr, m),
        ...(config ? { config } : {}),
      });
      const tty = container.config.tty === true;
      if (tty) {
        const { enterTerminal } = await import('../terminal.js');
        terminal = enterTerminal(io.stdin, io.stdout, runtime.native);
      }
      const proc = await container.exec(ctx.args, {
        stdio: tty ? 'pipe' : inherit ? 'inherit' : 'pipe',
        size: terminal?.size(),
      });
      stopForwarding = runtime.forwardSignals((signal) => {
        proc.kill(signal);
      });
      terminal?.onResize((size) => proc.resize(size));
      detachStdin = connectStdio(ctx, proc, tty);
      const result = await proc.wait();
      if (result.oomKilled) io.stderr.write('nsinit: the container was killed (SIGKILL): out of memory\n');
      if (result.signal) return 128 + runtime.signalNumber(result.signal);
      return result.exitCode ?? 125;
    } catch (err) {
      terminal?.restore();
      reportError(io.stderr, err, global.debug);
      return exitCodeFor(err);
    } finally {
      stopForwarding();
      detachStdin();
      terminal?.restore();
    }
  },
};

/** Wire our stdio to the process's streams (pty or pipes); returns the undo for stdin. */
function connectStdio(
  ctx: CommandContext,
  proc: import('@nsinit/runtime').ContainerProcess,
  tty: boolean,
): () => void {
  const { io } = ctx;
  // Inherited stdio: the container writes to our fds itself, nothing to wire.
  if (!proc.stdin && !proc.stdout && !proc.stderr) return () => {};
  // A reader that went away (EPIPE) must not crash the supervisor; the container keeps its fate.
  io.stdout.on('error', () => {});
  io.stderr.on('error', () => {});
  proc.stdout?.pipe(io.stdout, { end: false });
  proc.stderr?.pipe(io.stderr, { end: false });
  const target = proc.stdin;
  if (!target) return () => {};
  const onData = (chunk: Buffer) => {
    target.write(chunk);
  };
  const onEnd = () => {
    // A pty has no half-close: type EOF (^D) so a shell reading a script ends; pipes just close.
    if (tty) target.write('\x04');
    else target.end();
  };
  io.stdin.on('data', onData);
  io.stdin.once('end', onEnd);
  io.stdin.resume();
  return () => {
    io.stdin.off('data', onData);
    io.stdin.off('end', onEnd);
    io.stdin.pause();
    if (io.processStdio || io.stdin === process.stdin) (io.stdin as NodeJS.ReadStream).unref?.();
  };
}
