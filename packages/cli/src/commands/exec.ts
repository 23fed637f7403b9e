// `nsinit exec`: run a command in the container of this directory, starting it (the command is
// PID 1) or joining the live one. Exit status: the process's own, 128+N for a death by signal N,
// 125 when nsinit failed before the process ran, 126 when the command cannot be executed, 127
// when it is not found (the Docker/runc conventions). Stopping follows the stop policy (see
// stop-policy.ts): the stop signal, then SIGKILL after --stop-timeout seconds.
import type { Command, CommandContext } from '../command.js';
import { watchTerminal } from '../dead-terminal.js';
import { hostProblem } from '../host.js';
import { openContainer } from '../open.js';
import { lazyStderr, reportError } from '../output.js';
import { parseStopOptions, superviseSignals } from '../stop-policy.js';

export { containerPaths } from '../paths.js';

/** Exit status for an error thrown before the process ran. */
export function exitCodeFor(err: unknown): number {
  const e = err as { code?: string; step?: string; errno?: number; exitCode?: unknown };
  if (e?.code === 'ERR_NSINIT_EXEC_FAILED' || e?.step === 'exec') {
    if (e.exitCode === 126 || e.exitCode === 127) return e.exitCode;
    return e.errno === -2 || e.errno === -20 ? 127 : 126; // ENOENT, ENOTDIR: not found
  }
  return 125;
}

export const execCommand: Command = {
  name: 'exec',
  summary: 'run a command in the container, starting it if none is running',
  usage: ['exec [options] [--] <command> [args...]'],
  options: [
    {
      name: 'stop-signal',
      value: 'SIGNAL',
      description: 'signal that asks the process to stop (default SIGTERM)',
    },
    {
      name: 'stop-timeout',
      value: 'SECONDS',
      description: 'then SIGKILL after this grace (default 10; 0: at once)',
    },
  ],
  usageExitCode: 125,
  passThrough: true,
  details: [
    'Options are only recognised before the command; everything after it is passed through.',
    'If a container is running here, the command joins it; otherwise it starts one with the',
    'command as PID 1, writes the pid and start files and removes them when it ends.',
    '',
    'Stopping: SIGTERM to nsinit sends the stop signal, SIGHUP (or a hangup of the terminal)',
    'sends SIGHUP, and SIGKILL follows after the grace unless the process has exited. The first',
    'SIGINT (^C) is passed on, a second one stops, a third kills at once. SIGQUIT, SIGUSR1,',
    'SIGUSR2 and SIGWINCH are passed on.',
    '',
    "Exit status: the command's; 128+N if killed by signal N; 125 if nsinit failed;",
    '126 if the command cannot be executed; 127 if it was not found.',
  ].join('\n'),
  async run(ctx) {
    const { io, global } = ctx;
    const policy = parseStopOptions(ctx.options);
    if (ctx.args.length === 0) {
      io.stderr.write("nsinit: exec needs a command, e.g. 'nsinit exec /bin/sh'\n");
      return 125;
    }
    if (ctx.args[0] === '') {
      io.stderr.write(
        "nsinit: exec: the command is an empty string; name a program, e.g. 'nsinit exec /bin/sh'\n",
      );
      return 125;
    }
    const problem = await hostProblem(io.env);
    if (problem) {
      io.stderr.write(`${problem}\n`);
      return 125;
    }
    const runtime = await import('@nsinit/runtime');
    const inherit =
      io.processStdio === true ||
      (io.stdin === process.stdin && io.stdout === process.stdout && io.stderr === process.stderr);
    let terminal: import('../terminal.js').TerminalSession | null = null;
    // From before the start: a SIGTERM while the container starts must stop it, not kill us.
    const supervisor = superviseSignals(policy, lazyStderr(io), runtime.forwardSignals);
    let detachStdin = () => {};
    let stopWatching = () => {};
    try {
      const container = await openContainer(ctx, runtime);
      const tty = container.config.tty === true;
      if (tty) {
        const { enterTerminal } = await import('../terminal.js');
        terminal = enterTerminal(io.stdin, io.stdout, runtime.native);
      }
      const proc = await container.exec(ctx.args, {
        stdio: tty ? 'pipe' : inherit ? 'inherit' : 'pipe',
        size: terminal?.size(),
        killSignal: policy.signal,
        stopTimeout: policy.timeoutMs,
      });
      supervisor.attach(proc);
      if (inherit) stopWatching = await watchTerminal(supervisor.hangup);
      terminal?.onResize((size) => proc.resize(size));
      detachStdin = connectStdio(ctx, proc, tty, supervisor.hangup);
      const result = await proc.wait();
      if (result.oomKilled) io.stderr.write('nsinit: the container was killed (SIGKILL): out of memory\n');
      if (result.signal) return 128 + runtime.signalNumber(result.signal);
      return result.exitCode ?? 125;
    } catch (err) {
      terminal?.restore();
      reportError(io.stderr, err, global.debug);
      return exitCodeFor(err);
    } finally {
      supervisor.done();
      stopWatching();
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
  hangup: () => void,
): () => void {
  const { io } = ctx;
  // Inherited stdio: the container writes to our fds itself, nothing to wire.
  if (!proc.stdin && !proc.stdout && !proc.stderr) return () => {};
  // A reader that went away (EPIPE, or EIO from a hung-up terminal) must not crash the
  // supervisor; the container keeps its fate.
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
    // A terminal in raw mode never reads EOF from a key (^D is a byte): its end is a hangup (the
    // kernel's hung_up_tty_read returns 0), which gets the stop policy.
    if (io.stdin.isTTY) hangup();
    // A pty has no half-close: type EOF (^D) so a shell reading a script ends; pipes just close.
    else if (tty) target.write('\x04');
    else target.end();
  };
  const onError = () => {
    if (io.stdin.isTTY) hangup();
  };
  io.stdin.on('error', () => {}); // after detaching too: a late EIO must not crash us
  io.stdin.on('data', onData);
  io.stdin.once('end', onEnd);
  io.stdin.on('error', onError);
  io.stdin.resume();
  return () => {
    io.stdin.off('data', onData);
    io.stdin.off('end', onEnd);
    io.stdin.off('error', onError);
    io.stdin.pause();
    if (io.processStdio || io.stdin === process.stdin) (io.stdin as NodeJS.ReadStream).unref?.();
  };
}
