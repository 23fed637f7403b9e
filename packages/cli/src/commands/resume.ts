// `nsinit resume`: thaw a container frozen by `nsinit pause` (or started with cgroups.freezer
// FROZEN) and wait until the freezer reports it THAWED.
import type { Command } from '../command.js';
import { hostProblem } from '../host.js';
import { reportError } from '../output.js';
import { liveCgroup } from './stats.js';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'thaw the processes of a paused container',
  usage: ['resume'],
  options: [],
  details: 'Exit status: 0, 1 when no container is running, 125 on errors.',
  async run(ctx) {
    const problem = await hostProblem(ctx.io.env);
    if (problem) {
      ctx.io.stderr.write(`${problem}\n`);
      return 125;
    }
    try {
      const live = await liveCgroup(ctx, 'resume');
      if (typeof live === 'number') return live;
      await live.runtime.thaw(live.cgroup);
      return 0;
    } catch (err) {
      reportError(ctx.io.stderr, err, ctx.global.debug);
      return 125;
    }
  },
};
