// The lifecycle verbs engines drive: create, start, state, kill, delete, run. Each is a thin
// front end over @nsinit/runtime's `oci` module; the runtime decides and refuses.
import { bool, type FlagSpec, nonNegativeInt, OciUsageError, str } from './args.js';
import type { OciCommand, OciCommandContext } from './command.js';
import { parseSignal } from './signals.js';

export const BUNDLE: FlagSpec = {
  name: 'bundle',
  aliases: ['b'],
  kind: 'string',
  value: 'DIR',
  description: 'path to the root of the bundle directory (default: the current directory)',
};
export const PID_FILE: FlagSpec = {
  name: 'pid-file',
  kind: 'string',
  value: 'FILE',
  description: "file to write the process id to (the init's host pid)",
};
export const CONSOLE_SOCKET: FlagSpec = {
  name: 'console-socket',
  kind: 'string',
  value: 'PATH',
  description: 'AF_UNIX socket that receives the pty master (SCM_RIGHTS) when process.terminal is true',
};
export const PRESERVE_FDS: FlagSpec = {
  name: 'preserve-fds',
  kind: 'string',
  value: 'N',
  description: 'pass N additional file descriptors (3 .. 3+N-1) to the container',
};
const CREATE_FLAGS: FlagSpec[] = [
  BUNDLE,
  CONSOLE_SOCKET,
  PID_FILE,
  { name: 'no-pivot', kind: 'bool', description: 'do not use pivot_root (for a rootfs on a ramdisk)' },
  {
    name: 'no-new-keyring',
    kind: 'bool',
    description: 'do not create a new session keyring (nsinit never creates one)',
  },
  PRESERVE_FDS,
];

type Runtime = typeof import('@nsinit/runtime');

export async function runtime(): Promise<{ oci: Runtime['oci']; native: Runtime['native'] }> {
  const rt = await import('@nsinit/runtime');
  return { oci: rt.oci, native: rt.native };
}

export function oneId(ctx: OciCommandContext, extra = 0): string {
  const [id] = ctx.args;
  if (id === undefined || id === '') throw new OciUsageError('a container id is required');
  if (ctx.args.length > 1 + extra) throw new OciUsageError(`unexpected argument '${ctx.args[1 + extra]}'`);
  return id;
}

async function context(ctx: OciCommandContext) {
  const { oci, native } = await runtime();
  return {
    oci,
    octx: {
      native,
      root: ctx.global.root,
      onWarning: (m: string) => ctx.global.logger.log('warning', m),
    },
  };
}

function createOptions(ctx: OciCommandContext) {
  return {
    id: oneId(ctx),
    bundle: str(ctx.flags, 'bundle') ?? process.cwd(),
    pidFile: str(ctx.flags, 'pid-file'),
    consoleSocket: str(ctx.flags, 'console-socket'),
    noPivot: bool(ctx.flags, 'no-pivot'),
    preserveFds: nonNegativeInt(ctx.flags, 'preserve-fds'),
  };
}

const create: OciCommand = {
  name: 'create',
  usage: 'create [command options] <container-id>',
  summary: 'create a container (its init waits for start)',
  flags: CREATE_FLAGS,
  async run(ctx) {
    const { oci, octx } = await context(ctx);
    await oci.createContainer({ ...octx, ...createOptions(ctx) });
    return 0;
  },
};

const start: OciCommand = {
  name: 'start',
  usage: 'start <container-id>',
  summary: 'run the user process of a created container',
  flags: [],
  async run(ctx) {
    const { oci, octx } = await context(ctx);
    await oci.start(octx, oneId(ctx));
    return 0;
  },
};

const state: OciCommand = {
  name: 'state',
  usage: 'state <container-id>',
  summary: 'output the state of a container (runtime-spec state JSON)',
  flags: [],
  async run(ctx) {
    const { oci, octx } = await context(ctx);
    process.stdout.write(`${JSON.stringify(oci.state(octx, oneId(ctx)), null, 2)}\n`);
    return 0;
  },
};

const kill: OciCommand = {
  name: 'kill',
  usage: 'kill [command options] <container-id> [signal]',
  summary: "send a signal (default SIGTERM) to the container's init",
  flags: [
    {
      name: 'all',
      aliases: ['a'],
      kind: 'bool',
      description: 'send the signal to all processes in the container',
    },
  ],
  async run(ctx) {
    const id = oneId(ctx, 1);
    const signal = parseSignal(ctx.args[1] ?? 'SIGTERM');
    const { oci, octx } = await context(ctx);
    await oci.kill(octx, id, signal, bool(ctx.flags, 'all'));
    return 0;
  },
};

const del: OciCommand = {
  name: 'delete',
  usage: 'delete [command options] <container-id>',
  summary: 'delete a container and everything it had',
  flags: [
    { name: 'force', aliases: ['f'], kind: 'bool', description: 'kill a running container first (SIGKILL)' },
  ],
  async run(ctx) {
    const { oci, octx } = await context(ctx);
    await oci.remove(octx, oneId(ctx), bool(ctx.flags, 'force'));
    return 0;
  },
};

const run: OciCommand = {
  name: 'run',
  usage: 'run [command options] <container-id>',
  summary: 'create and start a container; in the foreground, wait for it and delete it',
  flags: [
    ...CREATE_FLAGS,
    { name: 'detach', aliases: ['d'], kind: 'bool', description: 'detach from the container' },
  ],
  async run(ctx) {
    const { oci, octx } = await context(ctx);
    const options = createOptions(ctx);
    const detach = bool(ctx.flags, 'detach');
    const created = await oci.createContainer({ ...octx, ...options, keepConsole: !detach });
    const { foreground } = await import('./foreground.js');
    if (detach) {
      await oci.start(octx, options.id);
      return 0;
    }
    return foreground(
      octx,
      created,
      () => oci.start(octx, options.id),
      () => oci.remove(octx, options.id, true),
    );
  },
};

export const lifecycleCommands: OciCommand[] = [create, start, state, kill, del, run];
