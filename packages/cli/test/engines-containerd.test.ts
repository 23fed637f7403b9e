// containerd's runc shim v2 (`io.containerd.runc.v2`) driving an OCI runtime through
// `--runc-binary`, the path Kubernetes' CRI plugin takes for a runtime handler with `BinaryName`:
// the same cases against runc and nsinit-oci. containerd runs privately (its own root, state and
// socket); a whole-file leak check compares the host before and after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Containerd, requires, startContainerd } from '@nsinit/testkit';
import { ENGINE_RUNTIMES, useEngineLeakCheck } from './engines-helpers.js';

const unmet = requires('root', 'busybox');

describe.skipIf(unmet)('containerd (runc shim v2)', () => {
  useEngineLeakCheck();

  describe.each(ENGINE_RUNTIMES)('with $name', ({ path }) => {
    let ctd: Containerd;
    beforeAll(async () => {
      ctd = await startContainerd(path);
    }, 60_000);
    afterAll(async () => {
      await ctd?.cleanup();
    }, 60_000);

    it('ctr run --rm: stdout and the exit status', async () => {
      const r = await ctd.ctr([
        'run',
        '--rm',
        ...ctd.runFlags(),
        'run-rm',
        '/bin/sh',
        '-c',
        'echo hello; exit 3',
      ]);
      expect(r.stdout).toBe('hello\n');
      expect(r.exitCode).toBe(3);
    });

    it('a detached task: exec, ps, pause/resume, metrics, kill, delete', async () => {
      const id = 'detached';
      await ctd.ok(['run', '--detach', ...ctd.runFlags(), id, '/bin/sleep', '1000']);
      const exec = await ctd.ctr([
        'task',
        'exec',
        '--exec-id',
        'e1',
        id,
        '/bin/sh',
        '-c',
        'echo joined; exit 4',
      ]);
      expect(exec.stdout).toBe('joined\n');
      expect(exec.exitCode).toBe(4);

      const ps = await ctd.ok(['task', 'ps', id]);
      expect(ps.trim().split('\n')).toHaveLength(2); // header + the init

      await ctd.ok(['task', 'pause', id]);
      expect(await ctd.ok(['task', 'ls'])).toMatch(new RegExp(`${id}\\s+\\d+\\s+PAUSED`));
      await ctd.ok(['task', 'resume', id]);
      expect(await ctd.ok(['task', 'ls'])).toMatch(new RegExp(`${id}\\s+\\d+\\s+RUNNING`));

      const metrics = await ctd.ok(['task', 'metrics', '--format', 'json', id]);
      expect(metrics).toMatch(/"pids"|"Pids"/);

      // sleep as PID 1 ignores SIGTERM; SIGKILL stops it and the shim reports 137.
      await ctd.ok(['task', 'kill', '--signal', 'SIGKILL', id]);
      const deadline = Date.now() + 10_000;
      while (!/STOPPED/.test(await ctd.ok(['task', 'ls'])) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await ctd.ok(['task', 'ls'])).toMatch(new RegExp(`${id}\\s+\\d+\\s+STOPPED`));
      await ctd.ok(['task', 'delete', id]);
      await ctd.ok(['container', 'delete', id]);
      expect((await ctd.ok(['container', 'ls', '--quiet'])).trim()).toBe('');
    }, 60_000);
  });
});
