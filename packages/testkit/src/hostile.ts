// Malicious-rootfs fixtures for the security suite: images whose paths are symlinks to a host
// "canary" outside the rootfs (symlink(7), path_resolution(7)), a /proc that is a plain directory
// of fake kernel files (proc(5)), a passwd(5) with numeric user names, and an attacker process that
// flips a mount destination between a directory and an outside symlink (rename(2) RENAME_EXCHANGE).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type Bundle,
  type BundleOptions,
  createBundle,
  registerWithTest,
  unmountAllUnder,
} from './bundle.js';
import { TestkitError } from './errors.js';
import { mountsUnder } from './mountinfo.js';

// --- the canary --------------------------------------------------------------------------------

/** Files of every canary; the passwd/group entries exist only here, never in a rootfs. */
export const CANARY_FILES: Readonly<Record<string, string>> = {
  file: 'canary: a host file no container may touch\n',
  passwd: 'root:x:0:0:root:/root:/bin/sh\nevil:x:4242:4242:host-only:/:/bin/sh\n',
  group: 'root:x:0:\nevilgrp:x:4343:evil\n',
  null: 'a regular host file standing where /dev/null was expected\n',
  console: 'a regular host file standing where /dev/console was expected\n',
  ptmx: 'a regular host file standing where /dev/ptmx was expected\n',
  'dir/marker': 'host directory marker\n',
  'proc/marker': 'host directory marker\n',
  'sys/marker': 'host directory marker\n',
  'dev/marker': 'host directory marker\n',
  'pts/marker': 'host directory marker\n',
  'cwd/marker': 'host directory marker\n',
  'bind/marker': 'host directory marker\n',
};

export interface Canary {
  /** Absolute host directory, outside every rootfs. */
  dir: string;
  /** join(dir, ...parts) */
  path(...parts: string[]): string;
  /** What changed since creation: entries added, removed or modified, and mounts at or below it
   *  in the caller's mount namespace. [] = untouched. */
  changes(): string[];
  /** Idempotent; registered with onTestFinished when created inside a test. */
  cleanup(): Promise<void>;
}

function fingerprint(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(dir, r), { bigint: true });
      let what = `mode=${st.mode.toString(8)} uid=${st.uid} size=${st.size} mtime=${st.mtimeNs}`;
      if (st.isFile())
        what += ` sha=${createHash('sha256')
          .update(readFileSync(join(dir, r)))
          .digest('hex')}`;
      out.set(r, what);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

export async function createCanary(parent = tmpdir()): Promise<Canary> {
  const dir = mkdtempSync(join(parent, 'nsinit-canary-'));
  for (const [rel, content] of Object.entries(CANARY_FILES)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content, { mode: 0o644 });
  }
  // World-writable, so a process that wrongly lands here as any user can leave a trace.
  for (const d of ['', 'dir', 'proc', 'sys', 'dev', 'pts', 'cwd', 'bind']) chmodSync(join(dir, d), 0o777);
  const before = fingerprint(dir);
  let done = false;
  const canary: Canary = {
    dir,
    path: (...parts) => join(dir, ...parts),
    changes() {
      const lines: string[] = [];
      for (const m of mountsUnder(dir)) lines.push(`host mount on the canary: ${m}`);
      const after = fingerprint(dir);
      for (const [rel, what] of after) {
        const was = before.get(rel);
        if (was === undefined) lines.push(`created on the host: ${join(dir, rel)}`);
        else if (was !== what) lines.push(`modified on the host: ${join(dir, rel)} (${was} -> ${what})`);
      }
      for (const rel of before.keys())
        if (!after.has(rel)) lines.push(`removed from the host: ${join(dir, rel)}`);
      return lines;
    },
    async cleanup() {
      if (done) return;
      done = true;
      const leaked = unmountAllUnder(dir);
      if (mountsUnder(dir).length > 0) {
        throw new TestkitError(`canary cleanup: cannot unmount below ${dir}; left it in place`, {
          code: 'ERR_NSINIT_TEST_LEAK',
          path: dir,
        });
      }
      rmSync(dir, { recursive: true, force: true });
      if (leaked.length > 0) {
        throw new TestkitError(`canary cleanup: a container mounted over the host: ${leaked.join(', ')}`, {
          code: 'ERR_NSINIT_TEST_LEAK',
          path: dir,
        });
      }
    },
  };
  await registerWithTest(canary.cleanup);
  return canary;
}

// --- symlinks out of the rootfs ----------------------------------------------------------------

