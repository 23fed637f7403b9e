// nsinit-oci against bad and hostile bundles: a broken config.json fails create with one line
// naming the field (or the file), leaving no state directory, cgroup or process; a rootfs whose
// /proc, /sys, /dev, /dev/null, /dev/pts, /dev/ptmx, bind destination or cwd is a symlink to a
// host canary never lets create, start or delete touch the canary.
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import {
  createCanary,
  createOciBundle,
  ESCAPES,
  type EscapeKind,
  requires,
  useLeakCheck,
} from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';

useLeakCheck();

describe('nsinit-oci: bad config.json', () => {
  const cases: [string, (s: Record<string, any>) => unknown, RegExp][] = [
    ['not JSON', () => '{"ociVersion": ', /config\.json' is not valid JSON/],
    ['a wrong type, by pointer', (s) => ({ ...s, process: { ...s.process, args: 'sh' } }), /\/process\/args/],
    ['an unsupported version', (s) => ({ ...s, ociVersion: '9.9.9' }), /\/ociVersion/],
    ['a relative cwd', (s) => ({ ...s, process: { ...s.process, cwd: 'tmp' } }), /\/process\/cwd/],
    ['a missing rootfs', (s) => ({ ...s, root: { path: 'nope' } }), /\/root\/path/],
    [
      'a seccomp notification on the write the runtime needs',
      (s) => ({
        ...s,
        linux: {
          ...s.linux,
          seccomp: {
            defaultAction: 'SCMP_ACT_ALLOW',
            listenerPath: '/run/x.sock',
            syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }],
          },
        },
      }),
      /\/linux\/seccomp\/syscalls\/0\/names\/0: SCMP_ACT_NOTIFY cannot be used for write/,
    ],
    [
      'a user namespace without id mappings',
      (s) => ({ ...s, linux: { ...s.linux, namespaces: [...s.linux.namespaces, { type: 'user' }] } }),
      /\/linux\/uidMappings: missing required field/,
    ],
    [
      'an unknown capability',
      (s) => ({ ...s, process: { ...s.process, capabilities: { bounding: ['CAP_NOPE'] } } }),
      /CAP_NOPE|capabilit/,
    ],
    [
      'a hook with a relative path',
      (s) => ({ ...s, hooks: { prestart: [{ path: 'true' }] } }),
      /\/hooks\/prestart\/0\/path/,
    ],
  ];
  it.each(cases)('%s: one line naming it, nothing left behind', async (_name, edit, message, ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle();
    const edited = edit(structuredClone(b.spec));
    if (typeof edited === 'string') writeFileSync(b.path('config.json'), edited);
    else b.writeSpec(edited);
    const r = await b.create('bad');
    expect(r.exitCode).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^nsinit-oci: /);
    expect(lines.at(-1)).toMatch(message);
    expect(lines.length).toBe(2); // the log line and the one-line error
    expect(existsSync(`${b.root}/bad`)).toBe(false);
    expect((await b.oci(['list', '-q'])).stdout).toBe('');
  });

  it('a missing bundle or config.json names the path', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle();
    const r = await b.oci(['create', '--bundle', b.path('nowhere'), 'x']);
    expect(r.stderr).toMatch(/the bundle directory '.*nowhere' does not exist/);
    rmSync(b.path('config.json'));
    const c = await b.create('x');
    expect(c.stderr).toMatch(/cannot read '.*config\.json'/);
    expect(existsSync(`${b.root}/x`)).toBe(false);
  });
});

/** Every rootfs path nsinit-oci mounts over, masks or enters, planted as a link to the canary. */
const KINDS: EscapeKind[] = [
  'proc',
  'sys',
  'dev',
  'dev-null',
  'dev-pts',
  'dev-ptmx',
  'bind-destination',
  'working-dir',
];

describe('nsinit-oci: hostile rootfs (the testkit escape fixtures through the OCI path)', () => {
  it.each(KINDS)('%s as a symlink to the host never reaches the host', async (kind, ctx) => {
    requires(ctx, 'root', 'busybox');
    const canary = await createCanary();
    const spec = ESCAPES[kind];
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = [
          'sh',
          '-c',
          'for f in /dev/null /dev/ptmx; do echo pwned > $f; done; touch ./pwned; ls /mnt/data',
        ];
        if (kind === 'bind-destination') {
          s.mounts.push({
            destination: '/mnt/data',
            type: 'bind',
            source: canary.path('bind'),
            options: ['rbind', 'ro'],
          });
        }
        if (kind === 'working-dir') s.process.cwd = '/work';
      },
    });
    const link = b.path('rootfs', spec.link);
    rmSync(link, { recursive: true, force: true });
    mkdirSync(b.path('rootfs', spec.link, '..'), { recursive: true });
    symlinkSync(canary.path(spec.target), link);
    expect(relative(b.rootfs, link).startsWith('..')).toBe(false);
    const c = await b.create('h');
    if (c.exitCode === 0) {
      await b.oci(['start', 'h']);
      await new Promise((r) => setTimeout(r, 300));
    } else {
      expect(c.stderr.trim().split('\n').at(-1)).toMatch(/^nsinit-oci: /);
    }
    await b.oci(['delete', '--force', 'h']);
    expect(canary.changes()).toEqual([]);
    expect(readdirSync(b.root).length).toBe(0);
  });
});
