// OCI hooks through nsinit-oci: every kind runs at its point of the lifecycle in order, with the
// state JSON on stdin, its own args and env; prestart (and the other create-time hooks) failing or
// timing out fails create and leaves nothing; poststart and poststop failures only warn and the
// remaining hooks run. The in-container hooks' namespaces: oci-hooks-container.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { createOciBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive } from './helpers.js';
import { created, outputContains, waitStatus } from './oci-helpers.js';

useLeakCheck();

/** A host hook appending "<name> <env FOO> <stdin JSON>" to `log`. */
function logHook(name: string, log: string, extra: Record<string, unknown> = {}) {
  return {
    path: '/bin/sh',
    args: ['sh', '-c', 'printf "%s %s %s\\n" "$1" "${FOO:-unset}" "$(cat)" >> "$2"', 'sh', name, log],
    env: ['FOO=foo-of-' + name],
    ...extra,
  };
}

function entries(log: string) {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [name, foo, ...json] = line.split(' ');
      return { name, foo, state: JSON.parse(json.join(' ')) as Record<string, any> };
    });
}

describe('nsinit-oci hooks', () => {
  it('runs each kind in order with the state on stdin, its args and env', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    let log = '';
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sh', '-c', 'echo up; exec sleep 1000'];
        s.annotations = { 'org.example.k': 'v' };
      },
    });
    log = b.path('hooks.log');
    // startContainer hooks run after pivot_root: their log is a file of the container's rootfs.
    const inside = '/start-hooks.log';
    const insideLog = b.path('rootfs', inside);
    b.writeSpec({
      ...b.spec,
      hooks: {
        prestart: [logHook('prestart1', log), logHook('prestart2', log)],
        createRuntime: [logHook('createRuntime', log)],
        createContainer: [logHook('createContainer', log)],
        startContainer: [logHook('startContainer', inside)],
        poststart: [logHook('poststart', log)],
        poststop: [logHook('poststop', log)],
      },
    });
    const st = await created(b, 'h');
    expect(entries(log).map((e) => e.name)).toEqual([
      'prestart1',
      'prestart2',
      'createRuntime',
      'createContainer',
    ]);
    expect(entries(insideLog)).toEqual([]);
    expect((await b.oci(['start', 'h'])).exitCode).toBe(0);
    // Run by the init before the process: done when start returns, before poststart.
    expect(entries(insideLog).map((e) => e.name)).toEqual(['startContainer']);
    await outputContains(b, 'h', 'up');
    expect((await b.oci(['delete', '--force', 'h'])).exitCode).toBe(0);
    expect(entries(log).map((e) => e.name)).toEqual([
      'prestart1',
      'prestart2',
      'createRuntime',
      'createContainer',
      'poststart',
      'poststop',
    ]);
    const all = [...entries(log), ...entries(insideLog)];
    for (const e of all) {
      expect(e.foo).toBe(`foo-of-${e.name}`);
      expect(e.state).toMatchObject({
        ociVersion: '1.0.2',
        id: 'h',
        bundle: b.dir,
        annotations: { 'org.example.k': 'v' },
      });
      if (e.name !== 'poststop') expect(e.state.pid).toBe(st.pid);
    }
    const status = Object.fromEntries(all.map((e) => [e.name, e.state.status]));
    expect(status).toEqual({
      prestart1: 'created',
      prestart2: 'created',
      createRuntime: 'created',
      createContainer: 'created',
      startContainer: 'created',
      poststart: 'running',
      poststop: 'stopped',
    });
  });

  it('a failing or timed-out prestart fails create, kills the init and leaves nothing', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sleep', '1000'];
      },
    });
    b.writeSpec({ ...b.spec, hooks: { prestart: [{ path: '/bin/false', args: ['false'] }] } });
    const r = await b.create('pf');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/prestart hook #0 '\/bin\/false' exited with status 1/);
    expect(existsSync(`${b.root}/pf`)).toBe(false);

    b.writeSpec({
      ...b.spec,
      hooks: { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] },
    });
    const t0 = Date.now();
    const t = await b.create('pt');
    expect(t.exitCode).toBe(1);
    expect(t.stderr).toMatch(/createRuntime hook #0 '\/bin\/sleep' timed out after 1s/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(existsSync(`${b.root}/pt`)).toBe(false);
    const missing = await b.oci(['state', 'pt']);
    expect(missing.exitCode).toBe(1);
  });

  it('poststart and poststop failures warn, and the next hooks still run', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sleep', '1000'];
      },
    });
    const log = b.path('hooks.log');
    b.writeSpec({
      ...b.spec,
      hooks: {
        poststart: [{ path: '/bin/false', args: ['false'] }, logHook('poststart', log)],
        poststop: [{ path: '/bin/false', args: ['false'] }, logHook('poststop', log)],
      },
    });
    const st = await created(b, 'w');
    const s = await b.oci(['start', 'w']);
    expect(s.exitCode).toBe(0);
    expect(s.stderr).toMatch(/level=warning msg="poststart hook #0 '\/bin\/false' exited with status 1"/);
    expect((await b.oci(['kill', 'w', 'KILL'])).exitCode).toBe(0);
    await waitStatus(b, 'w', 'stopped');
    const d = await b.oci(['delete', 'w']);
    expect(d.exitCode).toBe(0);
    expect(d.stderr).toMatch(/poststop hook #0 '\/bin\/false' exited with status 1/);
    expect(entries(log).map((e) => e.name)).toEqual(['poststart', 'poststop']);
    expect(alive(st.pid)).toBe(false);
  });
});