/** Where the image plants a symlink to the host canary, and what the config does with that path. */
export type EscapeKind =
  | 'bind-destination'
  | 'proc'
  | 'sys'
  | 'dev'
  | 'dev-null'
  | 'dev-console'
  | 'dev-pts'
  | 'dev-ptmx'
  | 'device-node'
  | 'working-dir'
  | 'etc-passwd'
  | 'etc-group';

interface EscapeSpec {
  /** The rootfs path replaced by the symlink. */
  link: string;
  /** Canary entry it points at (absolute host path). Tests may re-point it at a missing entry
   *  (canary.path('missing')) to catch mkdir -p escapes. */
  target: string;
  describe: string;
}

export const ESCAPES: Readonly<Record<EscapeKind, EscapeSpec>> = {
  'bind-destination': {
    link: 'mnt/data',
    target: 'bind',
    describe: 'a bind-mount destination (an existing host directory: a naive mount lands on it)',
  },
  proc: { link: 'proc', target: 'proc', describe: '/proc itself' },
  sys: { link: 'sys', target: 'sys', describe: '/sys itself' },
  dev: { link: 'dev', target: 'dev', describe: '/dev itself' },
  'dev-null': { link: 'dev/null', target: 'null', describe: '/dev/null (used by naive masking)' },
  'dev-console': { link: 'dev/console', target: 'console', describe: '/dev/console with a tty' },
  'dev-pts': { link: 'dev/pts', target: 'pts', describe: '/dev/pts (the devpts mount point)' },
  'dev-ptmx': { link: 'dev/ptmx', target: 'ptmx', describe: '/dev/ptmx' },
  'device-node': {
    link: 'opt/devs',
    target: 'dir',
    describe: 'the parent of a device_nodes path (an existing host directory: a naive mknod lands in it)',
  },
  'working-dir': { link: 'work', target: 'cwd', describe: 'the working directory' },
  'etc-passwd': {
    link: 'etc/passwd',
    target: 'passwd',
    describe: '/etc/passwd (user "evil" exists only on the host)',
  },
  'etc-group': {
    link: 'etc/group',
    target: 'group',
    describe: '/etc/group (group "evilgrp" exists only on the host)',
  },
};

export interface EscapeFixture {
  kind: EscapeKind;
  bundle: Bundle;
  canary: Canary;
  /** Host path of the planted symlink and the absolute host path it points at. */
  link: string;
  target: string;
  /** bind-destination only: the host directory bound (holds `from-source`). */
  source?: string;
}

/** A bundle whose `kind` path is a symlink to a fresh canary outside the rootfs, with the config
 *  edited so nsinit uses that path (a bind, a device node, working_dir, user, tty, restrictions). */
export async function createEscapeFixture(
  kind: EscapeKind,
  opts: BundleOptions = {},
): Promise<EscapeFixture> {
  const spec = ESCAPES[kind];
  const canary = await createCanary();
  let source: string | undefined;
  if (kind === 'bind-destination') {
    source = mkdtempSync(join(tmpdir(), 'nsinit-bindsrc-'));
    writeFileSync(join(source, 'from-source'), 'bound\n');
    const src = source;
    await registerWithTest(async () => rmSync(src, { recursive: true, force: true }));
  }
  const bundle = await createBundle({
    ...opts,
    config: (c) => {
      delete c.networks;
      if (kind === 'bind-destination')
        c.mounts = [{ type: 'bind', source, destination: '/mnt/data', writable: true }];
      if (kind === 'dev-null') c.context = { ...c.context, restrictions: 'true' };
      if (kind === 'dev-console') c.tty = true;
      if (kind === 'device-node')
        c.device_nodes = [
          ...(c.device_nodes ?? []),
          { type: 99, path: '/opt/devs/null', major_number: 1, minor_number: 3, file_mode: 0o666 },
        ];
      if (kind === 'working-dir') c.working_dir = '/work';
      if (kind === 'etc-passwd') c.user = 'evil';
      if (kind === 'etc-group') c.user = 'root:evilgrp';
      return opts.config?.(c) ?? c;
    },
  });
  const link = bundle.path(spec.link);
  const target = canary.path(spec.target);
  rmSync(link, { recursive: true, force: true });
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(target, link);
  return { kind, bundle, canary, link, target, ...(source ? { source } : {}) };
}

// --- a fake /proc ------------------------------------------------------------------------------

