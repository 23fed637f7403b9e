// `update` (new cgroup limits on a live container: runc's flags, or a LinuxResources document with
// -r FILE / -r - as containerd's shim sends it) and `events` (runc's JSON event lines: `--stats`
// once, otherwise stats every --interval plus an "oom" event per OOM kill, until it stops).
import { readFileSync } from 'node:fs';
import { bool, type FlagSpec, OciUsageError, str } from './args.js';
import type { OciCommand, OciCommandContext } from './command.js';
import { oneId, runtime } from './lifecycle-commands.js';

async function context(ctx: OciCommandContext) {
  const rt = await import('@nsinit/runtime');
  const { oci, native } = await runtime();
  return {
    rt,
    oci,
    octx: { native, root: ctx.global.root, onWarning: (m: string) => ctx.global.logger.log('warning', m) },
  };
}

const VALUE_FLAGS: [string, string][] = [
  ['blkio-weight', 'per cgroup weight, 10 to 1000'],
  ['cpu-period', 'CPU CFS period (µs)'],
  ['cpu-quota', 'CPU CFS quota per period (µs); -1 for none'],
  ['cpu-rt-period', 'CPU realtime period (µs)'],
  ['cpu-rt-runtime', 'CPU realtime runtime per period (µs)'],
  ['cpu-share', 'CPU shares (relative weight)'],
  ['cpu-idle', '1 to give the cgroup the SCHED_IDLE policy'],
  ['cpuset-cpus', 'CPUs to use (0-3,5)'],
  ['cpuset-mems', 'memory nodes to use'],
  ['kernel-memory', 'kernel memory limit (bytes, or 512m)'],
  ['kernel-memory-tcp', 'kernel TCP buffer limit (bytes, or 512m)'],
  ['memory', 'memory limit (bytes, or 512m); -1 for none'],
  ['memory-reservation', 'memory soft limit (bytes, or 512m)'],
  ['memory-swap', 'memory plus swap limit (bytes, or 512m); -1 for unlimited swap'],
  ['pids-limit', 'maximum number of pids; -1 for none'],
];

const update: OciCommand = {
  name: 'update',
  usage: 'update [command options] <container-id>',
  summary: 'update the resource limits of a container',
  flags: [
    {
      name: 'resources',
      aliases: ['r'],
      kind: 'string',
      value: 'FILE',
      description:
        "a LinuxResources JSON file, or '-' for standard input (all other options are then ignored)",
    },
    ...VALUE_FLAGS.map(
      ([name, description]): FlagSpec => ({ name, kind: 'string', value: 'VALUE', description }),
    ),
    { name: 'l3-cache-schema', kind: 'string', value: 'VALUE', description: 'Intel RDT (not supported)' },
    { name: 'mem-bw-schema', kind: 'string', value: 'VALUE', description: 'Intel RDT (not supported)' },
  ],
  async run(ctx) {
    const id = oneId(ctx);
    const { rt, oci, octx } = await context(ctx);
    const file = str(ctx.flags, 'resources');
    let resources: ReturnType<typeof rt.resourcesFromUpdateFlags>;
    if (file !== undefined) {
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
      } catch (err) {
        throw new OciUsageError(`--resources ${file}: ${(err as Error).message}`);
      }
      resources = rt.resourcesFromUpdateJson(doc, file === '-' ? 'resources from stdin' : file);
    } else {
      for (const rdt of ['l3-cache-schema', 'mem-bw-schema']) {
        if (str(ctx.flags, rdt) !== undefined)
          throw new OciUsageError(`--${rdt}: Intel RDT is not supported`);
      }
      const given: Record<string, string> = {};
      for (const [name] of VALUE_FLAGS) {
        const v = str(ctx.flags, name);
        if (v !== undefined) given[name] = v;
      }
      resources = rt.resourcesFromUpdateFlags(given);
    }
    await oci.updateResources(octx, id, resources);
    return 0;
  },
};

/** "5s", "100ms", "1m", "1h" (Go's time.ParseDuration units, as runc takes --interval). */
export function parseInterval(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new OciUsageError(`invalid --interval '${text}' (e.g. 5s, 500ms)`);
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  if (ms <= 0) throw new OciUsageError(`invalid --interval '${text}': must be positive`);
  return ms;
}

const events: OciCommand = {
  name: 'events',
  usage: 'events [command options] <container-id>',
  summary: "display container events (stats and OOM notices) as runc's JSON lines",
  flags: [
    {
      name: 'interval',
      kind: 'string',
      value: 'DURATION',
      description: 'stats collection interval (default: 5s)',
    },
    { name: 'stats', kind: 'bool', description: 'display the container stats once, then exit' },
  ],
  async run(ctx) {
    const id = oneId(ctx);
    const interval = parseInterval(str(ctx.flags, 'interval') ?? '5s');
    const { rt, oci, octx } = await context(ctx);
    const line = () => `${rt.runcStatsEvent(id, oci.statsOf(octx, id))}\n`;
    if (bool(ctx.flags, 'stats')) {
      process.stdout.write(line());
      return 0;
    }
    let ooms = oci.oomKillCount(octx, id);
    for (;;) {
      let record: ReturnType<typeof oci.readRecord>;
      try {
        record = oci.readRecord(octx.root, id);
      } catch {
        return 0; // deleted
      }
      if (oci.statusOf(octx.root, record) === 'stopped') return 0;
      const now = oci.oomKillCount(octx, id);
      for (; ooms < now; ooms++) process.stdout.write(`${JSON.stringify({ type: 'oom', id })}\n`);
      process.stdout.write(line());
      await new Promise((r) => setTimeout(r, interval));
    }
  },
};

export const resourceCommands: OciCommand[] = [update, events];
