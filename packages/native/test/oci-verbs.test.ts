// nsinit-oci-verbs (src/oci-verbs) on a synthetic --root, no container needed: the record of a
// stopped container (its pid is alive but with another start time) is reported, refused and
// deleted as Node would; and its strict state reader survives mutated state files, refusing
// (exit 125 under NSINIT_OCI_FAST_ONLY) rather than crashing. Under scripts/asan.sh the
// AddressSanitizer build of the program is the one tested (beside NSINIT_NATIVE_ADDON).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const PROGRAM = [
  ...(process.env.NSINIT_NATIVE_ADDON
    ? [join(dirname(process.env.NSINIT_NATIVE_ADDON), 'nsinit-oci-verbs')]
    : []),
  join(pkg, 'prebuilds', `linux-${process.arch}`, 'nsinit-oci-verbs'),
  join(pkg, 'build', 'Release', 'nsinit-oci-verbs'),
].find((p) => existsSync(p));

const root = mkdtempSync(join(tmpdir(), 'nsinit-oci-verbs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The record create writes (fast-record.ts), for a container whose init is long gone: the pid is
 *  this process's, the start time not its own. */
function record(id: string): Record<string, unknown> {
  return {
    format: 1,
    ociVersion: '1.0.2',
    id,
    pid: process.pid,
    start: '1',
    bundle: '/b/ü "q"',
    rootfs: '/b/rootfs',
    created: '2026-12-05T00:00:00.000Z',
    annotations: { 'org.example/a': 'x\ny\u0001', b: '' },
    cgroup: null,
    hooks: {},
    fast: { node: [], cgroup: null, startSteps: { '40': 'exec' } },
  };
}

function writeRecord(id: string, text: string) {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'state.json.tmp'), text, { mode: 0o600 });
  chmodSync(join(dir, 'state.json.tmp'), 0o600);
  renameSync(join(dir, 'state.json.tmp'), join(dir, 'state.json'));
}

