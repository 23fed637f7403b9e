// Networks end to end: `nsinit exec` run inside a network namespace each test creates (with its
// own bridge), so the host's network is never touched. Two containers on one bridge, the gateway,
// routes seen by `ip route` inside, the netns strategy, the host veth's removal, and the errors.
import { readlinkSync, writeFileSync } from 'node:fs';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { execIn, startIn, type TestNetns, UNTIL_STOPPED, waitForPid, withNetns } from './net-helpers.js';

useLeakCheck({ ipNetns: true });

/** A bundle whose container has lo plus a veth on `bridge` at `address`. */
function vethBundle(address: string, edit: (c: ContainerConfig) => void = () => {}) {
  return createBundle({
    config: (c) => {
      delete c.cgroups;
      c.tty = false;
      c.namespaces = { ...c.namespaces, NEWNET: true };
      c.networks = [
        { type: 'loopback', mtu: 1500 },
        { type: 'veth', address, gateway: '10.77.0.1', mtu: 1400, context: { bridge: 'br0', prefix: 'vt' } },
      ];
      edit(c);
    },
  });
}

const vethsOf = (ns: TestNetns) => ns.links().filter((l) => /^vt[0-9a-f]{4}$/.test(l));

describe('veth and loopback networks', () => {
  it('connects two containers on one bridge, reaches the gateway, adds routes; host veths go away', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    await withNetns('br0', '10.77.0.1/24', async (ns) => {
      const a = await vethBundle('10.77.0.2/24');
      const runA = startIn(ns, a.dir, UNTIL_STOPPED);
      await waitForPid(a.dir);
      const [hostA] = vethsOf(ns);
      expect(hostA).toBeDefined();
      // The host end is enslaved to the bridge, up, and carries the configured MTU.
      expect(ns.ip('-o', 'link', 'show', hostA!)).toMatch(/mtu 1400 .*master br0 .*state UP/);

      const b = await vethBundle('10.77.0.3/24', (c) => {
        c.routes = [
          { destination: '192.168.50.0/24', interface_name: 'eth0' },
          { destination: '10.200.0.0/16', gateway: '10.77.0.1', interface_name: 'eth0' },
        ];
      });
      const r = await execIn(ns, b.dir, [
        'sh',
        '-c',
        'ping -c1 -W2 10.77.0.2 >/dev/null && echo peer-ok; ping -c1 -W2 10.77.0.1 >/dev/null && echo gw-ok; ' +
          'ip route; ip -o link show lo; ip -o addr show eth0',
      ]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^peer-ok$/m);
      expect(r.stdout).toMatch(/^gw-ok$/m);
      expect(r.stdout).toMatch(/^default via 10\.77\.0\.1 dev eth0/m);
      expect(r.stdout).toMatch(/^192\.168\.50\.0\/24 dev eth0 scope link/m);
      expect(r.stdout).toMatch(/^10\.200\.0\.0\/16 via 10\.77\.0\.1 dev eth0/m);
      expect(r.stdout).toMatch(/lo: <LOOPBACK,UP,LOWER_UP> mtu 1500/);
      expect(r.stdout).toMatch(/eth0\s+inet 10\.77\.0\.3\/24/);
      // B has exited: its host veth is gone, A's is still there.
      expect(vethsOf(ns)).toEqual([hostA]);

      writeFileSync(a.path('tmp/stop'), '');
      expect(await runA.done).toMatchObject({ exitCode: 0, stderr: '' });
      expect(vethsOf(ns)).toEqual([]);
    });
  });

  it("joins another container's network namespace with the netns strategy", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    await withNetns('br0', '10.77.0.1/24', async (ns) => {
      const a = await vethBundle('10.77.0.2/24');
      const runA = startIn(ns, a.dir, UNTIL_STOPPED);
      const pidA = await waitForPid(a.dir);
      const c = await createBundle({
        config: (cfg) => {
          delete cfg.cgroups;
          cfg.tty = false;
          cfg.networks = [{ type: 'netns', context: { nspath: `/proc/${pidA}/ns/net` } }];
        },
      });
      const r = await execIn(ns, c.dir, ['sh', '-c', 'ip -o addr show eth0; readlink /proc/self/ns/net']);
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
      expect(r.stdout).toMatch(/eth0\s+inet 10\.77\.0\.2\/24/);
      expect(r.stdout).toContain(readlinkNs(pidA));
      writeFileSync(a.path('tmp/stop'), '');
      await runA.done;
    });
  });

  it('fails clearly on a missing bridge and leaves no veth behind', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    await withNetns('br0', '10.77.0.1/24', async (ns) => {
      const b = await vethBundle('10.77.0.5/24', (c) => {
        c.networks![1]!.context!.bridge = 'nobr0';
      });
      const r = await execIn(ns, b.dir, ['true']);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toContain(
        "networks[1] (veth): context.bridge: bridge 'nobr0' does not exist on the host",
      );
      expect(vethsOf(ns)).toEqual([]);
    });
  });

  it('refuses an address the host already uses (the gateway) and removes the veth it made', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    await withNetns('br0', '10.77.0.1/24', async (ns) => {
      const b = await vethBundle('10.77.0.1/24');
      const r = await execIn(ns, b.dir, ['true']);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toContain("address: 10.77.0.1 is already in use by bridge 'br0'");
      expect(vethsOf(ns)).toEqual([]);
    });
  });

  it('rolls back the veth when a later step fails (an unreachable route gateway)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    await withNetns('br0', '10.77.0.1/24', async (ns) => {
      const b = await vethBundle('10.77.0.6/24', (c) => {
        c.routes = [{ destination: '10.9.0.0/16', gateway: '10.99.0.1', interface_name: 'eth0' }];
      });
      const r = await execIn(ns, b.dir, ['true']);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(/routes\[0\]: adding the route: ENETUNREACH/);
      expect(vethsOf(ns)).toEqual([]);
    });
  });
});

function readlinkNs(pid: number): string {
  return readlinkSync(`/proc/${pid}/ns/net`);
}
