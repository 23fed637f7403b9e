// A small hand-written argument parser. Options are recognised only BEFORE the first positional
// argument, so `nsinit exec ls -la /` passes `-la` to ls; `--` also ends the options. Accepts
// `--name value`, `--name=value`, `-x value` and boolean flags.
import type { GlobalOptions, OptionSpec } from './command.js';

export class UsageError extends Error {
  readonly code = 'ERR_NSINIT_USAGE';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  {
    name: 'root',
    value: 'DIR',
    description: 'directory holding container.json and the pid files (env: data_path)',
  },
  {
    name: 'dir',
    value: 'DIR',
    description: 'the container directory (rootfs); default: the current directory',
  },
  { name: 'debug', description: 'on errors, print the cause chain and error fields' },
  { name: 'help', short: 'h', description: 'show help' },
  { name: 'version', short: 'v', description: 'print the version' },
];

export interface ParsedOptions {
  options: Record<string, string | true>;
  /** Everything from the first positional (or after `--`) on, untouched. */
  rest: string[];
}

/** Parse leading options in `argv` against `specs`; stops at the first positional or `--`. */
export function parseOptions(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  where: string,
  exitCode: number,
): ParsedOptions {
  const options: Record<string, string | true> = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    let name: string;
    let inline: string | undefined;
    let spec: OptionSpec | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      spec = specs.find((s) => s.name === name);
    } else {
      name = arg.slice(1, 2);
      inline = arg.length > 2 ? arg.slice(2) : undefined;
      spec = specs.find((s) => s.short === name);
    }
    if (!spec) throw new UsageError(`unknown option '${arg.split('=')[0]}' for ${where}`, exitCode, where);
    if (spec.value === undefined) {
      if (inline !== undefined)
        throw new UsageError(`option '--${spec.name}' takes no value`, exitCode, where);
      options[spec.name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length)
        throw new UsageError(`option '--${spec.name}' needs a value (${spec.value})`, exitCode, where);
      value = argv[++i]!;
    }
    if (value === '')
      throw new UsageError(`option '--${spec.name}' needs a non-empty value`, exitCode, where);
    options[spec.name] = value;
  }
  return { options, rest: argv.slice(i) };
}

/** Fold recognised global options into `global` (later wins). */
export function applyGlobal(global: GlobalOptions, options: Record<string, string | true>): void {
  if (typeof options.root === 'string') global.root = options.root;
  if (typeof options.dir === 'string') global.dir = options.dir;
  if (options.debug === true) global.debug = true;
}
