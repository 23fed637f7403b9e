// `nsinit config validate [file]`: check a container.json and list every issue with its JSON
// pointer. Exit 0 when valid (warnings printed), 1 when it has errors, 2 on usage errors.
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { reportError } from '../output.js';
import { containerPaths } from './exec.js';

export const configCommand: Command = {
  name: 'config',
  summary: 'check a container.json',
  usage: ['config validate [file]'],
  options: [],
  details: 'file defaults to container.json in --root (or data_path, or the container directory).',
  async run(ctx) {
    const { io, args } = ctx;
    const [sub, file, ...extra] = args;
    if (sub !== 'validate') {
      io.stderr.write(
        sub === undefined
          ? "nsinit: config needs a subcommand: 'nsinit config validate [file]'\n"
          : `nsinit: unknown config subcommand '${sub}' (expected 'validate')\n`,
      );
      return 2;
    }
    if (extra.length > 0) {
      io.stderr.write(`nsinit: config validate takes one file, got also '${extra[0]}'\n`);
      return 2;
    }
    const { dir, root } = containerPaths(ctx);
    const path = file === undefined ? resolve(root ?? dir, 'container.json') : resolve(io.cwd, file);
    const { formatIssue } = await import('@nsinit/config');
    const { readConfigResult } = await import('@nsinit/config/node');
    let result: ReturnType<typeof readConfigResult>;
    try {
      result = readConfigResult(path);
    } catch (err) {
      reportError(io.stderr, err, ctx.global.debug);
      return 1;
    }
    for (const w of result.warnings) io.stderr.write(`${path}: warning: ${formatIssue(w)}\n`);
    if (!result.ok) {
      for (const e of result.errors) io.stderr.write(`${path}: error: ${formatIssue(e)}\n`);
      const n = result.errors.length;
      io.stderr.write(`nsinit: ${path} is not valid (${n} error${n === 1 ? '' : 's'})\n`);
      return 1;
    }
    io.stdout.write(`${path}: valid\n`);
    return 0;
  },
};
