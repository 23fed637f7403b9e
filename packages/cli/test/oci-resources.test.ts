// nsinit-oci update and events through the real executable: runc's update flags and a -r
// LinuxResources document (from a file and from stdin, as containerd's shim sends it) change the
// live container's cgroup files; events --stats prints runc's stats JSON and events streams it
// until the container stops; bad input is one line and changes nothing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOciBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { created, waitStatus } from './oci-helpers.js';

useLeakCheck();

/** The container's directory in a v1 controller, as the kernel shows the init's membership. */
function cgroupDir(pid: number, controller: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes(controller));
  return join('/sys/fs/cgroup', controller, line!.split(':')[2]!);
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();

/** The error line nsinit-oci prints (the log line before it goes to stderr too without --log). */
const lastLine = (r: { stderr: string }) => r.stderr.trim().split('\n').pop();

describe('nsinit-oci update and events', () => {
  it('update applies runc flags and -r documents to the live cgroup; events reports in runc shape', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sh', '-c', 'exec sleep 1000'];
        s.linux.resources = { memory: { limit: 32 << 20 }, pids: { limit: 20 } };
      },
    });
    const st = await created(b, 'u1');
    expect((await b.oci(['start', 'u1'])).exitCode).toBe(0);
    const mem = cgroupDir(st.pid, 'memory');
    const pids = cgroupDir(st.pid, 'pids');
    const cpu = cgroupDir(st.pid, 'cpu');

    const r1 = await b.oci(['update', '--memory', '64m', '--pids-limit', '10', '--cpu-quota', '20000', 'u1']);
    expect(r1).toMatchObject({ exitCode: 0, stderr: '' });
    expect(read(mem, 'memory.limit_in_bytes')).toBe(String(64 << 20));
    expect(read(pids, 'pids.max')).toBe('10');
    expect(read(cpu, 'cpu.cfs_quota_us')).toBe('20000');

    // containerd's shim: `update --resources -` with the LinuxResources JSON on stdin.
    const doc = {
      memory: { limit: 48 << 20 },
      pids: { limit: 12 },
      devices: [{ allow: true, access: 'rwm' }],
    };
    const r2 = await b.oci(['update', '--resources', '-', 'u1'], { input: JSON.stringify(doc) });
    expect(r2).toMatchObject({ exitCode: 0, stderr: '' });
    expect(read(mem, 'memory.limit_in_bytes')).toBe(String(48 << 20));
    expect(read(pids, 'pids.max')).toBe('12');
    writeFileSync(b.path('r.json'), JSON.stringify({ cpu: { quota: -1 } }));
    expect((await b.oci(['update', '-r', b.path('r.json'), 'u1'])).exitCode).toBe(0);
    expect(read(cpu, 'cpu.cfs_quota_us')).toBe('-1');

    // Bad input: one line naming the flag or field, nothing changed.
    const bad = await b.oci(['update', '--memory', 'lots', 'u1']);
    expect(bad.exitCode).toBe(1);
    expect(lastLine(bad)).toBe("nsinit-oci: --memory: 'lots' is not a size (bytes, or with k, m, g: 512m)");
    const badDoc = await b.oci(['update', '-r', '-', 'u1'], { input: '{"memory":{"swappiness":500}}' });
    expect(badDoc.exitCode).toBe(1);
    expect(lastLine(badDoc)).toBe(
      'nsinit-oci: resources from stdin: memory.swappiness: 500 is not between 0 and 100',
    );
    expect(read(mem, 'memory.limit_in_bytes')).toBe(String(48 << 20));

    const ev = await b.oci(['events', '--stats', 'u1']);
    expect(ev).toMatchObject({ exitCode: 0, stderr: '' });
    const event = JSON.parse(ev.stdout);
    expect(event).toMatchObject({
      type: 'stats',
      id: 'u1',
      data: { pids: { current: 1, limit: 12 }, memory: { usage: { limit: 48 << 20 } } },
    });
    expect(event.data.memory.usage.usage).toBeGreaterThan(0);
    expect(event.data.cpu.usage.kernel + event.data.cpu.usage.user).toBeGreaterThanOrEqual(0);
    expect(Object.keys(event.data)).toEqual([
      'cpu',
      'cpuset',
      'memory',
      'pids',
      'blkio',
      'hugetlb',
      'intel_rdt',
      'network_interfaces',
    ]);

    // Without --stats: a stats line every interval until the container stops, then exit 0.
    const stream = b.oci(['events', '--interval', '100ms', 'u1'], { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await b.oci(['kill', 'u1', 'KILL'])).exitCode).toBe(0);
    const streamed = await stream;
    expect(streamed).toMatchObject({ exitCode: 0, stderr: '' });
    const lines = streamed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.type === 'stats' && l.id === 'u1')).toBe(true);

    await waitStatus(b, 'u1', 'stopped');
    const stopped = await b.oci(['update', '--memory', '64m', 'u1']);
    expect(stopped.exitCode).toBe(1);
    expect(lastLine(stopped)).toBe('nsinit-oci: cannot update a stopped container');
    expect(lastLine(await b.oci(['events', '--stats', 'u1']))).toBe(
      'nsinit-oci: cannot read the statistics of a stopped container',
    );
    expect((await b.oci(['delete', 'u1'])).exitCode).toBe(0);
  });

  it('create applies linux.resources under an absolute cgroupsPath; refusals leave nothing behind', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const path = `/nsinit-oci-test-${process.pid}/r1`;
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000 & wait'];
        s.linux.cgroupsPath = path;
        s.linux.resources = {
          memory: { limit: 64 << 20, reservation: 32 << 20, swap: 64 << 20, swappiness: 0 },
          cpu: { shares: 512, quota: 30000, period: 100000, cpus: '0', mems: '0' },
          pids: { limit: 30 },
          devices: [{ allow: false, access: 'rwm' }],
        };
      },
    });
    const st = await created(b, 'r1');
    const dir = (c: string) => join('/sys/fs/cgroup', c, path);
    expect(read(dir('memory'), 'cgroup.procs')).toBe(String(st.pid));
    expect(read(dir('memory'), 'memory.limit_in_bytes')).toBe(String(64 << 20));
    expect(read(dir('memory'), 'memory.memsw.limit_in_bytes')).toBe(String(64 << 20));
    expect(read(dir('memory'), 'memory.swappiness')).toBe('0');
    expect(read(dir('cpu'), 'cpu.shares')).toBe('512');
    expect(read(dir('cpuset'), 'cpuset.cpus')).toBe('0');
    expect(read(dir('pids'), 'pids.max')).toBe('30');
    expect(read(dir('devices'), 'devices.list').split('\n')).toContain('c 1:3 rwm');

    expect((await b.oci(['start', 'r1'])).exitCode).toBe(0);
    // ps lists the init and its two children from the cgroup.
    let listed: number[] = [];
    for (let i = 0; i < 100 && listed.length < 3; i++) {
      listed = JSON.parse((await b.oci(['ps', '--format', 'json', 'r1'])).stdout);
      if (listed.length < 3) await new Promise((r) => setTimeout(r, 50));
    }
    expect(listed).toHaveLength(3);
    expect(listed).toContain(st.pid);
    // kill --all reaches the children, not only the init; delete then removes the cgroup tree.
    expect((await b.oci(['kill', '--all', 'r1', 'KILL'])).exitCode).toBe(0);
    await waitStatus(b, 'r1', 'stopped');
    expect((await b.oci(['delete', 'r1'])).exitCode).toBe(0);
    for (const c of ['memory', 'cpu', 'pids', 'devices', 'freezer']) expect(existsSync(dir(c))).toBe(false);
    expect(existsSync(join('/sys/fs/cgroup/memory', `nsinit-oci-test-${process.pid}`))).toBe(false);

    // A limit this host cannot apply: one line naming the field, no state, no cgroup.
    const spec = {
      ...b.spec,
      linux: { ...b.spec.linux, resources: { hugepageLimits: [{ pageSize: '2MB', limit: 0 }] } },
    };
    b.writeSpec(spec);
    const bad = await b.create('r2');
    expect(bad.exitCode).toBe(1);
    expect(lastLine(bad)).toBe(
      'nsinit-oci: /linux/resources/hugepageLimits/0: the hugetlb cgroup controller is not mounted',
    );
    expect(existsSync(b.path('state', 'r2'))).toBe(false);
    expect(existsSync(join('/sys/fs/cgroup/memory', `nsinit-oci-test-${process.pid}`))).toBe(false);
  });

  it('events reports an OOM kill inside the container as an "oom" event', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = [
          'sh',
          '-c',
          'sleep 1; dd if=/dev/zero of=/dev/null bs=64M count=1; exec sleep 1000',
        ];
        s.linux.resources = { memory: { limit: 16 << 20, swap: 16 << 20 } };
      },
    });
    await created(b, 'o1');
    const stream = b.oci(['events', '--interval', '100ms', 'o1'], { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect((await b.oci(['start', 'o1'])).exitCode).toBe(0);
    // dd runs after a second and is OOM-killed at once; the init (sh) lives on.
    await new Promise((r) => setTimeout(r, 2500));
    expect(b.output('o1')).toMatch(/Killed/);
    const st = JSON.parse((await b.oci(['events', '--stats', 'o1'])).stdout);
    expect(st.data.memory.usage.max).toBe(16 << 20);
    await new Promise((r) => setTimeout(r, 400));
    expect((await b.oci(['kill', 'o1', 'KILL'])).exitCode).toBe(0);
    const lines = (await stream).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'oom')).toEqual([{ type: 'oom', id: 'o1' }]);
    await waitStatus(b, 'o1', 'stopped');
    expect((await b.oci(['delete', 'o1'])).exitCode).toBe(0);
  });
});
