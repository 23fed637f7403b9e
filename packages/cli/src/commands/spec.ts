// `nsinit spec`: print the default container.json (defaultConfig() of @nsinit/config).
import type { Command } from '../command.js';

export const specCommand: Command = {
  name: 'spec',
  summary: 'print a default container.json',
  usage: ['spec'],
  options: [],
  globals: ['help', 'version'],
  details: 'Save it as container.json in a rootfs directory, edit it, then run `nsinit exec`.',
  async run({ io, args }) {
    if (args.length > 0) {
      io.stderr.write(`nsinit: spec takes no arguments, got '${args[0]}'\n`);
      return 2;
    }
    const { defaultConfig } = await import('@nsinit/config');
    io.stdout.write(`${JSON.stringify(defaultConfig(), null, 2)}\n`);
    return 0;
  },
};
