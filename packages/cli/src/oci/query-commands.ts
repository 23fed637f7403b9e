// Verbs that look at or freeze containers: list, ps, pause, resume; and the documents: spec,
// features.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bool, OciUsageError, str } from './args.js';
import type { OciCommand, OciCommandContext } from './command.js';
import { features } from './documents.js';
import { BUNDLE, oneId, runtime } from './lifecycle-commands.js';

async function context(ctx: OciCommandContext) {
  const { oci, native } = await runtime();
  return {
    oci,
    octx: { native, root: ctx.global.root, onWarning: (m: string) => ctx.global.logger.log('warning', m) },
  };
}

const FORMAT = {
  name: 'format',
  aliases: ['f'],
  kind: 'string' as const,
  value: 'table|json',
  description: 'output format (default: table)',
};

function format(ctx: OciCommandContext): 'table' | 'json' {
  const f = str(ctx.flags, 'format') ?? 'table';
  if (f !== 'table' && f !== 'json') throw new OciUsageError(`invalid format option "${f}"`);
  return f;
}

const list: OciCommand = {
  name: 'list',
  usage: 'list [command options]',
  summary: 'list the containers under --root',
  flags: [FORMAT, { name: 'quiet', aliases: ['q'], kind: 'bool', description: 'display only container ids' }],
  async run(ctx) {
    const { oci, octx } = await context(ctx);
    const rows = oci.list(octx);
    if (bool(ctx.flags, 'quiet')) {
      for (const r of rows) process.stdout.write(`${r.id}\n`);
    } else if (format(ctx) === 'json') {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
    } else {
      const table = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
      for (const r of rows)
        table.push([r.id, String(r.pid), r.status, r.bundle, String(r.created), String(r.owner || 'root')]);
      const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table)
        process.stdout.write(
          `${row
            .map((c, i) => c.padEnd(widths[i]!))
            .join('   ')
            .trimEnd()}\n`,
        );
    }
    return 0;
  },
};

const ps: OciCommand = {
  name: 'ps',
  usage: 'ps [command options] <container-id> [ps options]',
  summary: 'the processes running inside a container',
  flags: [FORMAT],
  async run(ctx) {
    const [id, ...psArgs] = ctx.args;
    if (!id) throw new OciUsageError('a container id is required');
    const { oci, octx } = await context(ctx);
    const pids = oci.ps(octx, id);
    if (format(ctx) === 'json') {
      process.stdout.write(`${JSON.stringify(pids)}\n`);
      return 0;
    }
    // runc runs the host's ps(1) and keeps the header plus the container's rows. node:child_process
    // only here: it loads ~20 modules (net, streams, dgram) into every nsinit-oci start otherwise.
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('ps', psArgs.length > 0 ? psArgs : ['-ef'], { encoding: 'utf8' });
    const [header, ...lines] = out.split('\n');
    const col = header!.trim().split(/\s+/).indexOf('PID');
    if (col < 0) throw new OciUsageError("couldn't find PID field in ps output");
    process.stdout.write(`${header}\n`);
    const want = new Set(pids);
    for (const line of lines) {
      const pid = Number(line.trim().split(/\s+/)[col]);
      if (want.has(pid)) process.stdout.write(`${line}\n`);
    }
    return 0;
  },
};

const pause: OciCommand = {
  name: 'pause',
  usage: 'pause <container-id>',
  summary: 'freeze every process of a container (cgroup freezer)',
  flags: [],
  async run(ctx) {
    const { oci, octx } = await context(ctx);
    await oci.pause(octx, oneId(ctx));
    return 0;
  },
};

const resume: OciCommand = {
  name: 'resume',
  usage: 'resume <container-id>',
  summary: 'thaw a paused container',
  flags: [],
  async run(ctx) {
    const { oci, octx } = await context(ctx);
    await oci.resume(octx, oneId(ctx));
    return 0;
  },
};

const spec: OciCommand = {
  name: 'spec',
  usage: 'spec [command options]',
  summary: 'write a default config.json into the bundle directory',
  flags: [
    BUNDLE,
    {
      name: 'rootless',
      kind: 'bool',
      description:
        'a spec for the calling user: a user namespace mapping it to root, no network namespace, no cgroup limits, /sys bound read-only',
    },
  ],
  async run(ctx) {
    const file = join(str(ctx.flags, 'bundle') ?? process.cwd(), 'config.json');
    if (existsSync(file)) throw new OciUsageError(`File ${file} exists. Remove it first`);
    const { defaultOciSpec } = await import('@nsinit/config');
    // --rootless: runc's rootless spec, for the caller's own ids (the single-id map an
    // unprivileged user may write without newuidmap).
    const spec = bool(ctx.flags, 'rootless')
      ? defaultOciSpec({ rootless: true, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 })
      : defaultOciSpec();
    writeFileSync(file, `${JSON.stringify(spec, null, '\t')}\n`, { flag: 'wx', mode: 0o666 });
    return 0;
  },
};

const featuresCommand: OciCommand = {
  name: 'features',
  usage: 'features',
  summary: 'show what this runtime supports (the runtime-spec features document)',
  flags: [],
  async run() {
    const { native } = await runtime();
    process.stdout.write(`${JSON.stringify(features(Object.keys(native.capabilities)), null, '    ')}\n`);
    return 0;
  },
};

export const queryCommands: OciCommand[] = [list, ps, pause, resume, spec, featuresCommand];
