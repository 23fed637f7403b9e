// bin/nsinit-oci's native verbs program (native/src/oci-verbs): it prints what Node prints, byte
// for byte; it hands to Node whatever create's recipe reserves for Node (hooks) and any state it
// does not know (another format, an unknown key, an annotation JSON.stringify would reorder);
// it never reads state.json through a link nor signals a process that only has the recorded pid;
// and the launcher finds it through a symlink on PATH. The shared lifecycle suites run on both
// paths (oci-lifecycle, oci-verbs); this file covers what is particular to the native one.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOciBundle, nsinitOciBin, requires, runCommand, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive, until } from './helpers.js';
import { created, outputContains, waitStatus } from './oci-helpers.js';

useLeakCheck();

const NATIVE = { ...process.env, NSINIT_OCI_FAST_ONLY: '1' };
const NODE = { ...process.env, NSINIT_OCI_NO_FAST: '1' };
const NOT_NATIVE = /NSINIT_OCI_FAST_ONLY: not handled natively/;

/** A path for an agent socket nobody listens on (start is never reached natively here). */
const b0path = (name: string) => join(tmpdir(), `nsinit-oci-fast-${process.pid}-${name}`);

const sleeper = (s: Record<string, any>) => {
  s.process.args = ['sh', '-c', 'echo up; exec sleep 1000'];
};

