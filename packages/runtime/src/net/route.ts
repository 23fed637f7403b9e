// Routes over rtnetlink (RTM_NEWROUTE with an rtmsg header) in the main table. See rtnetlink(7)
// ("RTM_NEWROUTE") and <linux/rtnetlink.h>. A route with only a gateway is the default route.
import { type Cidr, type Ip, parseCidr, parseIp } from './addr.js';
import { type Attr, attr, type NetlinkSocket, NLM_F_CREATE, NLM_F_EXCL } from './netlink.js';

export const RTM_NEWROUTE = 24;
export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RTN_UNICAST = 1;
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;

export interface RouteSpec {
  destination?: Cidr;
  source?: Cidr;
  gateway?: Ip;
  /** ifindex of the output device (RTA_OIF). */
  oif: number;
  /** For error messages. */
  ifname: string;
}

export interface RtMsg {
  family: number;
  dstLen?: number;
  srcLen?: number;
  table?: number;
  protocol?: number;
  scope?: number;
  type?: number;
}

/** struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; } */
export function rtmsg(r: RtMsg): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(r.family, 0);
  b.writeUInt8(r.dstLen ?? 0, 1);
  b.writeUInt8(r.srcLen ?? 0, 2);
  b.writeUInt8(r.table ?? 0, 4);
  b.writeUInt8(r.protocol ?? 0, 5);
  b.writeUInt8(r.scope ?? 0, 6);
  b.writeUInt8(r.type ?? 0, 7);
  return b;
}

/** Parse the textual fields of a 2014 route; returns an error message naming the field, or the spec. */
export function parseRoute(
  r: { destination?: string; source?: string; gateway?: string },
  oif: number,
  ifname: string,
): RouteSpec | { error: string; field: string } {
  const spec: RouteSpec = { oif, ifname };
  if (r.destination) {
    const d = parseCidr(r.destination);
    if (!d) return { field: 'destination', error: `'${r.destination}' is not an address or CIDR` };
    spec.destination = d;
  }
  if (r.source) {
    const s = parseCidr(r.source);
    if (!s) return { field: 'source', error: `'${r.source}' is not an address or CIDR` };
    spec.source = s;
  }
  if (r.gateway) {
    const g = parseIp(r.gateway);
    if (!g) return { field: 'gateway', error: `'${r.gateway}' is not an IP address` };
    spec.gateway = g;
  }
  const families = new Set(
    [spec.destination, spec.source, spec.gateway].flatMap((x) => (x ? [x.family] : [])),
  );
  if (families.size === 0)
    return { field: '', error: 'needs at least one of destination, source or gateway' };
  if (families.size > 1) return { field: '', error: 'mixes IPv4 and IPv6 addresses' };
  return spec;
}

function describe(r: RouteSpec): string {
  const parts = [r.destination ? `${r.destination.text}/${r.destination.prefix}` : 'default'];
  if (r.source) parts.push(`from ${r.source.text}/${r.source.prefix}`);
  if (r.gateway) parts.push(`via ${r.gateway.text}`);
  parts.push(`dev ${r.ifname}`);
  return parts.join(' ');
}

/** Add one route to the main table. Without a gateway the destination is on-link (scope link),
 *  which is what the kernel needs to accept a route that has no next hop. */
export function addRoute(sock: NetlinkSocket, r: RouteSpec): void {
  const family = (r.destination ?? r.source ?? r.gateway)!.family;
  const attrs: Attr[] = [];
  if (r.destination) attrs.push(attr.bytes(RTA_DST, r.destination.bytes));
  if (r.source) attrs.push(attr.bytes(RTA_SRC, r.source.bytes));
  if (r.gateway) attrs.push(attr.bytes(RTA_GATEWAY, r.gateway.bytes));
  attrs.push(attr.u32(RTA_OIF, r.oif));
  sock.ack(
    RTM_NEWROUTE,
    NLM_F_CREATE | NLM_F_EXCL,
    rtmsg({
      family,
      dstLen: r.destination?.prefix ?? 0,
      srcLen: r.source?.prefix ?? 0,
      table: RT_TABLE_MAIN,
      protocol: RTPROT_BOOT,
      scope: r.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
      type: RTN_UNICAST,
    }),
    attrs,
    { op: 'RTM_NEWROUTE', path: describe(r) },
  );
}
