// Network interfaces over rtnetlink: look up, create, change and delete links (RTM_*LINK with an
// ifinfomsg header). See rtnetlink(7) ("RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK") and
// <linux/if_link.h>. Renaming and IFLA_MASTER replace the 2014 ioctls (SIOCSIFNAME, SIOCBRADDIF).
import {
  type Attr,
  attr,
  attrMap,
  cstring,
  type NetlinkSocket,
  NLM_F_CREATE,
  NLM_F_EXCL,
} from './netlink.js';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;

export const AF_UNSPEC = 0;
export const IFF_UP = 0x1;

export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_MASTER = 10;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_NET_NS_FD = 28;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;

/** IFNAMSIZ - 1: the kernel refuses longer names with EINVAL/ERANGE. */
export const IFNAME_MAX = 15;

export interface IfInfo {
  family?: number;
  type?: number;
  index?: number;
  flags?: number;
  change?: number;
}

/** struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; } */
export function ifinfomsg(i: IfInfo = {}): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(i.family ?? AF_UNSPEC, 0);
  b.writeUInt16LE(i.type ?? 0, 2);
  b.writeInt32LE(i.index ?? 0, 4);
  b.writeUInt32LE((i.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((i.change ?? 0) >>> 0, 12);
  return b;
}

export interface Link {
  index: number;
  name: string;
  flags: number;
  mtu: number;
  /** ifindex of the bridge this link is enslaved to, or 0. */
  master: number;
  /** IFLA_INFO_KIND ('veth', 'bridge', ...) or '' for physical/loopback links. */
  kind: string;
}

export function parseLink(payload: Buffer): Link {
  const attrs = attrMap(payload.subarray(16));
  const info = attrs.get(IFLA_LINKINFO);
  const kind = info ? attrMap(info).get(IFLA_INFO_KIND) : undefined;
  return {
    index: payload.readInt32LE(4),
    flags: payload.readUInt32LE(8),
    name: cstring(attrs.get(IFLA_IFNAME) ?? Buffer.alloc(0)),
    mtu: attrs.get(IFLA_MTU)?.readUInt32LE(0) ?? 0,
    master: attrs.get(IFLA_MASTER)?.readUInt32LE(0) ?? 0,
    kind: kind ? cstring(kind) : '',
  };
}

/** The link called `name`, or null when the namespace has none (ENODEV). */
export function getLink(sock: NetlinkSocket, name: string): Link | null {
  try {
    const m = sock.get(RTM_GETLINK, ifinfomsg(), [attr.str(IFLA_IFNAME, name)], {
      op: 'RTM_GETLINK',
      path: name,
    });
    return parseLink(m.payload);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENODEV') return null;
    throw err;
  }
}

export function listLinks(sock: NetlinkSocket): Link[] {
  return sock.dump(RTM_GETLINK, ifinfomsg(), [], { op: 'RTM_GETLINK' }).map((m) => parseLink(m.payload));
}

export interface LinkChange {
  mtu?: number;
  name?: string;
  /** ifindex of a bridge to enslave to (0 = release). */
  master?: number;
  up?: boolean;
  /** Move into the network namespace of this pid (IFLA_NET_NS_PID). */
  netnsPid?: number;
  /** Move into the network namespace behind this fd (IFLA_NET_NS_FD). */
  netnsFd?: number;
}

/** One RTM_NEWLINK on an existing index: the kernel applies every attribute or none of them. */
export function setLink(sock: NetlinkSocket, index: number, change: LinkChange, label = `#${index}`): void {
  const attrs: Attr[] = [];
  if (change.mtu !== undefined) attrs.push(attr.u32(IFLA_MTU, change.mtu));
  if (change.name !== undefined) attrs.push(attr.str(IFLA_IFNAME, change.name));
  if (change.master !== undefined) attrs.push(attr.u32(IFLA_MASTER, change.master));
  if (change.netnsPid !== undefined) attrs.push(attr.u32(IFLA_NET_NS_PID, change.netnsPid));
  if (change.netnsFd !== undefined) attrs.push(attr.u32(IFLA_NET_NS_FD, change.netnsFd));
  const up = change.up === undefined ? {} : { flags: change.up ? IFF_UP : 0, change: IFF_UP };
  sock.ack(RTM_NEWLINK, 0, ifinfomsg({ index, ...up }), attrs, { op: 'RTM_NEWLINK', path: label });
}

/** Create a link of `kind` (IFLA_LINKINFO) and fail with EEXIST rather than touch an existing one. */
export function createLink(
  sock: NetlinkSocket,
  name: string,
  kind: string,
  data: Attr[] = [],
  extra: Attr[] = [],
): void {
  const info: Attr[] = [attr.str(IFLA_INFO_KIND, kind)];
  if (data.length > 0) info.push(attr.nested(IFLA_INFO_DATA, data));
  sock.ack(
    RTM_NEWLINK,
    NLM_F_CREATE | NLM_F_EXCL,
    ifinfomsg(),
    [attr.str(IFLA_IFNAME, name), ...extra, attr.nested(IFLA_LINKINFO, info)],
    { op: 'RTM_NEWLINK', path: name },
  );
}

/** Delete by name; false if it was already gone (e.g. its netns died and took the veth pair). */
export function deleteLink(sock: NetlinkSocket, name: string): boolean {
  try {
    sock.ack(RTM_DELLINK, 0, ifinfomsg(), [attr.str(IFLA_IFNAME, name)], { op: 'RTM_DELLINK', path: name });
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENODEV') return false;
    throw err;
  }
}