function verbs(...args: string[]) {
  const r = spawnSync(PROGRAM!, ['/nonexistent/entry.cjs', '--root', root, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      NSINIT_OCI_FAST_ONLY: '1',
      // A sanitizer report must not look like an ordinary refusal (exit 1).
      ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? ''}:exitcode=86`,
    },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!PROGRAM)('nsinit-oci-verbs', () => {
  beforeEach(() => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { mode: 0o700 });
  });

  it('reports, refuses and deletes a stopped container as the Node side does', () => {
    writeRecord('c1', JSON.stringify(record('c1')));
    const st = verbs('state', 'c1');
    expect(st).toMatchObject({ status: 0, stderr: '' });
    const { pid: _pid, ...expected } = record('c1');
    expect(st.stdout).toBe(
      `${JSON.stringify(
        {
          ociVersion: expected.ociVersion,
          id: 'c1',
          pid: 0,
          status: 'stopped',
          bundle: expected.bundle,
          rootfs: expected.rootfs,
          created: expected.created,
          annotations: expected.annotations,
          owner: '',
        },
        null,
        2,
      )}\n`,
    );
    expect(JSON.parse(verbs('list', '--format', 'json').stdout)).toEqual([JSON.parse(st.stdout)]);
    expect(verbs('list', '-q').stdout).toBe('c1\n');
    expect(verbs('ps', '--format', 'json', 'c1').stdout).toBe('[]\n');

    const log = join(root, '..', `verbs-log-${process.pid}.json`);
    const kill = spawnSync(
      PROGRAM!,
      ['/x', '--root', root, '--log', log, '--log-format=json', 'kill', 'c1', 'KILL'],
      {
        encoding: 'utf8',
        env: { ...process.env, NSINIT_OCI_FAST_ONLY: '1' },
      },
    );
    expect([kill.status, kill.stderr]).toEqual([1, 'nsinit-oci: container not running\n']);
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({
      level: 'error',
      msg: 'container not running',
    });
    rmSync(log);
    expect(verbs('start', 'c1').stderr).toMatch(/cannot start a container that has stopped\n$/);
    expect(verbs('pause', 'c1').stderr).toMatch(/NSINIT_OCI_FAST_ONLY: not handled natively/); // no freezer

    expect(verbs('delete', 'c1')).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(join(root, 'c1'))).toBe(false);
    expect(verbs('delete', 'c1').stderr).toMatch(/container 'c1' does not exist\n$/);
    expect(verbs('delete', '--force', 'c1').status).toBe(0);
    // Not its business: other verbs, unknown flags, bad ids.
    for (const args of [
      ['exec', 'c1'],
      ['state', '--bogus', 'c1'],
      ['state', '../x'],
      ['kill', 'c1', 'RTMIN+1'],
    ])
      expect([args, verbs(...args).status]).toEqual([args, args[0] === 'exec' ? 1 : 125]);
  });

  it('refuses (never crashes on) mutated state files', () => {
    const good = Buffer.from(JSON.stringify(record('fz')));
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      '"',
      '\\',
      '\\u',
      '\\ud800',
      '\\udc00',
      '\xff',
      '0',
      '-',
      '1e999',
      'null',
      ',',
      ':',
      '\0',
    ];
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const outcomes = new Map<number | null, number>();
    for (let i = 0; i < 150; i++) {
      let d = Buffer.from(good);
      for (let k = 0; k <= rand(3); k++) {
        const p = rand(d.length);
        const r = rand(3);
        if (r === 0) d = Buffer.concat([d.subarray(0, p), d.subarray(p + 1 + rand(12))]);
        else if (r === 1)
          d = Buffer.concat([
            d.subarray(0, p),
            Buffer.from(pieces[rand(pieces.length)]!, 'latin1'),
            d.subarray(p),
          ]);
        else d[p] = rand(256);
      }
      writeRecord('fz', d.toString('latin1'));
      for (const args of [
        ['state', 'fz'],
        ['list', '--format', 'json'],
        ['ps', '--format', 'json', 'fz'],
      ]) {
        const r = verbs(...args);
        outcomes.set(r.status, (outcomes.get(r.status) ?? 0) + 1);
        expect([args, r.signal, [0, 1, 125].includes(r.status!), r.stderr.includes('Sanitizer')]).toEqual([
          args,
          null,
          true,
          false,
        ]);
      }
    }
    // Most mutations break the format and are refused.
    expect(outcomes.get(125) ?? 0).toBeGreaterThan(200);
  });
});

/** The cgroup2 mount (hybrid hosts: /sys/fs/cgroup/unified, which needs no controller for
 *  cgroup.procs, cgroup.freeze and cgroup.kill), or null. */
function cgroup2Mount(): string | null {
  const m = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[f.indexOf('-') + 1] === 'cgroup2');
  return m ? m[4]! : null;
}

const v2 = cgroup2Mount();
const isRoot = process.getuid?.() === 0;

describe.skipIf(!PROGRAM || !v2 || !isRoot)('nsinit-oci-verbs on a cgroup v2 record', () => {
  let child: ChildProcess | null = null;
  const dir = join(v2 ?? '/', `nsinit-test-oci-verbs-${process.pid}`);
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    if (existsSync(dir)) rmSync(dir, { recursive: false, force: true });
  });

  it('pauses, resumes, kills --all through cgroup.freeze and cgroup.kill, and removes the tree', async () => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { mode: 0o700 });
    mkdirSync(dir);
    mkdirSync(join(dir, 'sub')); // a sub-cgroup the container made: delete removes it first
    child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const pid = child.pid!;
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
    writeRecord(
      'v2',
      JSON.stringify({
        ...record('v2'),
        pid,
        start,
        cgroup: { version: 2, paths: { unified: dir }, parents: [] },
        fast: {
          node: [],
          cgroup: { version: 2, procs: dir, freezer: dir, dirs: [dir], parents: [] },
          startSteps: {},
        },
      }),
    );
    const status = () => JSON.parse(verbs('state', 'v2').stdout).status;
    expect(status()).toBe('running');
    expect(verbs('ps', '--format', 'json', 'v2').stdout).toBe(`[${pid}]\n`);
    expect(verbs('pause', 'v2')).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(dir, 'cgroup.events'), 'utf8')).toMatch(/^frozen 1$/m);
    expect(status()).toBe('paused');
    expect(verbs('delete', 'v2').stderr).toMatch(/cannot delete container that is not stopped: paused\n$/);
    expect(verbs('resume', 'v2')).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(dir, 'cgroup.freeze'), 'utf8').trim()).toBe('0');
    expect(status()).toBe('running');
    const exited = new Promise((r) => child!.once('exit', (_c, sig) => r(sig)));
    expect(verbs('kill', '--all', 'v2', 'KILL')).toMatchObject({ status: 0, stderr: '' });
    expect(await exited).toBe('SIGKILL');
    expect(status()).toBe('stopped');
    expect(verbs('delete', 'v2')).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(root, 'v2'))).toBe(false);
  });
});
