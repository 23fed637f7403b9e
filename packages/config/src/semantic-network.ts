// Checks on networks and routes beyond their types, mirroring what the kernel and the 2014 strategies
// refuse: veth(4) needs a bridge and a name prefix that fit IFNAMSIZ (netdevice(7)), addresses must
// parse for RTM_NEWADDR/RTM_NEWROUTE (rtnetlink(7)), netns needs a namespace path (setns(2)).
import { ABSOLUTE_PATH_HINT } from './fields.js';
import { cidrFamily, type IpFamily, ipFamily } from './ip.js';
import { describeValue, issue, pointer } from './issues.js';
import { type Findings, isPlainObject } from './normalise.js';
import { MAX_IFNAME, SLIRP_MAX_MTU, VETH_MAX_MTU } from './schema-network.js';

const CIDR_HINT = 'expected a CIDR address such as "172.17.0.101/16"';
const IP_HINT = 'expected an IP address such as "172.17.42.1"';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Why the kernel's dev_valid_name() would refuse an interface name, or undefined if it is fine. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.length > MAX_IFNAME) return `must be at most ${MAX_IFNAME} characters (IFNAMSIZ)`;
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  if (/[/:\s]/.test(name)) return 'must not contain "/", ":" or whitespace';
  return undefined;
}

function checkCidr(value: unknown, at: string, found: Findings): IpFamily | undefined {
  if (typeof value !== 'string') return undefined;
  const family = cidrFamily(value);
  if (family === undefined) found.errors.push(issue(at, `${CIDR_HINT}, got ${describeValue(value)}`, value));
  return family;
}

function checkIp(value: unknown, at: string, found: Findings): IpFamily | undefined {
  if (typeof value !== 'string') return undefined;
  const family = ipFamily(value);
  if (family === undefined) found.errors.push(issue(at, `${IP_HINT}, got ${describeValue(value)}`, value));
  return family;
}

function checkIfName(value: unknown, at: string, found: Findings, allowEmpty = true): void {
  const name = text(value);
  const problem = name === undefined || (name === '' && allowEmpty) ? undefined : interfaceNameProblem(name);
  if (problem !== undefined) found.errors.push(issue(at, `invalid interface name: ${problem}`, value));
}

function requireContext(ctx: unknown, key: string, at: string, why: string, found: Findings): void {
  const value = isPlainObject(ctx) ? ctx[key] : undefined;
  if (value === undefined || value === '') {
    found.errors.push(issue(pointer(pointer(at, 'context'), key), `missing required field; ${why}`, value));
  }
}

function checkMtu(net: Record<string, unknown>, at: string, type: string, found: Findings): void {
  if (net.mtu === undefined) {
    found.errors.push(issue(pointer(at, 'mtu'), `missing required field; ${type} needs an MTU such as 1500`));
  } else if (type === 'veth' && typeof net.mtu === 'number' && net.mtu > VETH_MAX_MTU) {
    found.errors.push(
      issue(pointer(at, 'mtu'), `must be at most ${VETH_MAX_MTU} for veth, got ${net.mtu}`, net.mtu),
    );
  }
}

