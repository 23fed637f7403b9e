// The slirp4netns network strategy (user-mode networking, an nsinit extension): tap0 in the
// container's own network namespace, relayed by a slirp4netns(1) process the supervisor starts before
// GO and stops at teardown. Checked from inside (tap0's address, a TCP connection to a server on the
// host's loopback) and on the host (the server's bytes; no slirp4netns left: the leak check).
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createBundle, nsinitBin, requires, runCommand, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { until } from './helpers.js';

useLeakCheck();

const SLIRP = '/usr/bin/slirp4netns';

/** A TCP server on the host's 127.0.0.1 that collects what it receives. */
async function hostServer() {
  const got: string[] = [];
  const server = createServer((sock) => sock.setEncoding('utf8').on('data', (d: string) => got.push(d)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    received: () => got.join(''),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('slirp4netns networks', () => {
  it('give tap0 10.0.2.100/24; with allow_host_loopback 10.0.2.2 reaches the host, without it not', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    if (!existsSync(SLIRP)) return ctx.skip(`${SLIRP} is not installed (apt-get install slirp4netns)`);
    const host = await hostServer();
    try {
      const probe = `ip -4 addr show tap0 | grep -o "inet [0-9./]*"; echo hello | nc -w 2 10.0.2.2 ${host.port} && echo sent`;
      const allowed = await createBundle({
        config: (c) => {
          c.networks = [
            { type: 'loopback', mtu: 1500 },
            { type: 'slirp4netns', mtu: 65520, context: { allow_host_loopback: 'true' } },
          ];
        },
      });
      const r = await runCommand(nsinitBin, ['exec', 'sh', '-c', probe], { cwd: allowed.dir });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('inet 10.0.2.100/24\nsent\n');
      await until('the message on the host', () => host.received() === 'hello\n');
      // The default keeps the host's loopback out of reach.
      const denied = await createBundle({
        config: (c) => {
          c.networks = [{ type: 'slirp4netns' }];
        },
      });
      const d = await runCommand(nsinitBin, ['exec', 'sh', '-c', probe], { cwd: denied.dir });
      expect(d.stdout).toBe('inet 10.0.2.100/24\n');
      expect(host.received()).toBe('hello\n');
    } finally {
      await host.close();
    }
  });

  it('needs NEWNET and is one per container, refused naming the network', async (ctx) => {
    requires(ctx, 'busybox');
    const b = await createBundle({
      config: (c) => {
        delete c.namespaces!.NEWNET;
        c.networks = [{ type: 'slirp4netns' }, { type: 'slirp4netns' }];
      },
    });
    const r = await runCommand(nsinitBin, ['config', 'validate'], { cwd: b.dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/\/networks\/0: a slirp4netns network needs NEWNET/);
    expect(r.stdout + r.stderr).toMatch(/\/networks\/1: only one slirp4netns network is supported/);
  });
});
