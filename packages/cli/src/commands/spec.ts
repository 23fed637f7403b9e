// `nsinit spec`: print the default container.json (defaultConfig() of @nsinit/config); with
// --rootless, one the calling user can run (its own ids mapped to root in a user namespace).
import type { Command } from '../command.js';

export const specCommand: Command = {
  name: 'spec',
  summary: 'print a default container.json',
  usage: ['spec [--rootless]'],
  options: [
    {
      name: 'rootless',
      description:
        'a config for the calling user: a user namespace mapping your uid and gid to root, no cgroups',
    },
  ],
  globals: ['help', 'version'],
  details: 'Save it as container.json in a rootfs directory, edit it, then run `nsinit exec`.',
  async run(ctx) {
    const { io, args } = ctx;
    if (args.length > 0) {
      io.stderr.write(`nsinit: spec takes no arguments, got '${args[0]}'\n`);
      return 2;
    }
    const { defaultConfig } = await import('@nsinit/config');
    const config = ctx.options.rootless
      ? defaultConfig({ rootless: true, uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 })
      : defaultConfig();
    io.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    return 0;
  },
};
