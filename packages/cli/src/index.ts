// @nsinit/cli: the nsinit command. main(argv, io) runs it in-process (tests, embedding); the
// executable is bin/nsinit.
export { main, version } from './cli.js';
export type { Command, CommandContext, GlobalOptions, Io, OptionSpec } from './command.js';
export { commands } from './commands/index.js';
