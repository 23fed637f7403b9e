// `nsinit stats [--json]`: the 2014 cgroup statistics of the running container (cpu throttling,
// cpuacct usage, memory, blkio, freezer; plus pids), from whichever cgroup hierarchy it is in.
// A human table by default; --json prints the 2014 JSON shape (key typos included).
import type { Command, CommandContext } from '../command.js';
import { hostProblem } from '../host.js';
import { reportConfig } from '../open.js';
import { reportError, warn } from '../output.js';
import { containerPaths } from '../paths.js';

type Runtime = typeof import('@nsinit/runtime');

/** The cgroups of the container running in this directory, or an exit status after saying why. */
export async function liveCgroup(
  ctx: CommandContext,
  command: string,
): Promise<{ runtime: Runtime; cgroup: import('@nsinit/runtime').ManagedCgroup } | number> {
  const { io, args } = ctx;
  if (args.length > 0) {
    io.stderr.write(`nsinit: ${command} takes no arguments, got '${args[0]}'\n`);
    return 2;
  }
  const { dir, root } = containerPaths(ctx);
  const runtime = await import('@nsinit/runtime');
  // PID 1 and its cgroup come from the trusted state, never from the data directory's files.
  const status = await runtime.status(dir, { root, onWarning: (m) => warn(io.stderr, m) });
  await reportConfig(ctx);
  if (!status.running || status.pid === null) {
    io.stderr.write(`nsinit: ${command}: no container is running in ${status.dataDir}\n`);
    return 1;
  }
  const cgroup = await runtime.liveCgroup(dir, { root, onWarning: () => {} });
  if (!cgroup) {
    io.stderr.write(`nsinit: ${command}: the container has no cgroups (its config sets no "cgroups")\n`);
    return 1;
  }
  return { runtime, cgroup };
}

export const statsCommand: Command = {
  name: 'stats',
  summary: 'show cgroup statistics of the running container',
  usage: ['stats [--json]'],
  options: [{ name: 'json', description: 'print the 2014 JSON shape instead of a table' }],
  details: 'CPU usage is sampled over 100 ms. Exit status: 0, 1 when no container is running, 125 on errors.',
  async run(ctx) {
    const problem = await hostProblem(ctx.io.env);
    if (problem) {
      ctx.io.stderr.write(`${problem}\n`);
      return 125;
    }
    try {
      const live = await liveCgroup(ctx, 'stats');
      if (typeof live === 'number') return live;
      const stats = await live.runtime.readStats(live.cgroup);
      ctx.io.stdout.write(
        ctx.options.json ? `${live.runtime.statsJson(stats)}\n` : live.runtime.formatStats(stats),
      );
      return 0;
    } catch (err) {
      reportError(ctx.io.stderr, err, ctx.global.debug);
      return 125;
    }
  },
};