/** Rewrite the container's state.json as create writes it (0600, ours), edited by `edit`. */
function editRecord(root: string, id: string, edit: (r: Record<string, any>) => void): void {
  const file = join(root, id, 'state.json');
  const record = JSON.parse(readFileSync(file, 'utf8'));
  edit(record);
  writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

describe('nsinit-oci native verbs', () => {
  it('prints exactly what Node prints: state, list in every format, ps --format json', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        sleeper(s);
        s.annotations = { 'org.example/quote': 'a "b" \\ c', 'org.example/ü': 'line\nnext\ttab\u0001' };
      },
    });
    await created(b, 'p1');
    await created(b, 'p2');
    expect((await b.oci(['start', 'p2'], { env: NATIVE })).exitCode).toBe(0);
    await outputContains(b, 'p2', 'up');
    for (const args of [
      ['state', 'p1'],
      ['state', 'p2'],
      ['list'],
      ['list', '--format', 'json'],
      ['list', '-q'],
      ['ps', '--format', 'json', 'p2'],
      ['ps', '-f=json', 'p1'],
    ]) {
      const native = await b.oci(args, { env: NATIVE });
      const node = await b.oci(args, { env: NODE });
      expect([args, native.exitCode, native.stderr]).toEqual([args, 0, '']);
      expect([args, native.stdout]).toEqual([args, node.stdout]);
    }
    expect(JSON.parse((await b.oci(['state', 'p2'], { env: NATIVE })).stdout).annotations).toEqual(
      b.spec.annotations,
    );
    // An annotation named like an array index: JSON.stringify would move it first; Node prints it.
    editRecord(b.root, 'p1', (r) => {
      r.annotations = { z: '1', '7': 'index' };
    });
    expect((await b.oci(['state', 'p1'], { env: NATIVE })).stderr).toMatch(NOT_NATIVE);
    const fallback = await b.oci(['state', 'p1']);
    expect(fallback.exitCode).toBe(0);
    expect(fallback.stdout).toBe((await b.oci(['state', 'p1'], { env: NODE })).stdout);
    expect(Object.keys(JSON.parse(fallback.stdout).annotations)).toEqual(['7', 'z']);
    expect((await b.oci(['delete', '-f', 'p1'])).exitCode).toBe(0);
    expect((await b.oci(['delete', '-f', 'p2'], { env: NATIVE })).exitCode).toBe(0);
  });

  it('hands to Node what the recipe reserves for it (hooks) and state it does not know', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    const log = b.path('hooks.log');
    const hook = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `echo ${name} >> ${log}`] });
    b.writeSpec({ ...b.spec, hooks: { poststart: [hook('poststart')], poststop: [hook('poststop')] } });
    await created(b, 'h');
    const record = JSON.parse(readFileSync(join(b.root, 'h', 'state.json'), 'utf8'));
    expect(record.fast.node).toEqual(['start', 'delete']);
    // The recipe says Node: the native program refuses rather than skip the hooks...
    expect((await b.oci(['start', 'h'], { env: NATIVE })).stderr).toMatch(NOT_NATIVE);
    expect((await b.oci(['state', 'h'], { env: NATIVE })).stdout).toMatch(/"status": "created"/);
    // ...and without NSINIT_OCI_FAST_ONLY Node runs them.
    expect((await b.oci(['start', 'h'])).exitCode).toBe(0);
    await until('the poststart hook', () => readFileSync(log, 'utf8') === 'poststart\n');
    expect((await b.oci(['kill', 'h', 'KILL'], { env: NATIVE })).exitCode).toBe(0);
    await waitStatus(b, 'h', 'stopped');
    expect((await b.oci(['delete', 'h'], { env: NATIVE })).stderr).toMatch(NOT_NATIVE);
    expect((await b.oci(['delete', 'h'])).exitCode).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('poststart\npoststop\n');

    // Another format, or a key this program does not know: Node reads it (and judges it).
    await created(b, 'f');
    editRecord(b.root, 'f', (r) => {
      r.format = 2;
    });
    expect((await b.oci(['state', 'f'], { env: NATIVE })).stderr).toMatch(NOT_NATIVE);
    const newer = await b.oci(['state', 'f']);
    expect(newer.exitCode).toBe(1);
    expect(newer.stderr).toMatch(/container 'f' has state format 2, this nsinit-oci reads format 1/);
    editRecord(b.root, 'f', (r) => {
      r.format = 1;
      r.addedLater = { teardown: 'something' };
    });
    expect((await b.oci(['delete', '-f', 'f'], { env: NATIVE })).stderr).toMatch(NOT_NATIVE);
    expect((await b.oci(['delete', '-f', 'f'])).exitCode).toBe(0);
  });

  it('start goes to Node when a seccomp listener loads after the gate (its fd comes to start)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        sleeper(s);
        s.process.noNewPrivileges = true; // the filter loads after the wait, with no_new_privs
        s.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          listenerPath: b0path('agent.sock'),
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
        };
      },
    });
    await created(b, 'n');
    const record = JSON.parse(readFileSync(join(b.root, 'n', 'state.json'), 'utf8'));
    expect(record.fast.node).toEqual(['start']);
    expect((await b.oci(['start', 'n'], { env: NATIVE })).stderr).toMatch(NOT_NATIVE);
    expect((await b.oci(['state', 'n'], { env: NATIVE })).stdout).toMatch(/"status": "created"/);
    expect((await b.oci(['delete', '-f', 'n'], { env: NATIVE })).exitCode).toBe(0);
  });

  it('never reads state.json through a symlink', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    await created(b, 'l');
    const dir = join(b.root, 'l');
    // A well-formed record of ours, reached only through a link: refused, not printed.
    editRecord(b.root, 'l', (r) => {
      r.bundle = '/forged';
    });
    renameSync(join(dir, 'state.json'), join(dir, 'forged.json'));
    symlinkSync('forged.json', join(dir, 'state.json'));
    const r = await b.oci(['state', 'l'], { env: NATIVE });
    expect(r.stdout).not.toMatch(/forged/);
    expect(r.stderr).toMatch(NOT_NATIVE);
    rmSync(join(dir, 'state.json'));
    renameSync(join(dir, 'forged.json'), join(dir, 'state.json'));
    expect((await b.oci(['delete', '-f', 'l'], { env: NATIVE })).exitCode).toBe(0);
  });

  it('never signals a process that only has the recorded pid (pid + start time)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    const st = await created(b, 'v');
    // The init's pid reused by an unrelated process: same number, another start time.
    const victim = spawn('sleep', ['1000'], { stdio: 'ignore' });
    try {
      editRecord(b.root, 'v', (r) => {
        r.pid = victim.pid;
      });
      const kill = await b.oci(['kill', 'v', 'KILL'], { env: NATIVE });
      expect(kill.stderr).toMatch(/container not running/);
      expect(kill.exitCode).toBe(1);
      expect((await b.oci(['state', 'v'], { env: NATIVE })).stdout).toMatch(/"status": "stopped"/);
      expect(alive(victim.pid!)).toBe(true);
    } finally {
      victim.kill('SIGKILL');
      editRecord(b.root, 'v', (r) => {
        r.pid = st.pid;
      });
    }
    expect((await b.oci(['delete', '-f', 'v'], { env: NATIVE })).exitCode).toBe(0);
  });

  it('the launcher finds the program through a symlink on PATH, without Node', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    const st = await created(b, 's');
    const links = mkdtempSync(join(tmpdir(), 'nsinit-oci-link-'));
    try {
      symlinkSync(nsinitOciBin, join(links, 'nsinit-oci'));
      // No node on this PATH: only the native program can answer.
      const env = { NSINIT_OCI_FAST_ONLY: '1', PATH: '/nonexistent' };
      const r = await runCommand(join(links, 'nsinit-oci'), ['--root', b.root, 'state', 's'], { env });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ id: 's', pid: st.pid, status: 'created' });
      const gone = await runCommand(join(links, 'nsinit-oci'), ['--root', b.root, 'delete', 's'], { env });
      expect(gone).toMatchObject({ exitCode: 0, stderr: '' });
      expect(alive(st.pid)).toBe(false);
    } finally {
      rmSync(links, { recursive: true, force: true });
    }
  });
});
