// `nsinit status [--json]`: is a container live in this directory, its pid and since when. Exit 0
// when one is running, 1 when not (a stale pid file is reported, not removed).
import type { Command } from '../command.js';
import { hostProblem } from '../host.js';
import { reportConfig } from '../open.js';
import { reportError, warn } from '../output.js';
import { containerPaths } from '../paths.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show whether a container is running here',
  usage: ['status [--json]'],
  options: [{ name: 'json', description: 'print the status as JSON' }],
  details: [
    "container.json's warnings (or that it is missing or invalid) are printed on stderr.",
    'Exit status: 0 when a container is running, 1 when none is.',
  ].join('\n'),
  async run(ctx) {
    const { io, args } = ctx;
    if (args.length > 0) {
      io.stderr.write(`nsinit: status takes no arguments, got '${args[0]}'\n`);
      return 2;
    }
    // The live state is kept where only root can read it.
    const problem = await hostProblem(io.env);
    if (problem) {
      io.stderr.write(`${problem}\n`);
      return 125;
    }
    const { dir, root } = containerPaths(ctx);
    const { status } = await import('@nsinit/runtime');
    try {
      const s = await status(dir, { root, onWarning: (m) => warn(io.stderr, m) });
      // The status needs no config, but its problems are worth knowing (once, on stderr).
      await reportConfig(ctx);
      if (ctx.options.json) {
        const json = { ...s, startedAt: s.startedAt?.toISOString() ?? null };
        io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else if (s.running) {
        const state = s.paused ? 'paused' : 'running';
        io.stdout.write(`${state}: pid ${s.pid} since ${s.startedAt?.toISOString() ?? 'unknown'}\n`);
      } else {
        io.stdout.write(s.stale ? `not running (stale pid file: ${s.stale})\n` : 'not running\n');
      }
      return s.running ? 0 : 1;
    } catch (err) {
      reportError(io.stderr, err, ctx.global.debug);
      return 125;
    }
  },
};
