// The nsinit command line: global options (--root, --dir, --debug, --help, --version), then one
// command from the registry. Heavy modules (the runtime, the addon) are imported lazily by the
// commands that need them, so `nsinit --help` and `nsinit spec` start fast.
import { applyGlobal, GLOBAL_OPTIONS, parseOptions, UsageError } from './args.js';
import type { Command, GlobalOptions, Io, OptionSpec } from './command.js';
import { commands } from './commands/index.js';
import { closeHungUpStdio } from './dead-terminal.js';
import { reportError } from './output.js';
import { versionText } from './version.js';

export { version } from './version.js';

function optionLines(specs: readonly OptionSpec[]): string[] {
  const rows = specs.map((s) => {
    const names = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.value ? ` ${s.value}` : ''}`;
    return [names, s.description] as const;
  });
  const width = Math.max(...rows.map(([n]) => n.length));
  return rows.map(([n, d]) => `  ${n.padEnd(width)}  ${d}`);
}

export function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: nsinit [options] <command> [args...]',
    '',
    'Run processes in Linux containers described by container.json (libcontainer 2014 format).',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    "Run 'nsinit <command> --help' for a command's usage.",
    'Usage errors exit with 2 (125 for exec, as Docker does); errors print one line, more with --debug.',
    '',
  ].join('\n');
}

/** The global options `command` accepts after its name. */
export function globalsOf(command: Command): OptionSpec[] {
  const names = command.globals;
  return names ? GLOBAL_OPTIONS.filter((g) => names.includes(g.name)) : GLOBAL_OPTIONS;
}

export function commandHelp(command: Command): string {
  return [
    ...command.usage.map((u, i) => `${i === 0 ? 'Usage:' : '      '} nsinit ${u}`),
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    '',
    'Options:',
    ...optionLines([...command.options, ...globalsOf(command)]),
    ...(command.details ? ['', command.details] : []),
    '',
  ].join('\n');
}

/** The process's own stdio, created on first use: Node builds process.stdin/stdout/stderr lazily
 *  and each pulls in its stream classes (net, tty, fs streams), which `nsinit exec` with
 *  inherited stdio never needs. */
export function defaultIo(): Io {
  return {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    processStdio: true,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Run nsinit with `argv` (without the node and script paths); resolves to the exit status. */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  const global: GlobalOptions = { debug: false };
  try {
    const head = parseOptions(argv, GLOBAL_OPTIONS, 'nsinit', 2);
    applyGlobal(global, head.options);
    if (head.options.version) {
      io.stdout.write(versionText('nsinit'));
      return 0;
    }
    const [name, ...tail] = head.rest;
    if (head.options.help || name === 'help') {
      const target = name === 'help' ? commands.find((c) => c.name === tail[0]) : undefined;
      io.stdout.write(target ? commandHelp(target) : mainHelp());
      return 0;
    }
    if (name === undefined) {
      io.stderr.write(mainHelp());
      return 2;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command '${name}' (see 'nsinit --help')`, 2);
    const usageExit = command.usageExitCode ?? 2;
    const parsed = parseOptions(tail, [...command.options, ...globalsOf(command)], command.name, usageExit);
    applyGlobal(global, parsed.options);
    if (parsed.options.version) {
      io.stdout.write(versionText('nsinit'));
      return 0;
    }
    // `nsinit config validate --help`: for commands whose arguments are their own, a help flag
    // anywhere before `--` asks for help.
    const helpLater = !command.passThrough && helpBeforeDashes(tail);
    if (parsed.options.help || helpLater) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    const options = { ...parsed.options };
    for (const g of GLOBAL_OPTIONS) delete options[g.name];
    return await command.run({ global, options, args: parsed.rest, io });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`nsinit: ${err.message}\n`);
      return err.exitCode;
    }
    reportError(io.stderr, err, global.debug);
    return 125;
  }
}

function helpBeforeDashes(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** The executable's entry: run main, then exit with its status (stdio on Linux is synchronous
 *  for pipes, files and terminals, so nothing written is lost). */
export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2));
  await closeHungUpStdio();
  process.exit(code);
}
