// The 2014 network strategies (loopback, veth, netns) and routes, applied from the parent before GO
// over rtnetlink sockets opened inside the child's network namespace (or a joined one). What 2014
// did in the child (rename, address, up, default route) happens here on the container-side socket.
// See network_namespaces(7), veth(4), rtnetlink(7).
import { closeSync, openSync } from 'node:fs';
import type { NativeBindings } from '@nsinit/native';
import { NsinitError } from '@nsinit/native';
import { AF_INET, addAddress, type Cidr, listAddresses, parseCidr, parseIp } from './addr.js';
import { deleteLink, getLink, IFNAME_MAX, type Link, setLink } from './link.js';
import { NetlinkSocket } from './netlink.js';
import { addRoute, parseRoute } from './route.js';
import { createVethPair, VETH_PREFIX_MAX, vethName } from './veth.js';

/** The container-side name of the veth peer; fixed, as in 2014. */
export const CONTAINER_IFNAME = 'eth0';

export interface NetworkEntry {
  type: string;
  address?: string;
  gateway?: string;
  mtu?: number;
  context?: Record<string, string> | null;
}

export interface RouteEntry {
  destination?: string;
  source?: string;
  gateway?: string;
  interface_name?: string;
}

/** The parts of container.json the network code reads. */
export interface NetworkConfig {
  namespaces?: Record<string, boolean | undefined> | null;
  networks?: readonly NetworkEntry[] | null;
  routes?: readonly RouteEntry[] | null;
}

export interface ConfigProblem {
  path: string;
  message: string;
}

const STRATEGIES = new Set(['loopback', 'veth', 'netns', 'slirp4netns']);
const ETH_MAX_MTU = 65535;
const MAX_INT_MTU = 0x7fffffff;

/** Everything that can be known wrong before touching the kernel, as {path, message} entries. */
export function checkNetworks(config: NetworkConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const newnet = config.namespaces?.NEWNET === true;
  (config.networks ?? []).forEach((n, i) => {
    const at = `networks[${i}]`;
    if (!STRATEGIES.has(n.type)) {
      problems.push({ path: `${at}.type`, message: `'${n.type}' is not a valid network strategy type` });
      return;
    }
    // veth stops at ETH_MAX_MTU; lo has no max_mtu, so dev_set_mtu takes any int (its default is
    // 65536). Below 68 the kernel removes IPv4 from the device.
    const maxMtu = n.type === 'loopback' ? MAX_INT_MTU : n.type === 'slirp4netns' ? 65521 : ETH_MAX_MTU;
    if (n.mtu !== undefined && n.mtu !== 0 && (!Number.isInteger(n.mtu) || n.mtu < 68 || n.mtu > maxMtu)) {
      problems.push({
        path: `${at}.mtu`,
        message: `${n.mtu} is not an MTU between 68 and ${maxMtu} for ${n.type}`,
      });
    }
    if (n.type !== 'netns' && !newnet) {
      problems.push({
        path: `${at}.type`,
        message: `the ${n.type} strategy needs namespaces.NEWNET (it would change the host's own network)`,
      });
    }
    if (n.type === 'veth') {
      const prefix = n.context?.prefix;
      if (!n.context?.bridge)
        problems.push({ path: `${at}.context.bridge`, message: 'is required for veth' });
      if (!prefix) problems.push({ path: `${at}.context.prefix`, message: 'is required for veth' });
      else if (prefix.length > VETH_PREFIX_MAX || /[/\s:]/.test(prefix)) {
        problems.push({
          path: `${at}.context.prefix`,
          message: `'${prefix}' must be at most ${VETH_PREFIX_MAX} characters without '/', ':' or spaces`,
        });
      }
      if (!n.address) problems.push({ path: `${at}.address`, message: 'is required for veth' });
      else if (!parseCidr(n.address) || !n.address.includes('/')) {
        problems.push({
          path: `${at}.address`,
          message: `'${n.address}' is not a CIDR address like 172.17.0.2/16`,
        });
      }
      if (n.gateway && !parseIp(n.gateway)) {
        problems.push({ path: `${at}.gateway`, message: `'${n.gateway}' is not an IP address` });
      }
    }
    if (n.type === 'netns' && !n.context?.nspath) {
      problems.push({ path: `${at}.context.nspath`, message: 'is required for netns' });
    }
  });
  (config.routes ?? []).forEach((r, i) => {
    const at = `routes[${i}]`;
    if (!r.interface_name) problems.push({ path: `${at}.interface_name`, message: 'is required' });
    else if (r.interface_name.length > IFNAME_MAX) {
      problems.push({
        path: `${at}.interface_name`,
        message: `'${r.interface_name}' is longer than 15 characters`,
      });
    }
    const parsed = parseRoute(r, 0, r.interface_name ?? '');
    if ('error' in parsed)
      problems.push({ path: parsed.field ? `${at}.${parsed.field}` : at, message: parsed.error });
  });
  return problems;
}

