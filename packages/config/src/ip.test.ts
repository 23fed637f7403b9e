// IPv4/IPv6 address and CIDR parsing as inet_pton(3) and rtnetlink(7) accept them.
import { describe, expect, it } from 'vitest';
import { cidrFamily, ipFamily } from './ip.js';

describe('ipFamily', () => {
  it.each([
    ['172.17.42.1', 4],
    ['0.0.0.0', 4],
    ['255.255.255.255', 4],
    ['::', 6],
    ['::1', 6],
    ['fd00::1', 6],
    ['2001:db8:0:0:0:0:2:1', 6],
    ['::ffff:192.0.2.1', 6],
    ['FE80::ABCD', 6],
  ])('%s is IPv%s', (text, family) => expect(ipFamily(text)).toBe(family));

  it.each([
    '',
    'localhost',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.4 ',
    ':::',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    'fe80::1%eth0',
    '::ffff:1.2.3',
    'g::1',
  ])('%j is not an address', (text) => expect(ipFamily(text)).toBeUndefined());
});

describe('cidrFamily', () => {
  it.each([
    ['172.17.0.101/16', 4],
    ['127.0.0.1/0', 4],
    ['10.0.0.0/32', 4],
    ['fd00::/8', 6],
    ['::/0', 6],
    ['2001:db8::1/128', 6],
  ])('%s is IPv%s', (text, family) => expect(cidrFamily(text)).toBe(family));

  it.each([
    '172.17.0.101',
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/',
    '10.0.0.0/08',
    '10.0.0.0/-1',
    '/16',
    'a/16',
  ])('%j is not a CIDR', (text) => expect(cidrFamily(text)).toBeUndefined());
});
