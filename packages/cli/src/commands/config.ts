// `nsinit config validate [file]`: check a container.json and list every issue with its JSON
// pointer. Exit 0 when valid (warnings printed), 1 when it has errors (or, with --strict, warnings),
// 2 on usage errors.
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { isMissingConfig, NoConfigError } from '../open.js';
import { reportError } from '../output.js';
import { containerPaths } from '../paths.js';

export const configCommand: Command = {
  name: 'config',
  summary: 'check a container.json',
  usage: ['config validate [--strict] [file]'],
  options: [{ name: 'strict', description: 'warnings (unknown keys, ...) are errors: exit 1' }],
  details: [
    'file defaults to container.json in --root (or data_path, or the container directory).',
    'Exit status: 0 when valid, 1 when it has errors (with --strict: or warnings), 2 on usage errors.',
  ].join('\n'),
  async run(ctx) {
    const { io, args } = ctx;
    const [sub, ...rest] = args;
    // `config validate --strict x.json`: the option may also follow the subcommand.
    const strict = ctx.options.strict === true || rest.includes('--strict');
    const [file, ...extra] = rest.filter((a) => a !== '--strict');
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
    const paths = containerPaths(ctx);
    const path = file === undefined ? paths.configPath : resolve(io.cwd, file);
    const { formatIssue } = await import('@nsinit/config');
    const { readConfigResult } = await import('@nsinit/config/node');
    let result: ReturnType<typeof readConfigResult>;
    try {
      // --strict: unknown keys are errors (the validator's own wording), other warnings too.
      result = readConfigResult(path, { strict });
    } catch (err) {
      reportError(
        io.stderr,
        file === undefined && isMissingConfig(err, path) ? new NoConfigError(path) : err,
        ctx.global.debug,
      );
      return 1;
    }
    const level = strict ? 'error' : 'warning';
    for (const w of result.warnings) io.stderr.write(`${path}: ${level}: ${formatIssue(w)}\n`);
    if (!result.ok || (strict && result.warnings.length > 0)) {
      for (const e of result.ok ? [] : result.errors) io.stderr.write(`${path}: error: ${formatIssue(e)}\n`);
      const n = (result.ok ? 0 : result.errors.length) + (strict ? result.warnings.length : 0);
      io.stderr.write(`nsinit: ${path} is not valid (${n} error${n === 1 ? '' : 's'})\n`);
      return 1;
    }
    io.stdout.write(`${path}: valid\n`);
    return 0;
  },
};