/** The nspath of the last netns strategy: the namespace the child must setns into (a plan step). */
export function netnsPath(config: NetworkConfig): string | null {
  const last = (config.networks ?? []).filter((n) => n.type === 'netns').at(-1);
  return last?.context?.nspath ?? null;
}

/** Wrap a failure with where it happened, keeping the errno fields and the original as `cause`. */
export function networkError(step: string, what: string, err: unknown): NsinitError {
  const e = err as Partial<NsinitError>;
  const fields: ConstructorParameters<typeof NsinitError>[1] = {
    code: typeof e.code === 'string' ? e.code : 'ERR_NSINIT_NETWORK',
    step,
    cause: err,
  };
  if (e.errno !== undefined) fields.errno = e.errno;
  if (e.syscall !== undefined) fields.syscall = e.syscall;
  if (e.path !== undefined) fields.path = e.path;
  return new NsinitError(`${step}: ${what}: ${e.message ?? String(err)}`, fields);
}

/** Where container-side requests go: the child's netns, or one joined by a netns strategy. */
interface Target {
  sock: NetlinkSocket;
  peerNs: { pid: number } | { fd: number };
}

export interface AppliedNetworks {
  /** Host-side veth ends created, in order. */
  hostInterfaces: string[];
}

function requireLink(sock: NetlinkSocket, name: string, where: string): Link {
  const link = getLink(sock, name);
  if (!link) {
    throw new NsinitError(`${where}: interface '${name}' does not exist in the container`, {
      code: 'ENODEV',
      errno: -19,
      path: name,
      step: where,
    });
  }
  return link;
}

/**
 * Apply `config.networks` in order, then `config.routes`. On failure, host veths created so far
 * are deleted (deleting one end of a pair removes both) before the error is thrown.
 */
export function applyNetworks(
  native: NativeBindings,
  config: NetworkConfig,
  child: { pid: number; pidfd: number },
): AppliedNetworks {
  const applied: AppliedNetworks = { hostInterfaces: [] };
  const sockets: NetlinkSocket[] = [];
  const fds: number[] = [];
  const open = (nsFd: number): NetlinkSocket => {
    const s = NetlinkSocket.open(native, nsFd);
    sockets.push(s);
    return s;
  };
  let host: NetlinkSocket | undefined;
  const hostSock = () => {
    host ??= open(-1);
    return host;
  };
  try {
    let target: Target | undefined;
    const containerSide = (): Target => {
      target ??= { sock: open(child.pidfd), peerNs: { pid: child.pid } };
      return target;
    };
    (config.networks ?? []).forEach((n, i) => {
      const step = `networks[${i}] (${n.type})`;
      const mtu = n.mtu ?? 0;
      if (n.type === 'loopback') {
        const t = containerSide();
        const lo = requireLink(t.sock, 'lo', step);
        try {
          setLink(t.sock, lo.index, mtu > 0 ? { mtu, up: true } : { up: true }, 'lo');
        } catch (err) {
          throw networkError(step, "bringing up 'lo'", err);
        }
      } else if (n.type === 'veth') {
        applyVeth(hostSock(), containerSide(), n, step, applied);
      } else if (n.type === 'netns') {
        const nspath = n.context!.nspath!;
        let fd: number;
        try {
          fd = openSync(nspath, 'r');
        } catch (err) {
          throw networkError(step, `opening context.nspath '${nspath}'`, err);
        }
        fds.push(fd);
        try {
          target = { sock: open(fd), peerNs: { fd } };
        } catch (err) {
          throw networkError(step, `entering the network namespace '${nspath}'`, err);
        }
      }
    });
    (config.routes ?? []).forEach((r, i) => {
      const step = `routes[${i}]`;
      const t = containerSide();
      const link = requireLink(t.sock, r.interface_name!, step);
      const spec = parseRoute(r, link.index, link.name);
      if ('error' in spec)
        throw new NsinitError(`${step}: ${spec.error}`, { code: 'ERR_NSINIT_INVALID_CONFIG' });
      try {
        addRoute(t.sock, spec);
      } catch (err) {
        throw networkError(step, 'adding the route', err);
      }
    });
    return applied;
  } catch (err) {
    for (const name of applied.hostInterfaces.reverse()) {
      try {
        deleteLink(hostSock(), name);
      } catch {
        // the original error matters more; a leftover would also be named by the leak check
      }
    }
    throw err;
  } finally {
    for (const s of sockets) s.close();
    for (const fd of fds) closeSync(fd);
  }
}

