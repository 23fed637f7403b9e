import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attr,
  attrMap,
  encodeAttrs,
  encodeMessage,
  NetlinkSocket,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  parseAck,
  parseAttrs,
  parseMessages,
} from './netlink.js';

/** A kernel stand-in: answers each sent request with the datagrams `reply` returns. */
function scripted(reply: (req: Buffer) => Buffer[]) {
  const queue: Buffer[] = [];
  const sent: Buffer[] = [];
  let closed = 0;
  return {
    sent,
    closed: () => closed,
    native: {
      netlinkSend(_fd: number, m: Uint8Array) {
        const b = Buffer.from(m);
        sent.push(b);
        queue.push(...reply(b));
      },
      netlinkRecv() {
        const next = queue.shift();
        if (!next) throw new Error('test kernel: recv with nothing queued (would block forever)');
        return next;
      },
      close() {
        closed++;
      },
    },
  };
}

function errorMsg(seq: number, errno: number, extack?: string): Buffer {
  const req = Buffer.alloc(16);
  const tlv = extack ? encodeAttrs([attr.str(1, extack)]) : Buffer.alloc(0);
  const payload = Buffer.alloc(4 + 16 + tlv.length);
  payload.writeInt32LE(-errno, 0);
  req.writeUInt32LE(16, 0);
  req.copy(payload, 4);
  tlv.copy(payload, 20);
  // NLM_F_CAPPED | NLM_F_ACK_TLVS when there is a message, as the kernel does with ext-ack on.
  const m = encodeMessage({ type: NLMSG_ERROR, flags: extack ? 0x300 : 0x100, seq }, payload);
  return m;
}

const seqOf = (req: Buffer) => req.readUInt32LE(8);

describe('netlink encoding', () => {
  it('frames a message with nlmsghdr, the padded fixed header and 4-byte aligned attributes', () => {
    const m = encodeMessage({ type: 16, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 7 }, Buffer.alloc(16), [
      attr.str(3, 'eth0'),
      attr.u32(4, 1500),
    ]);
    expect(m.readUInt32LE(0)).toBe(m.length);
    expect(m.length).toBe(16 + 16 + 12 + 8);
    expect(m.readUInt16LE(4)).toBe(16);
    expect(m.readUInt16LE(6)).toBe(5);
    expect(m.readUInt32LE(8)).toBe(7);
    // IFLA_IFNAME: len 4+5 ("eth0\0"), padded to 12
    expect(m.readUInt16LE(32)).toBe(9);
    expect(m.readUInt16LE(34)).toBe(3);
    expect(m.subarray(36, 41).toString()).toBe('eth0\0');
    expect(m.readUInt16LE(44)).toBe(8);
    expect(m.readUInt32LE(48)).toBe(1500);
  });

  it('nests attributes with the nested length covering the padded children', () => {
    const b = encodeAttrs([attr.nested(18, [attr.str(1, 'veth'), attr.u8(2, 1)])]);
    expect(b.readUInt16LE(0)).toBe(4 + 12 + 8);
    const [outer] = parseAttrs(b);
    const inner = attrMap(outer!.value);
    expect(inner.get(1)!.toString()).toBe('veth\0');
    expect(inner.get(2)![0]).toBe(1);
  });

  it('round-trips arbitrary attribute lists', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ type: fc.integer({ min: 1, max: 0x3fff }), value: fc.uint8Array({ maxLength: 40 }) }),
        ),
        (list) => {
          const parsed = parseAttrs(encodeAttrs(list.map((a) => attr.bytes(a.type, a.value))));
          expect(parsed.map((p) => [p.type, [...p.value]])).toEqual(list.map((a) => [a.type, [...a.value]]));
        },
      ),
    );
  });

  it('splits a datagram holding several messages and rejects a truncated one', () => {
    const a = encodeMessage({ type: 16, flags: 2, seq: 1 }, Buffer.alloc(16));
    const b = encodeMessage({ type: NLMSG_DONE, flags: 2, seq: 1 }, Buffer.alloc(4));
    const msgs = parseMessages(Buffer.concat([a, b]));
    expect(msgs.map((m) => m.type)).toEqual([16, NLMSG_DONE]);
    expect(() => parseMessages(Buffer.concat([a, b]).subarray(0, a.length + 10))).not.toThrow(); // < header: ignored tail
    const bad = Buffer.from(a);
    bad.writeUInt32LE(a.length + 100, 0);
    expect(() => parseMessages(bad)).toThrow(
      expect.objectContaining({ code: 'ERR_NSINIT_NETLINK_PROTOCOL' }),
    );
  });

  it('parses an ACK, an error and the extended-ack text', () => {
    expect(parseAck(parseMessages(errorMsg(1, 0))[0]!)).toEqual({ errno: 0 });
    expect(parseAck(parseMessages(errorMsg(1, 17, 'Nexthop has invalid gateway'))[0]!)).toEqual({
      errno: 17,
      message: 'Nexthop has invalid gateway',
    });
  });
});

describe('NetlinkSocket', () => {
  it('turns a kernel error into a SystemError naming the request', () => {
    const k = scripted((req) => [errorMsg(seqOf(req), 19, 'no such device')]);
    const sock = new NetlinkSocket(k.native, 5);
    let caught: unknown;
    try {
      sock.ack(16, 0, Buffer.alloc(16), [], { op: 'RTM_NEWLINK', path: 'veth1234' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({
      code: 'ENODEV',
      errno: -19,
      syscall: 'RTM_NEWLINK',
      path: 'veth1234',
      extack: 'no such device',
    });
    expect((caught as Error).message).toBe("ENODEV: no such device, RTM_NEWLINK 'veth1234' (no such device)");
    expect(k.sent[0]!.readUInt16LE(6) & (NLM_F_REQUEST | NLM_F_ACK)).toBe(NLM_F_REQUEST | NLM_F_ACK);
  });

  it('skips answers to other sequence numbers and collects a dump up to NLMSG_DONE', () => {
    const k = scripted((req) => {
      const seq = seqOf(req);
      const part = (n: number) => encodeMessage({ type: 16, flags: 2, seq }, Buffer.from([n, 0, 0, 0]));
      return [
        Buffer.concat([errorMsg(seq - 1, 0), part(1)]),
        Buffer.concat([part(2), encodeMessage({ type: NLMSG_DONE, flags: 2, seq }, Buffer.alloc(4))]),
      ];
    });
    const sock = new NetlinkSocket(k.native, 5);
    const out = sock.dump(18, Buffer.alloc(16), [], { op: 'RTM_GETLINK' });
    expect(out.map((m) => m.payload[0])).toEqual([1, 2]);
    expect(k.sent[0]!.readUInt16LE(6) & 0x300).toBe(0x300);
  });

  it('refuses to use a closed socket and closes once', () => {
    const k = scripted(() => []);
    const sock = new NetlinkSocket(k.native, 5);
    sock.close();
    sock.close();
    expect(k.closed()).toBe(1);
    expect(() => sock.ack(16, 0, Buffer.alloc(16), [], { op: 'RTM_NEWLINK' })).toThrow(/closed/);
  });
});