export function checkNetworks(config: Record<string, unknown>, newnet: boolean, found: Findings): void {
  const networks = config.networks;
  if (!Array.isArray(networks)) return;
  let vethSeen = false;
  let slirpSeen = false;
  networks.forEach((net, i) => {
    const at = pointer('/networks', i);
    if (!isPlainObject(net)) return;
    if (net.type === 'loopback') {
      checkMtu(net, at, 'loopback', found);
      if (!newnet)
        found.warnings.push(issue(at, "NEWNET is not enabled, so this reconfigures the host's lo"));
    } else if (net.type === 'veth') {
      if (vethSeen)
        found.errors.push(issue(at, 'only one veth network is supported (each would be renamed eth0)'));
      vethSeen = true;
      if (!newnet) {
        found.errors.push(
          issue(at, "a veth network needs NEWNET; without it eth0 would be made in the host's namespace"),
        );
      }
      checkMtu(net, at, 'veth', found);
      if (net.address === undefined) {
        found.errors.push(issue(pointer(at, 'address'), `missing required field; ${CIDR_HINT}`));
      }
      const family = checkCidr(net.address, pointer(at, 'address'), found);
      const gatewayFamily =
        net.gateway === '' ? undefined : checkIp(net.gateway, pointer(at, 'gateway'), found);
      if (family !== undefined && gatewayFamily !== undefined && family !== gatewayFamily) {
        found.errors.push(
          issue(
            pointer(at, 'gateway'),
            `IPv${gatewayFamily} gateway for an IPv${family} address`,
            net.gateway,
          ),
        );
      }
      requireContext(
        net.context,
        'bridge',
        at,
        'veth needs the host bridge to attach to, e.g. "docker0"',
        found,
      );
      requireContext(
        net.context,
        'prefix',
        at,
        'veth needs a prefix for the interface names, e.g. "veth"',
        found,
      );
      if (isPlainObject(net.context)) {
        checkIfName(net.context.bridge, pointer(pointer(at, 'context'), 'bridge'), found);
        checkIfName(net.context.prefix, pointer(pointer(at, 'context'), 'prefix'), found);
      }
    } else if (net.type === 'slirp4netns') {
      if (slirpSeen) found.errors.push(issue(at, 'only one slirp4netns network is supported (each is tap0)'));
      slirpSeen = true;
      if (!newnet)
        found.errors.push(issue(at, 'a slirp4netns network needs NEWNET (it gives tap0 to the container)'));
      if (typeof net.mtu === 'number' && net.mtu > SLIRP_MAX_MTU)
        found.errors.push(
          issue(
            pointer(at, 'mtu'),
            `must be at most ${SLIRP_MAX_MTU} for slirp4netns, got ${net.mtu}`,
            net.mtu,
          ),
        );
      const loopback = isPlainObject(net.context) ? net.context.allow_host_loopback : undefined;
      if (loopback !== undefined && loopback !== 'true' && loopback !== 'false')
        found.errors.push(
          issue(
            pointer(pointer(at, 'context'), 'allow_host_loopback'),
            `expected "true" or "false", got ${describeValue(loopback)}`,
            loopback,
          ),
        );
    } else if (net.type === 'netns') {
      requireContext(
        net.context,
        'nspath',
        at,
        `netns needs the namespace to join; ${ABSOLUTE_PATH_HINT}`,
        found,
      );
    }
  });
}

export function checkRoutes(config: Record<string, unknown>, newnet: boolean, found: Findings): void {
  const routes = config.routes;
  if (!Array.isArray(routes)) return;
  routes.forEach((route, i) => {
    const at = pointer('/routes', i);
    if (!isPlainObject(route)) return;
    if (!newnet)
      found.warnings.push(issue(at, "NEWNET is not enabled, so this route is added to the host's table"));
    const given = (['destination', 'source', 'gateway'] as const).filter(
      (k) => route[k] !== undefined && route[k] !== '',
    );
    if (given.length === 0) {
      found.errors.push(issue(at, 'a route needs a destination, a source or a gateway'));
      return;
    }
    let first: { key: string; family: IpFamily } | undefined;
    for (const key of given) {
      const family =
        key === 'gateway'
          ? checkIp(route[key], pointer(at, key), found)
          : checkCidr(route[key], pointer(at, key), found);
      if (family === undefined) continue;
      if (first === undefined) first = { key, family };
      else if (first.family !== family) {
        found.errors.push(
          issue(
            pointer(at, key),
            `IPv${family} ${key} does not match the IPv${first.family} ${first.key}`,
            route[key],
          ),
        );
      }
    }
    checkIfName(route.interface_name, pointer(at, 'interface_name'), found, false);
  });
}
