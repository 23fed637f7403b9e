// Verbs over the container's cgroup, as containerd's shim drives them: `update` (runc's flags, or
// a LinuxResources JSON with -r FILE / -r - on stdin) and `events` (--stats: one runc-shaped stats
// line; without it, a stats line every --interval until the container stops).
import { readFileSync } from 'node:fs';
import { bool, type FlagSpec, OciUsageError, str } from './args.js';
import type { OciCommand, OciCommandContext } from './command.js';
import { oneId, runtime } from './lifecycle-commands.js';

const UPDATE_VALUE_FLAGS = [
  'blkio-weight',
  'cpu-period',
  'cpu-quota',
  'cpu-rt-period',
  'cpu-rt-runtime',
  'cpu-share',
  'cpu-idle',
  'cpuset-cpus',
  'cpuset-mems',
  'kernel-memory',
  'kernel-memory-tcp',
  'memory',
  'memory-reservation',
  'memory-swap',
  'pids-limit',
];

async function context(ctx: OciCommandContext) {
  const { oci, native } = await runtime();
  return {
    oci,
    octx: { native, root: ctx.global.root, onWarning: (m: string) => ctx.global.logger.log('warning', m) },
  };
}

const update: OciCommand = {
  name: 'update',
  usage: 'update [command options] <container-id>',
  summary: "update a container's resource limits",
  flags: [
    {
      name: 'resources',
      aliases: ['r'],
      kind: 'string',
      value: 'FILE',
      description: "a LinuxResources JSON ('-' reads stdin)",
    },
    ...UPDATE_VALUE_FLAGS.map(
      (name): FlagSpec => ({ name, kind: 'string', value: 'VALUE', description: `set ${name}` }),
    ),
  ],
  async run(ctx) {
    const id = oneId(ctx);
    const rt = await import('@nsinit/runtime');
    const file = str(ctx.flags, 'resources');
    let resources: ReturnType<typeof rt.resourcesFromUpdateFlags>;
    if (file !== undefined) {
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (err) {
        throw new OciUsageError(`--resources ${file}: ${(err as Error).message}`);
      }
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (err) {
        throw new OciUsageError(`--resources ${file}: not JSON: ${(err as Error).message}`);
      }
      resources = rt.resourcesFromUpdateJson(doc, file === '-' ? 'stdin' : file);
    } else {
      const values: Record<string, string> = {};
      for (const f of UPDATE_VALUE_FLAGS) {
        const v = str(ctx.flags, f);
        if (v !== undefined) values[f] = v;
      }
      resources = rt.resourcesFromUpdateFlags(values);
    }
    const { oci, octx } = await context(ctx);
    await oci.update(octx, id, resources);
    return 0;
  },
};

function parseInterval(text: string | undefined): number {
  if (text === undefined) return 5000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new OciUsageError(`--interval: '${text}' is not a duration such as 5s`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

const events: OciCommand = {
  name: 'events',
  usage: 'events [command options] <container-id>',
  summary: 'display container statistics (runc events JSON)',
  flags: [
    { name: 'stats', kind: 'bool', description: 'print the statistics once and exit' },
    {
      name: 'interval',
      kind: 'string',
      value: 'DURATION',
      description: 'between statistics lines (default 5s)',
    },
  ],
  async run(ctx) {
    const id = oneId(ctx);
    const interval = parseInterval(str(ctx.flags, 'interval'));
    const { oci, octx } = await context(ctx);
    for (;;) {
      const line = oci.statsEvent(octx, id);
      if (line === null) {
        if (bool(ctx.flags, 'stats')) throw new OciUsageError(`container '${id}' is not running`);
        return 0;
      }
      process.stdout.write(`${line}\n`);
      if (bool(ctx.flags, 'stats')) return 0;
      await new Promise((r) => setTimeout(r, interval));
    }
  },
};

export const cgroupCommands: OciCommand[] = [update, events];