function applyVeth(
  host: NetlinkSocket,
  t: Target,
  n: NetworkEntry,
  step: string,
  applied: AppliedNetworks,
): void {
  const bridgeName = n.context!.bridge!;
  const bridge = getLink(host, bridgeName);
  if (!bridge) {
    throw new NsinitError(`${step}: context.bridge: bridge '${bridgeName}' does not exist on the host`, {
      code: 'ENODEV',
      errno: -19,
      path: bridgeName,
      step,
    });
  }
  if (bridge.kind !== 'bridge') {
    throw new NsinitError(
      `${step}: context.bridge: '${bridgeName}' is not a bridge (kind '${bridge.kind}')`,
      {
        code: 'ERR_NSINIT_NETWORK',
        path: bridgeName,
        step,
      },
    );
  }
  const cidr = parseCidr(n.address!) as Cidr;
  // IPv4 has no duplicate address detection: at least refuse an address the host itself holds
  // (typically the bridge's own, i.e. the gateway), which would silently break both sides. IPv6
  // runs DAD on eth0 by itself.
  const holder =
    cidr.family === AF_INET ? listAddresses(host, AF_INET).find((a) => a.address === cidr.text) : undefined;
  if (holder) {
    const owner =
      holder.index === bridge.index ? `bridge '${bridgeName}'` : `host interface #${holder.index}`;
    throw new NsinitError(`${step}: address: ${cidr.text} is already in use by ${owner}`, {
      code: 'EADDRINUSE',
      errno: -98,
      path: cidr.text,
      step,
    });
  }
  const mtu = n.mtu ?? 0;
  // A random name can collide with another container's; EEXIST on the host end means "draw again".
  let name = '';
  for (let attempt = 0; ; attempt++) {
    name = vethName(n.context!.prefix!);
    try {
      createVethPair(host, { host: name, peer: CONTAINER_IFNAME, peerNs: t.peerNs, mtu });
      break;
    } catch (err) {
      const exists = (err as { code?: string }).code === 'EEXIST';
      if (exists && getLink(host, name) !== null) {
        if (attempt < 8) continue;
      } else if (exists && getLink(t.sock, CONTAINER_IFNAME) !== null) {
        throw networkError(
          step,
          `'${CONTAINER_IFNAME}' already exists in the container (one veth network per container)`,
          err,
        );
      }
      throw networkError(step, `creating veth pair '${name}' <-> '${CONTAINER_IFNAME}'`, err);
    }
  }
  applied.hostInterfaces.push(name);
  try {
    // Enslave before up: the port joins the bridge in the forwarding path from its first packet.
    setLink(host, requireLink(host, name, step).index, { master: bridge.index, up: true }, name);
  } catch (err) {
    throw networkError(step, `attaching '${name}' to bridge '${bridgeName}'`, err);
  }
  const eth = requireLink(t.sock, CONTAINER_IFNAME, step);
  try {
    addAddress(t.sock, eth.index, cidr, CONTAINER_IFNAME);
  } catch (err) {
    throw networkError(step, `adding address ${n.address}`, err);
  }
  try {
    setLink(t.sock, eth.index, { up: true }, CONTAINER_IFNAME);
  } catch (err) {
    throw networkError(step, `bringing up '${CONTAINER_IFNAME}'`, err);
  }
  if (n.gateway) {
    try {
      addRoute(t.sock, { gateway: parseIp(n.gateway)!, oif: eth.index, ifname: CONTAINER_IFNAME });
    } catch (err) {
      throw networkError(step, `adding the default route via ${n.gateway}`, err);
    }
  }
}
