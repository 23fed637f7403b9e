import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, parseCidr, parseIp } from './addr.js';
import { parseRoute } from './route.js';

describe('parseIp / parseCidr', () => {
  it('parses IPv4 to network-order bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        const ip = parseIp([...b].join('.'));
        expect(ip?.family).toBe(AF_INET);
        expect([...ip!.bytes]).toEqual([...b]);
      }),
    );
  });

  it('parses full and compressed IPv6 forms to the same bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
        fc.nat(7),
        (w, at) => {
          const words = [...w];
          words[at] = 0;
          const full = words.map((x) => x.toString(16)).join(':');
          const compressed = `${words
            .slice(0, at)
            .map((x) => x.toString(16))
            .join(':')}::${words
            .slice(at + 1)
            .map((x) => x.toString(16))
            .join(':')}`;
          const expected = Buffer.alloc(16);
          for (const [i, x] of words.entries()) expected.writeUInt16BE(x, i * 2);
          expect(parseIp(full)?.bytes).toEqual(expected);
          expect(parseIp(compressed)?.bytes).toEqual(expected);
        },
      ),
    );
    expect([...parseIp('::ffff:10.1.2.3')!.bytes.subarray(10)]).toEqual([0xff, 0xff, 10, 1, 2, 3]);
    expect(parseIp('fd00::1')).toMatchObject({ family: AF_INET6 });
  });

  it('takes the prefix from a CIDR and rejects malformed input', () => {
    expect(parseCidr('172.17.0.101/16')).toMatchObject({ text: '172.17.0.101', prefix: 16 });
    expect(parseCidr('10.0.0.1')).toMatchObject({ prefix: 32 });
    expect(parseCidr('fd00::2/64')).toMatchObject({ prefix: 64, family: AF_INET6 });
    for (const bad of ['172.17.0.1/33', 'fd00::/129', 'localhost', '1.2.3/8', '10.0.0.1/x', '']) {
      expect(parseCidr(bad), bad).toBeNull();
    }
  });
});

describe('parseRoute', () => {
  it('accepts a gateway-only default route and a destination route', () => {
    expect(parseRoute({ gateway: '172.17.42.1' }, 2, 'eth0')).toMatchObject({
      gateway: { text: '172.17.42.1' },
    });
    expect(parseRoute({ destination: '192.168.0.0/24' }, 2, 'eth0')).toMatchObject({
      destination: { prefix: 24 },
      oif: 2,
    });
  });

  it('names the field that is wrong', () => {
    expect(parseRoute({}, 2, 'eth0')).toEqual({
      field: '',
      error: 'needs at least one of destination, source or gateway',
    });
    expect(parseRoute({ gateway: 'nope' }, 2, 'eth0')).toMatchObject({ field: 'gateway' });
    expect(parseRoute({ destination: '10.0.0.0/99' }, 2, 'eth0')).toMatchObject({ field: 'destination' });
    expect(parseRoute({ destination: '10.0.0.0/8', gateway: 'fd00::1' }, 2, 'eth0')).toMatchObject({
      error: 'mixes IPv4 and IPv6 addresses',
    });
  });
});
