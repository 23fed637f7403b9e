// nsinit-oci with a user namespace (linux.uidMappings/gidMappings and a `user` namespace with no
// path), as root: the init runs as the mapped ids, files it creates belong to them on the host,
// and `exec` enters the user namespace first, running as the container's ids (container root or
// --user), never the caller's host root.
import { readFileSync, statSync } from 'node:fs';
import { createOciBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { created, outputContains } from './oci-helpers.js';

useLeakCheck();

const hostUid = (pid: number) => /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];

describe('nsinit-oci with a user namespace', () => {
  it('runs the init and exec processes as the mapped ids; exec enters the user namespace first', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.linux.namespaces.push({ type: 'user' });
        s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.process.args = ['sh', '-c', 'cat /proc/self/uid_map; touch /tmp/by-init; echo up; exec sleep 1000'];
      },
    });
    const state = await created(b, 'u');
    expect((await b.oci(['start', 'u'])).exitCode).toBe(0);
    const out = await outputContains(b, 'u', 'up\n');
    expect(out.trim().split('\n')[0]!.trim().replace(/\s+/g, ' ')).toBe('0 100000 65536');
    // Seen from the host: the init is host uid 100000, its file too.
    expect(hostUid(state.pid)).toBe('100000');
    expect(statSync(b.path('rootfs/tmp/by-init'))).toMatchObject({ uid: 100000, gid: 100000 });

    const e = await b.oci(['exec', 'u', 'sh', '-c', 'cat /proc/self/uid_map; id -u; touch /tmp/by-exec']);
    expect(e.stderr).toBe('');
    expect(e.exitCode).toBe(0);
    expect(e.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
      '0 100000 65536',
      '0',
      '',
    ]);
    expect(statSync(b.path('rootfs/tmp/by-exec'))).toMatchObject({ uid: 100000, gid: 100000 });

    const u = await b.oci(['exec', '--user', '1000:1000', 'u', 'sh', '-c', 'id -u; touch /tmp/by-user']);
    expect(u.stderr).toBe('');
    expect(u.stdout).toBe('1000\n');
    expect(statSync(b.path('rootfs/tmp/by-user'))).toMatchObject({ uid: 101000, gid: 101000 });
    expect((await b.oci(['delete', '--force', 'u'])).exitCode).toBe(0);
  });

  it('refuses a map the kernel would refuse, naming the field, and leaves nothing', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.linux.namespaces.push({ type: 'user' });
        s.linux.uidMappings = [
          { containerID: 0, hostID: 100000, size: 65536 },
          { containerID: 70000, hostID: 150000, size: 10 },
        ];
        s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      },
    });
    const r = await b.create('bad');
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'nsinit-oci: invalid config: /linux/uidMappings/1: its host ids overlap those of mapping 0',
    );
    expect((await b.oci(['list', '--quiet'])).stdout).toBe('');
  });
});
