// veth pairs (drivers/net/veth.c): one RTM_NEWLINK creates both ends; VETH_INFO_PEER carries the
// peer's own ifinfomsg and attributes, including IFLA_NET_NS_PID, so the peer is born inside the
// container's network namespace and never exists on the host. See veth(4) and rtnetlink(7).
import {
  createLink,
  IFLA_IFNAME,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_NET_NS_PID,
  IFNAME_MAX,
  ifinfomsg,
} from './link.js';
import { type Attr, attr, encodeAttrs, type NetlinkSocket } from './netlink.js';

export const VETH_INFO_PEER = 1;

export interface VethPair {
  /** Name of the end that stays in the namespace of `sock`. */
  host: string;
  /** Name of the end created in the target namespace. */
  peer: string;
  /** The namespace that receives the peer: a pid's (IFLA_NET_NS_PID) or an nsfs fd's (IFLA_NET_NS_FD). */
  peerNs: { pid: number } | { fd: number };
  /** MTU for both ends; 0 leaves the kernel default (1500). */
  mtu: number;
}

/** The VETH_INFO_PEER payload: a struct ifinfomsg followed by the peer's attributes. */
export function vethPeerData(p: VethPair): Attr[] {
  const ns =
    'pid' in p.peerNs ? attr.u32(IFLA_NET_NS_PID, p.peerNs.pid) : attr.u32(IFLA_NET_NS_FD, p.peerNs.fd);
  const peer: Attr[] = [attr.str(IFLA_IFNAME, p.peer), ns];
  if (p.mtu > 0) peer.push(attr.u32(IFLA_MTU, p.mtu));
  return [attr.bytes(VETH_INFO_PEER, Buffer.concat([ifinfomsg(), encodeAttrs(peer)]))];
}

export function createVethPair(sock: NetlinkSocket, p: VethPair): void {
  const extra = p.mtu > 0 ? [attr.u32(IFLA_MTU, p.mtu)] : [];
  createLink(sock, p.host, 'veth', vethPeerData(p), extra);
}

/** 2014 naming: the prefix plus 4 hex characters from the crypto RNG (`veth1a2b`). Web Crypto's
 *  global is loaded on first use, so a container without veth networks never loads node:crypto. */
export function vethName(prefix: string): string {
  return `${prefix}${Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(2))).toString('hex')}`;
}

export const VETH_PREFIX_MAX = IFNAME_MAX - 4;