/** Fake kernel files the image ships in a plain /proc directory. */
export const FAKE_PROC_FILES: Readonly<Record<string, string>> = {
  'proc/sys/kernel/hostname': 'fake-hostname\n',
  'proc/sys/kernel/core_pattern': 'fake-core-pattern\n',
  'proc/sys/net/ipv4/ip_forward': '7\n',
  'proc/self/attr/exec': 'fake-label\n',
  'proc/kcore': 'fake-kcore\n',
  'proc/version': 'FakeOS 0.0\n',
};

/** A bundle whose /proc is a regular directory of fake kernel files (CVE-2019-16884 class). */
export function createFakeProcBundle(opts: BundleOptions = {}): Promise<Bundle> {
  return createBundle({ ...opts, files: { ...FAKE_PROC_FILES, ...opts.files } });
}

// --- numeric user names ------------------------------------------------------------------------

/** passwd(5) with names that look like numbers or specs (CVE-2016-3697, crun CVE-2026-30892). */
export const NUMERIC_PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  '1000:x:0:0:a user literally named 1000, with uid 0:/root:/bin/sh',
  '0:x:1000:1000:a user literally named 0, with uid 1000:/:/bin/sh',
  'user:x:1000:1000:user:/home/user:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  'svc:x:2000:2000:svc:/:/bin/sh',
  '',
].join('\n');

export const NUMERIC_GROUP = [
  'root:x:0:',
  'tty:x:5:',
  '1000:x:0:a group literally named 1000, with gid 0',
  'user:x:1000:',
  'staff:x:50:svc,user',
  'nogroup:x:65534:',
  'svc:x:2000:',
  '',
].join('\n');

export function createNumericPasswdBundle(opts: BundleOptions = {}): Promise<Bundle> {
  return createBundle({
    ...opts,
    files: { 'etc/passwd': NUMERIC_PASSWD, 'etc/group': NUMERIC_GROUP, ...opts.files },
  });
}

// --- the symlink-swap attacker -----------------------------------------------------------------

/** renameat2(2) numbers: the attacker must swap atomically, in one syscall per flip. */
const SYS_RENAMEAT2: Record<string, number> = { x64: 316, arm64: 276 };

export interface Flipper {
  /** Stops the attacker and returns how many swaps it made (reported on its exit). */
  stop(): Promise<number>;
}

/**
 * A separate process (perl, from Debian's perl-base) that swaps `path` (a directory) with a symlink
 * to `outside` in a tight loop with renameat2(RENAME_EXCHANGE), so at any instant `path` is either
 * the directory or the symlink, never missing. Registered for cleanup inside a test.
 */
export async function startSymlinkFlipper(path: string, outside: string): Promise<Flipper> {
  const nr = SYS_RENAMEAT2[arch()];
  if (nr === undefined)
    throw new TestkitError(`no renameat2 syscall number for ${arch()}`, { code: 'ERR_NSINIT_TEST_ARCH' });
  const parked = `${path}.flip`;
  symlinkSync(outside, parked);
  const script = [
    'my ($nr, $a, $b) = @ARGV; my $n = 0; my $stop = 0;',
    '$SIG{TERM} = sub { $stop = 1 };',
    'syswrite(STDOUT, "ready\\n");',
    // AT_FDCWD = -100, RENAME_EXCHANGE = 2
    'while (!$stop) { syscall($nr, -100, $a, -100, $b, 2) == 0 or die "renameat2: $!"; $n++ }',
    // Leave the directory in place at the end (an even number of swaps).
    'if ($n % 2) { syscall($nr, -100, $a, -100, $b, 2) == 0 or die "renameat2: $!"; $n++ }',
    'print "$n\\n";',
  ].join('\n');
  const child: ChildProcess = spawn('perl', ['-e', script, String(nr), path, parked], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (out.includes('ready\n')) {
        clearInterval(poll);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        reject(new TestkitError(`symlink flipper failed: ${err}`, { code: 'ERR_NSINIT_TEST_FLIPPER' }));
      }
    }, 5);
  });
  let stopped: Promise<number> | null = null;
  const flipper: Flipper = {
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        rmSync(parked, { force: true });
        const n = Number(out.split('\n').filter(Boolean).pop());
        if (!Number.isInteger(n) || err !== '') {
          throw new TestkitError(`symlink flipper failed: ${err || out}`, {
            code: 'ERR_NSINIT_TEST_FLIPPER',
          });
        }
        return n;
      })();
      return stopped;
    },
  };
  await registerWithTest(async () => {
    await flipper.stop().catch(() => {});
  });
  return flipper;
}
