// Network strategies and routes of container.json: loopback, veth (a veth(4) pair with one end on
// a host bridge), netns (setns(2) into an existing network namespace) and slirp4netns (user-mode
// networking, an nsinit extension), plus rtnetlink(7) routes. Addresses are CIDR strings.
import Type, { type Static } from 'typebox';
import { annotate, BAG, DOMAIN, EXPECTED } from './annotations.js';
import { ABSOLUTE_PATH, ABSOLUTE_PATH_HINT, int, str } from './fields.js';

export const NETWORK_TYPES = ['loopback', 'veth', 'netns', 'slirp4netns'] as const;

/** The smallest MTU the kernel accepts for an Ethernet-like device (IPv4's minimum datagram). */
export const MIN_MTU = 68;
/** The largest MTU dev_set_mtu() takes (an int); loopback has no max_mtu, so this is its ceiling
 *  (its default is 65536). veth stops at ETH_MAX_MTU, checked by type in semantic-network.ts. */
export const MAX_MTU = 0x7fffffff;
/** veth(4) devices take at most ETH_MAX_MTU. */
export const VETH_MAX_MTU = 65535;
/** slirp4netns(1) takes an MTU up to 65521. */
export const SLIRP_MAX_MTU = 65521;
/** IFNAMSIZ - 1: the longest interface name the kernel accepts. */
export const MAX_IFNAME = 15;

const CIDR = 'a CIDR address such as "172.17.0.101/16"';
const IP = 'an IP address such as "172.17.42.1"';

export const NetworkContextSchema = annotate(
  Type.Object(
    {
      bridge: Type.Optional(
        str('veth: name of the existing host bridge the host end is attached to, e.g. docker0. Required.', {
          maxLength: MAX_IFNAME,
        }),
      ),
      prefix: Type.Optional(
        str(
          'veth: prefix of the generated interface names (prefix + 4 hex digits), e.g. veth. Required; ' +
            `at most ${MAX_IFNAME - 4} characters so the names fit IFNAMSIZ.`,
          { maxLength: MAX_IFNAME - 4 },
        ),
      ),
      nspath: Type.Optional(
        str('netns: path of a network namespace to join, e.g. /proc/<pid>/ns/net. Required.', {
          pattern: ABSOLUTE_PATH,
          patternHint: ABSOLUTE_PATH_HINT,
        }),
      ),
      allow_host_loopback: Type.Optional(
        str(
          'slirp4netns: "true" lets the container reach the host\'s 127.0.0.1 at 10.0.2.2 (default ' +
            '"false": slirp4netns --disable-host-loopback).',
          { default: 'false' },
        ),
      ),
    },
    {
      additionalProperties: Type.String(),
      description:
        'Per-strategy string parameters: bridge and prefix for veth, nspath for netns, ' +
        'allow_host_loopback for slirp4netns.',
      default: {},
    },
  ),
  { [BAG]: true, [EXPECTED]: 'an object of strings' },
);

export const NetworkSchema = Type.Object(
  {
    type: annotate(
      Type.Enum([...NETWORK_TYPES], {
        description:
          'Strategy: "loopback" configures lo, "veth" creates a veth pair with eth0 inside, "netns" joins ' +
          'the network namespace at context.nspath, "slirp4netns" (an nsinit extension, also rootless) ' +
          'gives tap0 user-mode networking through slirp4netns(1) (10.0.2.100/24, gateway 10.0.2.2; ' +
          'context.allow_host_loopback "true" lets 10.0.2.2 reach the host\'s 127.0.0.1).',
        default: 'loopback',
      }),
      { [EXPECTED]: 'one of "loopback", "veth", "netns", "slirp4netns"', [DOMAIN]: 'network type' },
    ),
    address: Type.Optional(
      str('veth: address of eth0 in CIDR form, e.g. 172.17.0.101/16 (required). Ignored for loopback.', {
        expected: CIDR,
      }),
    ),
    gateway: Type.Optional(
      str('veth: if set, a default route via this IP on eth0. Ignored for loopback.', { expected: IP }),
    ),
    mtu: Type.Optional(
      int(
        `MTU of lo (loopback) or of both veth ends. Required for loopback and veth; at least ${MIN_MTU} ` +
          '(below it the kernel removes IPv4 from the device). At most 65535 for veth (ETH_MAX_MTU); lo ' +
          `takes up to ${MAX_MTU} (its default is 65536).`,
        {
          default: 1500,
          minimum: MIN_MTU,
          maximum: MAX_MTU,
          expected: `an MTU in bytes (${MIN_MTU}-${MAX_MTU})`,
        },
      ),
    ),
    context: Type.Optional(NetworkContextSchema),
  },
  { additionalProperties: false, description: 'A network strategy, applied in order.' },
);
export type Network = Static<typeof NetworkSchema>;

export const RouteSchema = Type.Object(
  {
    destination: Type.Optional(
      str('Destination network in CIDR form (RTA_DST); empty with only a gateway means a default route.', {
        expected: CIDR,
      }),
    ),
    source: Type.Optional(str('Source network in CIDR form (RTA_SRC).', { expected: CIDR })),
    gateway: Type.Optional(str('Next hop IP address (RTA_GATEWAY).', { expected: IP })),
    interface_name: str('Output interface inside the container, e.g. eth0 (RTA_OIF). Required.', {
      maxLength: MAX_IFNAME,
      expected: 'an interface name such as "eth0"',
    }),
  },
  {
    additionalProperties: false,
    description:
      'An extra route added inside the container after the networks; needs at least one of destination, ' +
      'source or gateway, all of one IP family.',
  },
);
export type Route = Static<typeof RouteSchema>;
