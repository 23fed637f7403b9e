import { readFileSync } from 'node:fs';
import type { NativeBindings } from '@nsinit/native';
import { describe, expect, it } from 'vitest';
import { ifinfomsg, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from './link.js';
import {
  attr,
  attrMap,
  cstring,
  encodeAttrs,
  encodeMessage,
  NLMSG_DONE,
  NLMSG_ERROR,
  parseMessages,
} from './netlink.js';
import { applyNetworks, checkNetworks, netnsPath } from './strategies.js';

const RTM_GETADDR = 22;

interface FakeLink {
  index: number;
  name: string;
  kind: string;
}

/**
 * A small rtnetlink stand-in with two namespaces (host: fd -1, child: the pidfd). It keeps link
 * tables, records every request as "<ns> <RTM> <name>" and can fail one request type, so the
 * order of the strategy steps and the rollback can be checked without root.
 */
function fakeKernel(opts: { failOn?: string; errno?: number; bridge?: string } = {}) {
  const ns: Record<string, FakeLink[]> = {
    host: [
      { index: 1, name: 'lo', kind: '' },
      { index: 2, name: opts.bridge ?? 'br0', kind: 'bridge' },
    ],
    child: [{ index: 1, name: 'lo', kind: '' }],
  };
  let nextIndex = 10;
  const log: string[] = [];
  const sockets = new Map<number, { ns: string; queue: Buffer[] }>();
  let nextFd = 100;
  const names: Record<number, string> = {
    16: 'NEWLINK',
    17: 'DELLINK',
    18: 'GETLINK',
    20: 'NEWADDR',
    22: 'GETADDR',
    24: 'NEWROUTE',
  };
  const ack = (seq: number, errno: number) => {
    const p = Buffer.alloc(20);
    p.writeInt32LE(-errno, 0);
    return encodeMessage({ type: NLMSG_ERROR, flags: 0x100, seq }, p);
  };
  const linkMsg = (seq: number, l: FakeLink) =>
    encodeMessage({ type: RTM_NEWLINK, flags: 0, seq }, ifinfomsg({ index: l.index }), [
      attr.str(3, l.name),
      ...(l.kind ? [attr.nested(18, [attr.str(1, l.kind)])] : []),
    ]);

  const native = {
    netlinkOpen(nsFd: number) {
      const fd = nextFd++;
      sockets.set(fd, { ns: nsFd === -1 ? 'host' : 'child', queue: [] });
      return fd;
    },
    close(fd: number) {
      sockets.delete(fd);
    },
    netlinkRecv(fd: number) {
      return sockets.get(fd)!.queue.shift()!;
    },
    netlinkSend(fd: number, raw: Uint8Array) {
      const s = sockets.get(fd)!;
      const [m] = parseMessages(Buffer.from(raw));
      const req = m!;
      const links = ns[s.ns]!;
      const fixed = req.type <= 19 ? 16 : req.type <= 22 ? 8 : 12;
      const a = attrMap(req.payload.subarray(fixed));
      const index =
        req.type <= 19 ? req.payload.readInt32LE(4) : req.type <= 22 ? req.payload.readUInt32LE(4) : 0;
      const name = a.get(3)
        ? cstring(a.get(3)!)
        : index
          ? (links.find((l) => l.index === index)?.name ?? `#${index}`)
          : '';
      const tag = `${s.ns} ${names[req.type]}${name ? ` ${name}` : ''}`;
      log.push(tag);
      const reply = (...b: Buffer[]) => s.queue.push(Buffer.concat(b));
      if (opts.failOn && tag.startsWith(opts.failOn)) return reply(ack(req.seq, opts.errno ?? 1));
      switch (req.type) {
        case RTM_GETLINK: {
          const l = links.find((x) => x.name === name);
          return reply(l ? linkMsg(req.seq, l) : ack(req.seq, 19));
        }
        case RTM_NEWLINK: {
          if (index) return reply(ack(req.seq, 0));
          if (links.some((x) => x.name === name)) return reply(ack(req.seq, 17));
          const info = attrMap(a.get(18)!);
          const peerRaw = attrMap(info.get(2)!).get(1)!;
          const peerName = cstring(attrMap(peerRaw.subarray(16)).get(3)!);
          if (ns.child!.some((x) => x.name === peerName)) return reply(ack(req.seq, 17));
          links.push({ index: nextIndex++, name, kind: 'veth' });
          ns.child!.push({ index: nextIndex++, name: peerName, kind: 'veth' });
          return reply(ack(req.seq, 0));
        }
        case RTM_DELLINK: {
          const i = links.findIndex((x) => x.name === name);
          if (i < 0) return reply(ack(req.seq, 19));
          links.splice(i, 1);
          ns.child = ns.child!.filter((x) => x.name !== 'eth0');
          return reply(ack(req.seq, 0));
        }
        case RTM_GETADDR:
          return reply(encodeMessage({ type: NLMSG_DONE, flags: 2, seq: req.seq }, Buffer.alloc(4)));
        default:
          return reply(ack(req.seq, 0));
      }
    },
  };
  return { native: native as unknown as NativeBindings, log, ns, openSockets: () => sockets.size };
}

const sample = {
  namespaces: { NEWNET: true },
  networks: [
    { type: 'loopback', address: '127.0.0.1/0', gateway: 'localhost', mtu: 1500 },
    {
      type: 'veth',
      address: '172.17.0.101/16',
      gateway: '172.17.42.1',
      mtu: 1500,
      context: { bridge: 'docker0', prefix: 'veth' },
    },
  ],
  routes: [{ destination: '192.168.0.0/24', interface_name: 'eth0' }],
};

describe('checkNetworks', () => {
  it('accepts the 2014 sample networks (loopback ignores address and gateway)', () => {
    expect(checkNetworks(sample)).toEqual([]);
  });

  it('names each missing or malformed field', () => {
    const problems = checkNetworks({
      namespaces: { NEWNET: true },
      networks: [
        { type: 'veth', mtu: 20, context: { prefix: 'averyverylongprefix' } },
        { type: 'netns' },
        { type: 'bogus' },
      ],
      routes: [{ destination: '10.0.0.0/8' }],
    });
    expect(problems.map((p) => p.path)).toEqual([
      'networks[0].mtu',
      'networks[0].context.bridge',
      'networks[0].context.prefix',
      'networks[0].address',
      'networks[1].context.nspath',
      'networks[2].type',
      'routes[0].interface_name',
    ]);
  });

  it('refuses loopback and veth without NEWNET: they would reconfigure the host', () => {
    expect(checkNetworks({ networks: [{ type: 'loopback', mtu: 1500 }] })).toEqual([
      expect.objectContaining({ path: 'networks[0].type', message: expect.stringContaining('NEWNET') }),
    ]);
    expect(checkNetworks({ networks: [{ type: 'netns', context: { nspath: '/proc/1/ns/net' } }] })).toEqual(
      [],
    );
  });

  it("takes each link type's MTU range: lo up to INT_MAX (default 65536), veth up to 65535", () => {
    const one = (type: string, mtu: number) =>
      checkNetworks({
        namespaces: { NEWNET: true },
        networks: [{ type, mtu, address: '10.0.0.2/24', context: { bridge: 'br0', prefix: 'v' } }],
      }).map((p) => p.path);
    expect(one('loopback', 65536)).toEqual([]);
    expect(one('loopback', 2 ** 31 - 1)).toEqual([]);
    expect(one('loopback', 2 ** 31)).toEqual(['networks[0].mtu']);
    expect(one('veth', 65535)).toEqual([]);
    expect(one('veth', 65536)).toEqual(['networks[0].mtu']);
    expect(one('veth', 67)).toEqual(['networks[0].mtu']);
  });

  it('accepts examples/bridge (lo at 65536) before anything is created, as config validate does', () => {
    const text = readFileSync(new URL('../../../../examples/bridge/container.json', import.meta.url), 'utf8');
    const example = JSON.parse(text);
    expect(example.networks[0]).toEqual({ type: 'loopback', mtu: 65536 });
    expect(checkNetworks(example)).toEqual([]);
  });

  it('finds the namespace a netns strategy joins', () => {
    expect(netnsPath(sample)).toBeNull();
    expect(netnsPath({ networks: [{ type: 'netns', context: { nspath: '/run/netns/x' } }] })).toBe(
      '/run/netns/x',
    );
  });
});

describe('applyNetworks', () => {
  it('configures lo, then the veth pair host side first, then eth0, then routes; closes every socket', () => {
    const k = fakeKernel({ bridge: 'docker0' });
    const out = applyNetworks(k.native, sample, { pid: 4242, pidfd: 7 });
    expect(out.hostInterfaces).toEqual([expect.stringMatching(/^veth[0-9a-f]{4}$/)]);
    const host = out.hostInterfaces[0]!;
    expect(k.log).toEqual([
      'child GETLINK lo',
      'child NEWLINK lo',
      'host GETLINK docker0',
      'host GETADDR',
      `host NEWLINK ${host}`,
      `host GETLINK ${host}`,
      `host NEWLINK ${host}`,
      'child GETLINK eth0',
      'child NEWADDR eth0',
      'child NEWLINK eth0',
      'child NEWROUTE',
      'child GETLINK eth0',
      'child NEWROUTE',
    ]);
    expect(k.openSockets()).toBe(0);
  });

  it('deletes the host veth when a later step fails, and reports the step', () => {
    const k = fakeKernel({ bridge: 'docker0', failOn: 'child NEWADDR', errno: 17 });
    let err: unknown;
    try {
      applyNetworks(k.native, sample, { pid: 4242, pidfd: 7 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'EEXIST', step: 'networks[1] (veth)', syscall: 'RTM_NEWADDR' });
    expect((err as Error).message).toMatch(
      /^networks\[1\] \(veth\): adding address 172\.17\.0\.101\/16: EEXIST/,
    );
    expect(k.log.at(-1)).toMatch(/^host DELLINK veth[0-9a-f]{4}$/);
    expect(k.ns.host!.map((l) => l.name)).toEqual(['lo', 'docker0']);
    expect(k.openSockets()).toBe(0);
  });

  it('fails on a missing bridge before creating anything', () => {
    const k = fakeKernel({ bridge: 'br0' });
    expect(() => applyNetworks(k.native, sample, { pid: 1, pidfd: 7 })).toThrow(
      expect.objectContaining({
        code: 'ENODEV',
        path: 'docker0',
        message: expect.stringContaining("bridge 'docker0' does not exist"),
      }),
    );
    expect(k.log.some((l) => l.includes('NEWLINK veth'))).toBe(false);
  });

  it('draws another name when the random host name is taken', () => {
    const k = fakeKernel({ bridge: 'docker0' });
    // every 4-hex name but one is "taken": pre-populate is impractical, so take the first drawn one
    const orig = k.native.netlinkSend;
    let first = true;
    k.native.netlinkSend = (fd, raw) => {
      const name = cstring(attrMap(Buffer.from(raw).subarray(32)).get(3) ?? Buffer.alloc(0));
      if (first && name.startsWith('veth')) {
        first = false;
        k.ns.host!.push({ index: 99, name, kind: 'veth' });
      }
      orig(fd, raw);
    };
    const out = applyNetworks(k.native, sample, { pid: 1, pidfd: 7 });
    expect(k.log.filter((l) => /^host NEWLINK veth/.test(l)).length).toBe(3); // clash, create, attach
    expect(out.hostInterfaces).toHaveLength(1);
  });
});

describe('veth peer layout', () => {
  it('puts the peer name and namespace after a struct ifinfomsg inside VETH_INFO_PEER', async () => {
    const { vethPeerData } = await import('./veth.js');
    const [peer] = vethPeerData({ host: 'veth0001', peer: 'eth0', peerNs: { pid: 4242 }, mtu: 1400 });
    const value = peer!.value as Buffer;
    expect(value.subarray(0, 16)).toEqual(ifinfomsg());
    const a = attrMap(value.subarray(16));
    expect(cstring(a.get(3)!)).toBe('eth0');
    expect(a.get(19)!.readUInt32LE(0)).toBe(4242);
    expect(a.get(4)!.readUInt32LE(0)).toBe(1400);
    expect(encodeAttrs([peer!]).length % 4).toBe(0);
  });
});
