// `nsinit pause`: freeze every process of the running container with the cgroup freezer (v1
// freezer.state, v2 cgroup.freeze) and wait until the kernel reports them all frozen.
import type { Command } from '../command.js';
import { hostProblem } from '../host.js';
import { reportError } from '../output.js';
import { liveCgroup } from './stats.js';

export const pauseCommand: Command = {
  name: 'pause',
  summary: 'freeze all processes of the running container',
  usage: ['pause'],
  options: [],
  details: 'Undo with `nsinit resume`. Exit status: 0, 1 when no container is running, 125 on errors.',
  async run(ctx) {
    const problem = await hostProblem(ctx.io.env);
    if (problem) {
      ctx.io.stderr.write(`${problem}\n`);
      return 125;
    }
    try {
      const live = await liveCgroup(ctx, 'pause');
      if (typeof live === 'number') return live;
      await live.runtime.freeze(live.cgroup);
      return 0;
    } catch (err) {
      reportError(ctx.io.stderr, err, ctx.global.debug);
      return 125;
    }
  },
};
