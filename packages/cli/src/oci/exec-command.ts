// `exec` as runc takes it: --process FILE (an OCI process JSON) or a command with overrides;
// --detach leaves the process to the engine (its pid in --pid-file), otherwise we wait for it and
// exit with its status.
import { readFileSync } from 'node:fs';
import { bool, list, nonNegativeInt, OciUsageError, str } from './args.js';
import type { OciCommand } from './command.js';
import { CONSOLE_SOCKET, PID_FILE, PRESERVE_FDS, runtime } from './lifecycle-commands.js';

function parseUser(text: string | undefined): { uid: number; gid?: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw new OciUsageError(`--user: '${text}' is not uid[:gid] (numbers)`);
  return { uid: Number(m[1]), ...(m[2] === undefined ? {} : { gid: Number(m[2]) }) };
}

/** --additional-gids values: group ids as runc takes them (decimal, not negative, not -1). */
function parseGids(values: string[]): number[] {
  return values.map((v) => {
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n > 0xfffffffe)
      throw new OciUsageError(`--additional-gids: '${v}' is not a group id (0..4294967294)`);
    return n;
  });
}

export const execCommand: OciCommand = {
  name: 'exec',
  usage:
    'exec [command options] <container-id> <command> [command options]  ||  -p process.json <container-id>',
  summary: 'execute a new process inside a container',
  flags: [
    CONSOLE_SOCKET,
    { name: 'cwd', kind: 'string', value: 'DIR', description: 'current working directory in the container' },
    {
      name: 'env',
      aliases: ['e'],
      kind: 'list',
      value: 'K=V',
      description: 'set an environment variable (repeatable)',
    },
    { name: 'tty', aliases: ['t'], kind: 'bool', description: 'allocate a pseudo-TTY' },
    { name: 'user', aliases: ['u'], kind: 'string', value: 'UID[:GID]', description: 'user id and group id' },
    {
      name: 'additional-gids',
      aliases: ['g'],
      kind: 'list',
      value: 'GID',
      description: 'additional gids (repeatable)',
    },
    {
      name: 'process',
      aliases: ['p'],
      kind: 'string',
      value: 'FILE',
      description: 'path to a process.json (an OCI process object)',
    },
    { name: 'detach', aliases: ['d'], kind: 'bool', description: 'detach from the container process' },
    PID_FILE,
    { name: 'process-label', kind: 'string', value: 'LABEL', description: 'refused: no LSM labels yet' },
    { name: 'apparmor', kind: 'string', value: 'PROFILE', description: 'refused: no LSM profiles yet' },
    { name: 'no-new-privs', kind: 'bool', description: 'set no_new_privs for the process' },
    { name: 'cap', aliases: ['c'], kind: 'list', value: 'CAP', description: 'add a capability (repeatable)' },
    PRESERVE_FDS,
    { name: 'cgroup', kind: 'list', value: 'PATH', description: 'refused: sub-cgroups are not supported' },
    { name: 'ignore-paused', kind: 'bool', description: 'refused: a paused container is never joined' },
  ],
  async run(ctx) {
    const [id, ...args] = ctx.args;
    if (!id) throw new OciUsageError('a container id is required');
    for (const f of ['process-label', 'apparmor', 'cgroup'])
      if (ctx.flags[f] !== undefined) throw new OciUsageError(`--${f} is not supported`);
    const file = str(ctx.flags, 'process');
    let process_: Record<string, unknown> | undefined;
    if (file !== undefined) {
      try {
        process_ = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new OciUsageError(`--process ${file}: ${(err as Error).message}`);
      }
    } else if (args.length === 0) {
      throw new OciUsageError('exec needs a command or --process FILE');
    }
    const detach = bool(ctx.flags, 'detach');
    const gids = parseGids(list(ctx.flags, 'additional-gids'));
    // runc ignores it with --process; refused here rather than dropped silently.
    if (gids.length > 0 && process_)
      throw new OciUsageError(
        '--additional-gids cannot be combined with --process (use its user.additionalGids)',
      );
    const { oci, native } = await runtime();
    const octx = {
      native,
      root: ctx.global.root,
      onWarning: (m: string) => ctx.global.logger.log('warning', m),
    };
    const executed = await oci.execContainer(octx, {
      id,
      ...(process_ ? { process: process_ } : {}),
      args,
      tty: bool(ctx.flags, 'tty'),
      cwd: str(ctx.flags, 'cwd'),
      env: list(ctx.flags, 'env'),
      user: parseUser(str(ctx.flags, 'user')),
      additionalGids: gids,
      caps: list(ctx.flags, 'cap'),
      noNewPrivs: bool(ctx.flags, 'no-new-privs'),
      pidFile: str(ctx.flags, 'pid-file'),
      consoleSocket: str(ctx.flags, 'console-socket'),
      preserveFds: nonNegativeInt(ctx.flags, 'preserve-fds'),
      keepConsole: !detach,
    });
    if (detach) return 0;
    const { foreground } = await import('./foreground.js');
    return foreground(
      octx,
      executed,
      async () => {},
      async () => {},
    );
  },
};
