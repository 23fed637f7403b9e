// nsinit-oci: runc's command line (global flags, then a verb) over @nsinit/runtime's OCI
// lifecycle, for engines (containerd's runc shim with BinaryName, podman's conmon) and the OCI
// conformance programs. Errors: one line on stderr and an "error" entry in --log; exit status 1.

import { versionText } from '../version.js';
import { type FlagSpec, flagHelp, OciUsageError, parseFlags, str } from './args.js';
import type { OciCommand } from './command.js';
import { execCommand } from './exec-command.js';
import { lifecycleCommands } from './lifecycle-commands.js';
import { createLogger } from './log.js';
import { queryCommands } from './query-commands.js';
import { resourceCommands } from './resource-commands.js';

const GLOBAL: FlagSpec[] = [
  { name: 'debug', kind: 'bool', description: 'enable debug logging' },
  { name: 'log', kind: 'string', value: 'FILE', description: 'log file (default: stderr)' },
  { name: 'log-format', kind: 'string', value: 'text|json', description: 'log format (default: text)' },
  {
    name: 'root',
    kind: 'string',
    value: 'DIR',
    description: 'state directory (default: /run/nsinit-oci, or $XDG_RUNTIME_DIR/nsinit-oci when not root)',
  },
  { name: 'systemd-cgroup', kind: 'bool', description: 'use the systemd cgroup driver (not supported yet)' },
  { name: 'criu', kind: 'string', value: 'PATH', description: 'ignored (no checkpoint/restore)' },
  {
    name: 'rootless',
    kind: 'string',
    value: 'true|false|auto',
    description:
      'ignored: rootless mode follows who runs nsinit-oci (not root, or root only in a user namespace)',
  },
  { name: 'help', aliases: ['h'], kind: 'bool', description: 'show help' },
  { name: 'version', aliases: ['v'], kind: 'bool', description: 'print the version' },
];

export const commands: OciCommand[] = [
  ...lifecycleCommands,
  execCommand,
  ...queryCommands,
  ...resourceCommands,
];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'NAME:',
    '   nsinit-oci - an OCI runtime (runc command line) over nsinit',
    '',
    'USAGE:',
    '   nsinit-oci [global options] command [command options] [arguments...]',
    '',
    'COMMANDS:',
    ...commands.map((c) => `   ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'GLOBAL OPTIONS:',
    ...flagHelp(GLOBAL),
    '',
  ].join('\n');
}

function commandHelp(c: OciCommand): string {
  return [
    `USAGE:\n   nsinit-oci ${c.usage}`,
    '',
    `${c.summary}.`,
    '',
    'OPTIONS:',
    ...flagHelp(c.flags),
    '',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  let logger = createLogger(undefined, 'text', false);
  let debug = false;
  try {
    const head = parseFlags(argv, GLOBAL);
    const g = head.flags;
    const format = str(g, 'log-format') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new OciUsageError(`invalid log-format: ${format}`);
    debug = g.debug === true;
    logger = createLogger(str(g, 'log'), format, debug);
    if (g.version) {
      process.stdout.write(versionText('nsinit-oci'));
      return 0;
    }
    const [name, ...tail] = head.rest;
    if (g.help || name === undefined || name === 'help') {
      const target = commands.find((c) => c.name === tail[0]);
      process.stdout.write(name === 'help' && target ? commandHelp(target) : mainHelp());
      return name === undefined && !g.help ? 1 : 0;
    }
    if (g['systemd-cgroup'] === true)
      throw new OciUsageError(
        '--systemd-cgroup: the systemd cgroup driver is not supported yet (use cgroupfs)',
      );
    const rootless = str(g, 'rootless');
    if (rootless !== undefined && !['true', 'false', 'auto'].includes(rootless))
      throw new OciUsageError(`invalid --rootless value '${rootless}' (true, false or auto)`);
    const command = commands.find((c) => c.name === name);
    if (!command) throw new OciUsageError(`No help topic for '${name}'`);
    if (tail.includes('--help') || tail.includes('-h')) {
      const parsed = parseFlags(tail, [
        ...command.flags,
        { name: 'help', aliases: ['h'], kind: 'bool', description: '' },
      ]);
      if (parsed.flags.help) {
        process.stdout.write(commandHelp(command));
        return 0;
      }
    }
    const parsed = parseFlags(tail, command.flags);
    logger.log('debug', `nsinit-oci ${argv.join(' ')}`);
    return await command.run({
      global: { root: await stateRoot(str(g, 'root'), command.name), logger, debug },
      flags: parsed.flags,
      args: parsed.rest,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    logger.log('error', message);
    process.stderr.write(`nsinit-oci: ${message}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return err instanceof OciUsageError ? 1 : 1;
  }
}

/** --root, or the default for this caller; a rootless caller's state is checked to be its own
 *  (runtime rootless.ts). `spec` and `features` read no state. */
async function stateRoot(root: string | undefined, verb: string): Promise<string> {
  if (verb === 'spec' || verb === 'features') return root ?? '';
  const { checkPrivateDir, defaultOciRoot, isRootless } = await import('@nsinit/runtime');
  if (root === undefined) return defaultOciRoot();
  if (isRootless()) checkPrivateDir(root);
  return root;
}

export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
