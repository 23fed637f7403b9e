// Bad networks and routes: what rtnetlink(7), veth(4) and setns(2) would refuse, caught up front,
// each with the exact path and message expected.
import { describe, expect, it } from 'vitest';
import { all, type BadCase, del, runCases, set } from '../test/edits.js';

const CIDR = 'expected a CIDR address such as "172.17.0.101/16", got';
const ABS_HINT = 'expected an absolute path (starting with "/")';
const ABS = `${ABS_HINT}, got`;
const v4 = all(set('/networks/1/address', '172.17.0.2/16'), set('/networks/1/gateway', '172.17.0.1'));

// [name, edit, every error expected, exactly]: each breaks one thing in an otherwise valid config.
export const cases: BadCase[] = [
  [
    'misspelt network type',
    set('/networks/1/type', 'vth'),
    '/networks/1/type: unknown network type; did you mean veth?',
  ],
  [
    'unknown network type',
    set('/networks/0/type', 'lo'),
    '/networks/0/type: unknown network type; expected one of "loopback", "veth", "netns", "slirp4netns"',
  ],
  [
    'network without type',
    del('/networks/2/type'),
    '/networks/2/type: missing required field; expected one of "loopback", "veth", "netns", "slirp4netns"',
  ],
  ['MTU below 68', set('/networks/1/mtu', 67), '/networks/1/mtu: must be at least 68, got 67'],
  [
    'loopback MTU above what dev_set_mtu takes (an int)',
    set('/networks/0/mtu', 2 ** 31),
    '/networks/0/mtu: must be at most 2147483647, got 2147483648',
  ],
  [
    'veth MTU above 65535',
    set('/networks/1/mtu', 65536),
    '/networks/1/mtu: must be at most 65535 for veth, got 65536',
  ],
  [
    'MTU as a string',
    set('/networks/1/mtu', '1500'),
    '/networks/1/mtu: expected an MTU in bytes (68-2147483647), got "1500"',
  ],
  [
    'loopback without MTU',
    del('/networks/0/mtu'),
    '/networks/0/mtu: missing required field; loopback needs an MTU such as 1500',
  ],
  [
    'address without prefix length',
    all(v4, set('/networks/1/address', '172.17.0.101')),
    `/networks/1/address: ${CIDR} "172.17.0.101"`,
  ],
  [
    'address octet above 255',
    all(v4, set('/networks/1/address', '300.1.1.1/16')),
    `/networks/1/address: ${CIDR} "300.1.1.1/16"`,
  ],
  [
    'prefix length above 32',
    all(v4, set('/networks/1/address', '10.0.0.1/33')),
    `/networks/1/address: ${CIDR} "10.0.0.1/33"`,
  ],
  [
    'IPv6 address with two ::',
    set('/networks/1/address', 'fd00::1::2/64'),
    `/networks/1/address: ${CIDR} "fd00::1::2/64"`,
  ],
  [
    'veth without address',
    del('/networks/1/address'),
    '/networks/1/address: missing required field; expected a CIDR address such as "172.17.0.101/16"',
  ],
  [
    'veth gateway a host name',
    set('/networks/1/gateway', 'gw'),
    '/networks/1/gateway: expected an IP address such as "172.17.42.1", got "gw"',
  ],
  [
    'veth gateway of the other family',
    set('/networks/1/gateway', '10.0.0.1'),
    '/networks/1/gateway: IPv4 gateway for an IPv6 address',
  ],
  [
    'veth without bridge',
    del('/networks/1/context/bridge'),
    '/networks/1/context/bridge: missing required field; veth needs the host bridge to attach to, e.g. "docker0"',
  ],
  [
    'veth without context',
    del('/networks/1/context'),
    '/networks/1/context/bridge: missing required field; veth needs the host bridge to attach to, e.g. "docker0"',
    '/networks/1/context/prefix: missing required field; veth needs a prefix for the interface names, e.g. "veth"',
  ],
  [
    'veth prefix too long for IFNAMSIZ',
    set('/networks/1/context/prefix', 'abcdefghijkl'),
    '/networks/1/context/prefix: must be at most 11 characters long, got 12',
  ],
  [
    'bridge name with a space',
    set('/networks/1/context/bridge', 'br 0'),
    '/networks/1/context/bridge: invalid interface name: must not contain "/", ":" or whitespace',
  ],
  [
    'bridge name a number',
    set('/networks/1/context/bridge', 5),
    '/networks/1/context/bridge: expected a string, got 5',
  ],
  [
    'netns without nspath',
    set('/networks/2/context', {}),
    `/networks/2/context/nspath: missing required field; netns needs the namespace to join; ${ABS.slice(0, -5)}`,
  ],
  [
    'netns relative nspath',
    set('/networks/2/context/nspath', 'proc/1/ns/net'),
    `/networks/2/context/nspath: ${ABS} "proc/1/ns/net"`,
  ],
  [
    'two veth networks',
    (c) => c.networks.push({ ...c.networks[1] }),
    '/networks/3: only one veth network is supported (each would be renamed eth0)',
  ],
  [
    'veth without NEWNET',
    del('/namespaces/NEWNET'),
    "/networks/1: a veth network needs NEWNET; without it eth0 would be made in the host's namespace",
  ],
  [
    'route without destination, source or gateway',
    set('/routes/0', { interface_name: 'eth0' }),
    '/routes/0: a route needs a destination, a source or a gateway',
  ],
  [
    'route destination without prefix',
    set('/routes/0/destination', '10.1.0.0'),
    `/routes/0/destination: ${CIDR} "10.1.0.0"`,
  ],
  [
    'route mixing families',
    set('/routes/0/gateway', 'fd00::1'),
    '/routes/0/gateway: IPv6 gateway does not match the IPv4 destination',
  ],
  [
    'route without interface',
    del('/routes/1/interface_name'),
    '/routes/1/interface_name: missing required field; expected an interface name such as "eth0"',
  ],
  [
    'route with empty interface',
    set('/routes/1/interface_name', ''),
    '/routes/1/interface_name: invalid interface name: must not be empty',
  ],
];

describe('validateConfig: bad networks and routes', () => {
  it('has distinct case names', () => {
    expect(new Set(cases.map((c) => c[0])).size).toBe(cases.length);
  });

  runCases(cases);
});
