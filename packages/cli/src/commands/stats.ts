// `nsinit stats [--json]`: the 2014 cgroup statistics of the running container (cpu throttling,
// cpuacct usage, memory, blkio, freezer; plus pids), from whichever cgroup hierarchy it is in.
// A human table by default; --json prints the 2014 JSON shape (key typos included).
import type { CommandContext, Command } from '../command.js';
import { reportError } from '../output.js';
import { containerPaths } from './exec.js';

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
  const container = await runtime.open(dir, { root });
  const status = await container.status();
  if (!status.running || status.pid === null) {
    io.stderr.write(`nsinit: ${command}: no container is running in ${container.dataDir}\n`);
    return 1;
  }
  if (!container.config.cgroups) {
    io.stderr.write(`nsinit: ${command}: the container has no cgroups (container.json sets no "cgroups")\n`);
    return 1;
  }
  // Read from PID 1's own /proc/<pid>/cgroup, so this works whatever cgroup the caller is in.
  const cgroup = runtime.cgroupsOf(container.config, status.pid);
  if (!cgroup) {
    io.stderr.write(`nsinit: ${command}: pid ${status.pid} is not in the container's cgroup\n`);
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
